"""Check a generated question's worked calculation without a model.

The re-solve check (a second call of the same model agreeing) is only as good as that
model: with a 1.5B model that answers a third of GSM-Symbolic correctly, it throws away
most right pairs and keeps pairs where both calls slipped the same way, so no context ever
reaches the ten questions the amortization experiment needs. A pair written with its whole
calculation as one expression can instead be checked exactly, for free:

- the expression is plain arithmetic with at least one operator (a question whose answer
  is a number the context states is not the kind of question the experiment is about);
- its exact value equals the stated answer (to the decimals the answer shows), and is a
  whole number or a cents value, as GSM answers are;
- every number in it is grounded: it occurs in the context or the question (as digits or
  as a word: "twelve", "a dozen", "twice", "half"), or it is a unit constant the text
  calls for (7 when the text says "week", 60 for "hour", 100 for a percentage, ...);
- the answer is not handed over by the question itself.

What this cannot check is that the expression answers the question asked; the provenance
says which check kept a pair, and ``both`` also asks for the re-solve's agreement.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from fractions import Fraction

from sleeptime.sleep.arithmetic import evaluate_expression

_NUMBER = re.compile(r"(?<![\d.])(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?|(?<![\d.])\.\d+")
_WORD = re.compile(r"[a-z]+")
_ALWAYS = frozenset({Fraction(1), Fraction(2), Fraction(100)})
_WORD_NUMBERS: dict[str, tuple[int | Fraction, ...]] = {
    "zero": (0,), "one": (1,), "two": (2,), "three": (3,), "four": (4,), "five": (5,),
    "six": (6,), "seven": (7,), "eight": (8,), "nine": (9,), "ten": (10,), "eleven": (11,),
    "twelve": (12,), "thirteen": (13,), "fourteen": (14,), "fifteen": (15,),
    "sixteen": (16,), "seventeen": (17,), "eighteen": (18,), "nineteen": (19,),
    "twenty": (20,), "thirty": (30,), "forty": (40,), "fifty": (50,), "sixty": (60,),
    "seventy": (70,), "eighty": (80,), "ninety": (90,), "hundred": (100,),
    "thousand": (1000,), "million": (1000000,), "dozen": (12,), "dozens": (12,),
    "half": (2, Fraction(1, 2)), "halves": (2, Fraction(1, 2)), "twice": (2,),
    "double": (2,), "doubles": (2,), "triple": (3,), "triples": (3,), "thrice": (3,),
    "third": (3, Fraction(1, 3)), "thirds": (3, Fraction(1, 3)),
    "quarter": (4, Fraction(1, 4)), "quarters": (4, Fraction(1, 4)),
    "quadruple": (4,), "score": (20,),
}  # fmt: skip
_UNIT_CONSTANTS: dict[str, tuple[int, ...]] = {
    "week": (7, 52), "weeks": (7, 52), "weekly": (7, 52),
    "day": (7, 24, 30, 365), "days": (7, 24, 30, 365), "daily": (7, 30, 365),
    "hour": (24, 60), "hours": (24, 60), "hourly": (24, 60),
    "minute": (60,), "minutes": (60,), "second": (60,), "seconds": (60,),
    "month": (4, 12, 30), "months": (4, 12, 30), "monthly": (4, 12, 30),
    "year": (12, 52, 365), "years": (12, 52, 365), "yearly": (12, 52, 365),
    "annual": (12, 52, 365), "annually": (12, 52, 365),
    "foot": (3, 12), "feet": (3, 12), "inch": (12,), "inches": (12,), "yard": (3,),
    "yards": (3,), "pound": (16,), "pounds": (16,), "ounce": (16,), "ounces": (16,),
    "gallon": (4,), "gallons": (4,), "quart": (2, 4), "quarts": (2, 4),
    "kilogram": (1000,), "kilograms": (1000,), "kg": (1000,), "gram": (1000,),
    "grams": (1000,), "liter": (1000,), "liters": (1000,), "litre": (1000,),
    "litres": (1000,), "milliliters": (1000,), "ml": (1000,), "meter": (100, 1000),
    "meters": (100, 1000), "metre": (100, 1000), "metres": (100, 1000),
    "kilometer": (1000,), "kilometers": (1000,), "km": (1000,), "centimeters": (100,),
    "cm": (100,), "cents": (100,), "cent": (100,), "percent": (100,), "decade": (10,),
    "decades": (10,), "century": (100,),
}  # fmt: skip
_MAX_CALC_CHARS = 300


@dataclass(frozen=True, slots=True)
class CalcVerdict:
    """Whether a generated pair's calculation holds, and if not, why."""

    ok: bool
    reason: str
    value: Fraction | None = None


def _numbers(text: str) -> list[Fraction]:
    return [Fraction(m.group().replace(",", "")) for m in _NUMBER.finditer(text)]


def grounded_numbers(context: str, question: str) -> frozenset[Fraction]:
    """Every number a calculation about this context and question may use."""
    text = f"{context}\n{question}"
    found: set[Fraction] = set(_ALWAYS)
    found.update(_numbers(text))
    words = set(_WORD.findall(text.lower()))
    for word in words:
        found.update(Fraction(v) for v in _WORD_NUMBERS.get(word, ()))
        found.update(Fraction(v) for v in _UNIT_CONSTANTS.get(word, ()))
    if "%" in text:
        found.add(Fraction(100))
    return frozenset(found)


def _as_answer(answer: str) -> tuple[Fraction, int] | None:
    """The stated answer's value and how many decimals it shows."""
    cleaned = answer.replace("$", "").replace(",", "").replace("−", "-").strip().rstrip("%")
    try:
        value = Fraction(cleaned)
    except (ValueError, ZeroDivisionError):
        return None
    decimals = len(cleaned.split(".", 1)[1]) if "." in cleaned else 0
    return value, decimals


def check_calculation(calc: str | None, answer: str, *, context: str, question: str) -> CalcVerdict:
    """Check one pair's calculation against its answer and its context (see module doc)."""
    if not calc or not calc.strip():
        return CalcVerdict(False, "no calculation was written")
    if len(calc) > _MAX_CALC_CHARS:
        return CalcVerdict(False, "the calculation is too long to be one expression")
    value = evaluate_expression(calc)
    if value is None:
        return CalcVerdict(False, "the calculation is not plain arithmetic with an operator")
    stated = _as_answer(answer)
    if stated is None:
        return CalcVerdict(False, "the answer is not a number", value)
    number, decimals = stated
    if abs(value - number) >= Fraction(1, 2 * 10**decimals):
        return CalcVerdict(
            False, f"the calculation gives {float(value):g}, not the stated {answer}", value
        )
    if value < 0 or (value * 100).denominator != 1:
        return CalcVerdict(False, f"{float(value):g} is not a whole or cents value", value)
    allowed = grounded_numbers(context, question)
    for used in _numbers(calc.replace("−", "-")):
        if used not in allowed:
            return CalcVerdict(
                False, f"{float(used):g} is in neither the context nor the question", value
            )
    if value in set(_numbers(question)):
        return CalcVerdict(False, "the question states its own answer", value)
    return CalcVerdict(True, "ok", value)


__all__ = ["CalcVerdict", "check_calculation", "grounded_numbers"]
