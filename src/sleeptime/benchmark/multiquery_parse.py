"""Parse a model's list of generated question/answer pairs: lenient on layout, strict on content.

Small models wrap JSON in code fences, add prose, stop mid-list or fall back to "Q:/A:" lines;
all of that is accepted. What is not accepted is a pair that the GSM grader could not check:
an empty question, an answer that is not a single number, or a repeat.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from sleeptime.benchmark.grading import grade_gsm
from sleeptime.errors import InputError


@dataclass(frozen=True, slots=True)
class GeneratedPair:
    """One well-formed question/answer pair parsed from a generation reply."""

    question: str
    answer: str
    calc: str | None = None
    """The whole calculation as one expression, when the generation prompt asked for it."""


_FENCE = re.compile(r"```(?:json)?\s*(.*?)```", re.DOTALL)
_OBJECT = re.compile(r"\{[^{}]*\}", re.DOTALL)
_LINE_PAIR = re.compile(
    r"(?:^|\n)\s*(?:\d+[.)]\s*)?(?:Q(?:uestion)?\s*\d*\s*[:.])\s*(?P<q>.+?)\s*\n\s*"
    r"(?:A(?:nswer)?\s*\d*\s*[:.])\s*(?P<a>[^\n]+)",
    re.IGNORECASE,
)


def _candidates(text: str) -> list[Any]:
    """Raw items from a reply: a JSON list if there is one, else JSON objects, else Q/A lines."""
    blocks = [m.group(1) for m in _FENCE.finditer(text)] + [text]
    for block in blocks:
        start, end = block.find("["), block.rfind("]")
        if 0 <= start < end:
            try:
                loaded = json.loads(block[start : end + 1])
            except json.JSONDecodeError:
                continue
            if isinstance(loaded, list):
                return loaded
    items: list[Any] = []
    for match in _OBJECT.finditer(text):
        try:
            items.append(json.loads(match.group()))
        except json.JSONDecodeError:
            items.append(None)  # counts as malformed
    if items:
        return items
    return [{"question": m.group("q"), "answer": m.group("a")} for m in _LINE_PAIR.finditer(text)]


_ANSWER_NUMBER = re.compile(r"[-−]?\$?\s?(?:\d[\d,]*(?:\.\d+)?|\.\d+)(?:\s?/\s?\d+)?\s?%?")
_UNIT = re.compile(r"[A-Za-z][A-Za-z ]{0,24}")


def _numeric(raw: object) -> str | None:
    """The answer as one number ("$8" -> "8", "x = 12 inches" -> "12"), else None.

    Anything that is not a single number (an expression, a range, words) is rejected, since
    the re-solve is graded against it with the GSM grader.
    """
    if isinstance(raw, bool) or not isinstance(raw, str | int | float):
        return None
    text = str(raw).rsplit("=", 1)[-1].strip().rstrip(".").strip()
    match = _ANSWER_NUMBER.match(text)
    if match is None or len(text) > 40:
        return None
    rest = text[match.end() :].strip()
    if rest and not _UNIT.fullmatch(rest):
        return None
    number = match.group().replace("$", "").replace(" ", "").replace("−", "-")
    try:
        if not grade_gsm(number, number).correct:
            return None
    except InputError:
        return None
    return number


def normal_question(question: str) -> str:
    """The form two questions are compared in to count as repeats (case and spacing)."""
    return " ".join(question.lower().split())


def parse_pairs(
    text: str, *, limit: int, original_query: str = ""
) -> tuple[list[GeneratedPair], int]:
    """Parse up to ``limit`` pairs from a reply; return them and the count of skipped items.

    Lenient on layout (code fences, prose around the list, single objects, "Q:/A:" lines,
    "q"/"a" keys), strict on content: a non-empty question and a numeric answer, no repeats.
    """
    pairs: list[GeneratedPair] = []
    skipped = 0
    seen = {normal_question(original_query)} if original_query else set()
    for item in _candidates(text):
        if not isinstance(item, dict):
            skipped += 1
            continue
        question = item.get("question", item.get("q"))
        answer = _numeric(item.get("answer", item.get("a")))
        if not isinstance(question, str) or not question.strip() or answer is None:
            skipped += 1
            continue
        key = normal_question(question)
        if key in seen:
            skipped += 1
            continue
        if len(pairs) < limit:
            seen.add(key)
            calc = item.get("calc", item.get("calculation", item.get("expression")))
            pairs.append(
                GeneratedPair(
                    question=question.strip(),
                    answer=answer,
                    calc=str(calc).strip() if isinstance(calc, str | int | float) else None,
                )
            )
    return pairs, skipped


__all__ = ["GeneratedPair", "normal_question", "parse_pairs"]
