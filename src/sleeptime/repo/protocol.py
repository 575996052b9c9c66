"""The plain-text tool protocol for models without native tool calls.

A call is ``<tool name="read_file">{"path": "a.py"}</tool>``; the final reply is
``<answer>...</answer>``. Parsing is forgiving where it is safe (any case, single or no
quotes around the name, ``{"name": ..., "arguments": ...}`` bodies, an unclosed answer
tag) because small models drift from the format; arguments that are not JSON still make
a call, so the executor can tell the model what was wrong with them.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from sleeptime.backends.base import ToolCall, ToolSpec
from sleeptime.repo.tools import ToolOutput

_TOOL = re.compile(
    r"<tool(?:\s+name\s*=\s*[\"']?(?P<name>[\w.-]+)[\"']?)?\s*/?>(?P<body>.*?)(?:</tool>|$)",
    re.DOTALL | re.IGNORECASE,
)
_ANSWER = re.compile(r"<answer>\s*(.*?)\s*(?:</answer>|$)", re.DOTALL | re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class TextReply:
    """What one text reply asks for: tool calls, a final answer, or neither."""

    calls: tuple[ToolCall, ...]
    answer: str | None


def _call(name: str | None, body: str, index: int) -> ToolCall | None:
    body = body.strip()
    if body.startswith("```"):
        body = body.strip("`").removeprefix("json").strip()
    try:
        parsed = json.loads(body) if body else {}
    except json.JSONDecodeError:
        parsed = None
    if name is None:
        # <tool>{"name": "read_file", "arguments": {...}}</tool>
        if not isinstance(parsed, dict) or not isinstance(parsed.get("name"), str):
            return None
        name = parsed["name"]
        parsed = parsed.get("arguments", {})
    call_id = f"text_{index}"
    if isinstance(parsed, dict):
        return ToolCall(name=str(name), arguments=parsed, id=call_id, raw=body)
    return ToolCall(name=str(name), arguments={}, id=call_id, raw=body or "?")


def parse_text_reply(text: str) -> TextReply:
    """Read tool calls and an answer from a reply; an answer ends the loop even with calls."""
    answer_match = _ANSWER.search(text)
    answer = answer_match.group(1).strip() if answer_match else None
    calls: list[ToolCall] = []
    for index, match in enumerate(_TOOL.finditer(text)):
        call = _call(match.group("name"), match.group("body"), index)
        if call is not None:
            calls.append(call)
    return TextReply(calls=tuple(calls), answer=answer or None)


def describe_tools(specs: tuple[ToolSpec, ...]) -> str:
    """One line per tool with its arguments, for the text protocol prompt."""
    lines = []
    for spec in specs:
        properties = spec.parameters.get("properties", {})
        required = set(spec.parameters.get("required", []))
        args = ", ".join(
            f"{key}{'' if key in required else '?'}: {value.get('type', 'string')}"
            for key, value in properties.items()
        )
        lines.append(f"- {spec.name}({args}): {spec.description}")
    return "\n".join(lines)


def format_results(outputs: list[ToolOutput]) -> str:
    """Tool results as one user message for the text protocol."""
    return "\n\n".join(
        f'<result name="{output.name}">\n{output.text}\n</result>' for output in outputs
    )
