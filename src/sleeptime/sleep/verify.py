"""Verify anticipated answers at sleep time, so only checked ones are served without a model.

An anticipated answer is served with no model call when a later question matches it, so
a wrong one costs accuracy directly. It is marked verified only when nothing in it is
known to be wrong and every number it states can be traced: each number appears in the
context, or is the result of a calculation (in the answer or elsewhere in the notes) that
the calculator checked. Answers that other sleep loops disagreed with (``vote:K``) or
that hold a calculator-marked slip are never verified. Answers without numbers (names,
dates, places) are verified when their names appear in the context. This is a check of
grounding, not of reasoning: it cannot see a wrong setup built from right numbers, which
is why ``ask`` can add a model's yes/no check on top.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from fractions import Fraction
from typing import Any

from sleeptime.numbers import numbers_in
from sleeptime.sleep.arithmetic import check_notes

VERIFIER_VERSION = "verify@v1"
_NAME = re.compile(r"\b[A-Z][a-z]+(?:\s+[A-Z][a-z]+)*\b")
_UNCONFIRMED = "(unconfirmed"
_CALCULATOR_MARK = "[calculator:"


def _absolute(text: str) -> set[Fraction]:
    """The text's numbers without their signs: "-42,500" is grounded by a stated 42,500."""
    return {abs(value) for value in numbers_in(text)}


def verify_answer(answer: str, context: str, known_results: Iterable[Fraction]) -> tuple[bool, str]:
    """(verified, why) for one anticipated answer."""
    if _UNCONFIRMED in answer:
        return False, "other sleep loops reached a different answer"
    if _CALCULATOR_MARK in answer:
        return False, "it holds a calculation the calculator marked wrong"
    check = check_notes(answer)
    if not check.ok:
        return False, f"calculator: {check.slips[0].describe()}"
    numbers = _absolute(re.sub(r"\(reached by \d+ of \d+ workings\)", "", answer))
    grounded = _absolute(context) | set(known_results) | set(check.results)
    missing = sorted(n for n in numbers if n not in grounded)
    if missing:
        shown = ", ".join(str(float(n)).removesuffix(".0") for n in missing[:3])
        return False, f"{shown} is neither in the context nor a checked calculation's result"
    if numbers:
        return True, "every number is in the context or a checked calculation's result"
    names = set(_NAME.findall(answer)) - {"A", "The", "It", "Yes", "No"}
    absent = sorted(n for n in names if n not in context)
    if absent:
        return False, f"{absent[0]!r} does not appear in the context"
    if not names:
        return False, "nothing in it can be traced to the context"
    return True, "the names it gives appear in the context"


def verify_anticipated(
    items: Iterable[Mapping[str, Any]], context: str, notes: str
) -> list[dict[str, Any]]:
    """The items with ``verified`` and ``verification`` set (new dicts; inputs untouched)."""
    known = check_notes(notes).results
    out: list[dict[str, Any]] = []
    for item in items:
        verified, why = verify_answer(str(item.get("answer", "")), context, known)
        out.append({**item, "verified": verified, "verification": why})
    return out
