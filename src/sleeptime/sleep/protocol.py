"""Reading the model's rethink actions, from native tool calls or the plain-text protocol.

Small models rarely follow a tool protocol exactly, so parsing is forgiving where it is
safe (tags in any case, surrounding chatter ignored) and reports everything else back to
the model as feedback instead of failing the run.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from sleeptime.backends.base import ToolCall, ToolSpec

RETHINK = "rethink_memory"
FINISH = "finish_rethinking_memory"

TOOLS: tuple[ToolSpec, ...] = (
    ToolSpec(
        name=RETHINK,
        description=(
            "Replace your notes with new_memory. Write the complete new notes: "
            "anything left out is lost."
        ),
        parameters={
            "type": "object",
            "properties": {
                "new_memory": {"type": "string", "description": "The complete new notes."}
            },
            "required": ["new_memory"],
        },
    ),
    ToolSpec(
        name=FINISH,
        description="Call when your notes are complete and double-checked.",
        parameters={"type": "object", "properties": {}},
    ),
)

_NOTES = re.compile(r"<notes>\s*(.*?)\s*(?:</notes>|$)", re.DOTALL | re.IGNORECASE)
_FINISH = re.compile(r"<\s*finish\s*/?\s*>", re.IGNORECASE)
_MIN_UNTAGGED_CHARS = 20
_PLACEHOLDER = re.compile(r"^\s*\[empty\]\s*$", re.MULTILINE | re.IGNORECASE)


def _clean(notes: str) -> str:
    """Drop echoed placeholders and tags that small models copy from the prompt."""
    notes = _PLACEHOLDER.sub("", notes)
    notes = re.sub(r"</?notes>", "", notes, flags=re.IGNORECASE)
    return _dedupe_paragraphs(notes)


def _dedupe_paragraphs(notes: str) -> str:
    """Keep the first copy of each repeated paragraph or long line: loops add nothing.

    Short lines (under 40 characters, like "A: 24") may legitimately repeat and are kept.
    """
    seen_paragraphs: set[str] = set()
    seen_lines: set[str] = set()
    kept: list[str] = []
    for paragraph in re.split(r"\n\s*\n", notes):
        key = " ".join(paragraph.split()).lower()
        if not key or key in seen_paragraphs:
            continue
        seen_paragraphs.add(key)
        lines: list[str] = []
        for line in paragraph.strip().splitlines():
            line_key = " ".join(line.split()).lower()
            if len(line_key) >= 40:
                if line_key in seen_lines:
                    continue
                seen_lines.add(line_key)
            lines.append(line)
        if lines:
            kept.append("\n".join(lines))
    return "\n\n".join(kept)


@dataclass(frozen=True, slots=True)
class Action:
    """What one model reply asks for: new notes, finishing, both, or nothing usable."""

    kind: Literal["rethink", "finish", "malformed"]
    memory: str | None = None
    finish_after: bool = False
    feedback: str | None = None
    """Told to the model next round: why its reply was not (fully) understood."""
    untagged: bool = False


def parse_tool_calls(calls: tuple[ToolCall, ...]) -> Action:
    """Turn native tool calls into one action; the last rethink wins, finish ends the loop."""
    memory: str | None = None
    finish = False
    problems: list[str] = []
    for call in calls:
        if call.name == RETHINK:
            value = call.arguments.get("new_memory")
            if isinstance(value, str) and _clean(value):
                memory = _clean(value)
            else:
                problems.append(
                    f"{RETHINK} needs a non-empty string argument new_memory"
                    + (f" (got {call.raw[:80]!r})" if call.raw else "")
                )
        elif call.name == FINISH:
            finish = True
        else:
            problems.append(f"there is no tool named {call.name!r}; use {RETHINK} or {FINISH}")
    feedback = "; ".join(problems) or None
    if memory is not None:
        return Action("rethink", memory=memory, finish_after=finish, feedback=feedback)
    if finish:
        return Action("finish", feedback=feedback)
    return Action("malformed", feedback=feedback or "call one of the tools")


def parse_text_reply(text: str, *, strict: bool) -> Action:
    """Parse a plain-text reply: ``<notes>...</notes>`` and/or ``<finish/>``.

    Unless ``strict``, a reply with no tags but real content is taken as the new notes,
    because small models often just write notes; the action is flagged ``untagged``.
    """
    finish = bool(_FINISH.search(text))
    match = _NOTES.search(text)
    if match and match.group(1).strip():
        memory = _clean(_FINISH.sub("", match.group(1)))
        if memory:
            return Action("rethink", memory=memory, finish_after=finish)
    if finish:
        # Notes written without tags, then <finish/> (SmolLM2 does this): the text before
        # the tag is the notes; what follows it is chatter.
        before = _clean(text[: _FINISH.search(text).start()])  # type: ignore[union-attr]
        if not strict and len(before) >= _MIN_UNTAGGED_CHARS:
            return Action(
                "rethink",
                memory=before,
                finish_after=True,
                untagged=True,
                feedback="put your notes between <notes> and </notes> tags",
            )
        return Action("finish")
    body = _clean(text)
    if not strict and len(body) >= _MIN_UNTAGGED_CHARS:
        return Action(
            "rethink",
            memory=body,
            untagged=True,
            feedback="put your notes between <notes> and </notes> tags",
        )
    return Action(
        "malformed",
        feedback="reply with <notes>complete new notes</notes>, or <finish/> if they are done",
    )


def clip_notes(notes: str, limit: int) -> tuple[str, bool]:
    """Cut notes to ``limit`` characters at a line or sentence end; return (notes, clipped)."""
    if len(notes) <= limit:
        return notes, False
    head = notes[:limit]
    cut = max(head.rfind("\n"), head.rfind(". "))
    if cut > limit // 2:
        head = head[: cut + 1]
    return head.rstrip(), True
