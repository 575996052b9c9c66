"""Keep only the notes that add something to the context (the ``derived`` layout).

When the notes are shown *beside* the context, a note that restates the context adds no
information, only more text to read; with a small model it is a distraction. Measured with
Qwen2.5-Coder-1.5B on ledgers (``bench/ledger_multiquery.py``, notes beside the context at
budget 0): asked "How much did the Station depot spend on fuel in January?", the model
answered with the depot's parcel fees, a number the notes had copied next to the fuel
cost. Notes that carry a quantity the context does not state (a worked answer, a total, a
difference) are the ones that won problems on GSM-Symbolic.

So the filter is about numbers, the one thing that can be checked without a model: a note
block whose numbers all appear in the context is a restatement and is dropped; a block with
a number the context does not state is kept; a block with no number at all is kept (the
filter cannot tell a restatement from an inference there, and keeping is what ``both``
did); a block with worked arithmetic ("3 * 4 = 12") is kept even when its result happens
to be a number the context states. A line that ends in an operator is an unfinished
calculation (a reply cut by its token limit) and is dropped, as is a "Q:" with no "A:"; a
slip the calculator marked at sleep time is replaced by its result. If nothing is left, the
answer reads the context alone, exactly as test-time only does.
"""

from __future__ import annotations

import re
from fractions import Fraction

from sleeptime.numbers import numbers_in

DERIVED_VERSION = "derived@4"
"""Joins the prompt version of every answer whose notes went through this filter."""

_WORDS: dict[str, int | Fraction] = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13,
    "fourteen": 14, "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18,
    "nineteen": 19, "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60,
    "seventy": 70, "eighty": 80, "ninety": 90, "hundred": 100, "thousand": 1000,
    "dozen": 12, "half": Fraction(1, 2), "twice": 2, "double": 2, "triple": 3, "once": 1,
    "quarter": Fraction(1, 4),
}  # fmt: skip
"""Number words a context may use where a note writes digits ("three" -> 3)."""
_WORD = re.compile(r"[a-z]+")
_BULLET = re.compile(r"^\s*(?:[-*\u2022]|\d+[.)])\s+")
_UNFINISHED = re.compile(r"[-+*/\u00d7=(]\s*$")
_CALCULATION = re.compile(r"\d\s*(?:[+*/\u00d7]|\s-\s|%\s*of)\s*\$?\d[^=\n]*=")
"""Worked arithmetic ("3 * 4 = 12", "20% of 100 = 20"): derived even when its result
happens to be a number of c."""


def _context_numbers(context: str) -> set[Fraction]:
    values = numbers_in(context)
    values |= {Fraction(_WORDS[word]) for word in _WORD.findall(context.lower()) if word in _WORDS}
    # A percentage in the context is also the fraction a note may write ("25%" -> 0.25).
    values |= {value / 100 for value in values}
    return values


def _adds_something(block: str, known: set[Fraction]) -> bool:
    found = numbers_in(block)
    return not found or bool(found - known) or bool(_CALCULATION.search(block))


def _units(paragraph: str) -> list[list[str]]:
    """Split a paragraph into units: a header plus each bullet line, or the whole paragraph."""
    lines = paragraph.split("\n")
    if sum(1 for line in lines if _BULLET.match(line)) < 2:
        return [lines]
    return [[line] for line in lines]


_MARK = re.compile(r"\s*\[calculator: ([^\]]*)\]")


def _apply_calculator(line: str) -> str:
    """Put the calculator's result in place of a slip it marked (``sleep/combine.py``).

    ``4 * 7 = 24 [calculator: 4 * 7 = 28]`` becomes ``4 * 7 = 28``: beside the context a
    small model should not have to choose between two results. A mark whose expression is
    not written on the line as it is stays as it is.
    """
    marks = _MARK.findall(line)
    if not marks:
        return line
    fixed = _MARK.sub("", line)
    for mark in marks:
        for fix in mark.split("; "):
            expression, _, right = fix.rpartition(" = ")
            if not expression:
                return line
            pattern = re.compile(re.escape(expression) + r"\s*=\s*\$?(-?[\d,]+(?:\.\d+)?)")
            found = pattern.search(fixed)
            if found is None:
                return line
            fixed = fixed[: found.start(1)] + right + fixed[found.end(1) :]
    return fixed


def _unanswered(paragraph: str) -> bool:
    """A "Q:" block with no "A:" line: a question the notes were cut off before answering."""
    text = paragraph.strip()
    return text.startswith("Q:") and re.search(r"(?:^|\s)A:", text) is None


def derived_notes(notes: str, context: str) -> str:
    """The notes without restatements of the context; "" when nothing is left."""
    known = _context_numbers(context)
    kept_paragraphs: list[str] = []
    for raw in re.split(r"\n\s*\n", notes.strip()):
        paragraph = "\n".join(_apply_calculator(line) for line in raw.split("\n"))
        if _unanswered(paragraph):
            continue
        kept: list[str] = []
        header: str | None = None
        units = _units(paragraph)
        for index, unit in enumerate(units):
            lines = [line for line in unit if not _UNFINISHED.search(line)]
            text = "\n".join(lines).strip()
            if not text:
                continue
            is_header = len(units) > 1 and not _BULLET.match(text) and not numbers_in(text)
            if is_header and index == 0:
                header = text
                continue
            if _adds_something(text, known):
                kept.append(text)
        if kept:
            kept_paragraphs.append("\n".join(([header] if header else []) + kept))
    return "\n\n".join(kept_paragraphs)
