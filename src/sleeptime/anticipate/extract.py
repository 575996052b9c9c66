"""Pull anticipated questions with their precomputed answers out of a sleep run's notes.

Two sources, chosen by ``SleepBudget.anticipate``:

- ``notes`` (the default): parse ``Q: ...`` / ``A: ...`` lines the sleep prompt asks for.
  It costs nothing extra, so it suits the small embedded model, which often writes few or
  no such lines (an empty list is a normal outcome, and every query then goes to the model).
- ``call``: additionally one request asking the model for a JSON list of question/answer
  pairs from the notes (prompt ``anticipate_extract``); worth it on stronger models.
- ``off``: store no anticipated answers.

Parsing is lenient (markdown bullets and bold, numbered ``Q1:``, ``Question:``/``Answer:``,
both on one line, JSON wrapped in chatter or code fences) because small models are sloppy,
and a failed extraction call never fails the run: it only leaves the list shorter.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any, Literal, get_args

from sleeptime.anticipate.signature import expand_contractions
from sleeptime.backends.base import Backend, ChatRequest, Message
from sleeptime.errors import SleeptimeError
from sleeptime.prompts import load_prompt
from sleeptime.values import Usage

AnticipateMode = Literal["off", "notes", "call"]
ANTICIPATE_MODES: tuple[str, ...] = get_args(AnticipateMode)
MAX_ANTICIPATED = 64
MAX_QUESTION_CHARS = 500
MAX_ANSWER_CHARS = 1000
EXTRACT_MAX_TOKENS = 768

_MARKUP = r"[\s>*_#`\-•]*"
_Q_LINE = re.compile(
    rf"^{_MARKUP}(?:\d+[.)]\s*)?{_MARKUP}(?:q(?:uestion)?\s*\d*)\s*[:)]{_MARKUP}(?P<text>.*)$",
    re.IGNORECASE,
)
_A_LINE = re.compile(
    rf"^{_MARKUP}(?:a(?:nswer)?\s*\d*)\s*[:)]{_MARKUP}(?P<text>.*)$", re.IGNORECASE
)
_INLINE_A = re.compile(r"(?:^|\s|\*)(?:a|answer)\s*:\s*", re.IGNORECASE)


@dataclass(slots=True)
class Extraction:
    """The anticipated list of one run, where it came from, and the extra cost."""

    items: list[dict[str, Any]]
    mode: str
    usage: Usage = field(default_factory=Usage)
    from_notes: int = 0
    from_call: int = 0
    error: str | None = None
    """Why the extraction call failed, when it did (the notes' pairs are kept)."""

    def details(self) -> dict[str, Any]:
        """For the run record."""
        out: dict[str, Any] = {
            "mode": self.mode,
            "count": len(self.items),
            "from_notes": self.from_notes,
            "from_call": self.from_call,
            "usage": self.usage.to_dict(),
        }
        if self.mode == "call":
            out["prompt"] = load_prompt("anticipate_extract").key
        if self.error:
            out["error"] = self.error
        return out


def _clean(text: str, limit: int) -> str:
    text = re.sub(r"\s+", " ", text.replace("**", "").replace("__", "")).strip(" \t*_`\"'")
    return text[:limit].rstrip()


def question_key(question: str) -> str:
    """A key under which rewordings that differ only in case, spacing or punctuation collide."""
    return " ".join(re.findall(r"[^\W_]+", expand_contractions(question)))


def _pair(question: str, answer: str, source: str) -> dict[str, Any] | None:
    q, a = _clean(question, MAX_QUESTION_CHARS), _clean(answer, MAX_ANSWER_CHARS)
    if not re.search(r"[^\W\d_]", q) or not a:
        return None
    return {"question": q, "answer": a, "source": source}


def parse_qa_pairs(text: str, source: str = "notes") -> list[dict[str, Any]]:
    """Read ``Q: question`` / ``A: answer`` pairs (one line each, or both on one line)."""
    pairs: list[dict[str, Any]] = []
    question: str | None = None
    answer: list[str] = []

    def flush() -> None:
        nonlocal question, answer
        if question is not None and answer:
            found = _pair(question, " ".join(answer), source)
            if found:
                pairs.append(found)
        question, answer = None, []

    for line in text.splitlines():
        if q_match := _Q_LINE.match(line):
            flush()
            body = q_match.group("text")
            inline = _INLINE_A.search(body)
            if inline:
                question, answer = body[: inline.start()], [body[inline.end() :]]
                flush()
            else:
                question, answer = body, []
        elif (a_match := _A_LINE.match(line)) and question is not None:
            # The answer is the A line only: what follows is usually the next note.
            answer = [a_match.group("text")]
            flush()
        elif not line.strip():
            question = None
        elif question is not None:
            question = f"{question} {line}"  # a question wrapped over two lines
    flush()
    return pairs


def parse_json_pairs(text: str, source: str = "call") -> list[dict[str, Any]]:
    """Read a JSON list of {question, answer} objects leniently; fall back to Q/A lines."""
    body = re.sub(r"```(?:json)?", "", text)
    candidates: list[Any] = []
    start, end = body.find("["), body.rfind("]")
    if 0 <= start < end:
        try:
            loaded = json.loads(body[start : end + 1])
            candidates = loaded if isinstance(loaded, list) else []
        except json.JSONDecodeError:
            candidates = []
    if not candidates:
        for chunk in re.findall(r"\{[^{}]*\}", body):
            try:
                candidates.append(json.loads(chunk))
            except json.JSONDecodeError:
                continue
    pairs: list[dict[str, Any]] = []
    for entry in candidates:
        if not isinstance(entry, dict):
            continue
        lowered = {str(k).lower(): v for k, v in entry.items()}
        question = lowered.get("question", lowered.get("q"))
        answer = lowered.get("answer", lowered.get("a"))
        if isinstance(question, str) and isinstance(answer, str | int | float):
            found = _pair(question, str(answer), source)
            if found:
                pairs.append(found)
    return pairs or parse_qa_pairs(text, source)


def merge_pairs(
    *groups: list[dict[str, Any]], limit: int = MAX_ANTICIPATED
) -> list[dict[str, Any]]:
    """Concatenate, keeping the first answer to each question, up to ``limit`` entries."""
    seen: set[str] = set()
    merged: list[dict[str, Any]] = []
    for group in groups:
        for pair in group:
            key = question_key(pair["question"])
            if key and key not in seen:
                seen.add(key)
                merged.append(pair)
    return merged[:limit]


async def extract_anticipated(
    notes: str,
    mode: str,
    backend: Backend | None = None,
    *,
    seed: int | None = None,
    max_pairs: int = 10,
) -> Extraction:
    """Build the anticipated list for one run's notes in ``mode`` (see the module docstring)."""
    if mode not in ANTICIPATE_MODES:
        raise ValueError(f"anticipate mode must be one of {ANTICIPATE_MODES}, not {mode!r}")
    if mode == "off":
        return Extraction(items=[], mode=mode)
    from_notes = merge_pairs(parse_qa_pairs(notes))
    extraction = Extraction(items=from_notes, mode=mode, from_notes=len(from_notes))
    if mode != "call" or backend is None:
        return extraction
    prompt = load_prompt("anticipate_extract").render(notes=notes, n=max_pairs)
    try:
        result = await backend.chat(
            ChatRequest(
                messages=(Message("user", prompt),),
                max_tokens=EXTRACT_MAX_TOKENS,
                temperature=0.0,
                seed=seed,
                background=True,
            )
        )
    except SleeptimeError as exc:
        extraction.error = str(exc)
        return extraction
    extraction.usage.add(result.usage)
    called = parse_json_pairs(result.text)[:max_pairs]
    extraction.items = merge_pairs(from_notes, called)
    extraction.from_call = len(extraction.items) - len(from_notes)
    return extraction
