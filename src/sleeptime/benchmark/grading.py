"""Grade a model's reply against a reference: GSM (last number) and AIME (last boxed integer).

The GSM rule is the paper's (last number, "$" and "," removed) made numeric, so "18.0",
"18", "$18" and "18 dollars" agree, "3/4" equals "0.75", and "25%" equals "25". A reply that
says "The answer is N" is graded on N. The AIME rule reads the last ``\\boxed{...}`` as an
integer, then falls back to "The answer is N", then to the last integer.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from fractions import Fraction

from sleeptime.errors import InputError


@dataclass(frozen=True)
class GradeResult:
    """Whether a reply was right, what was read from it, and how it was read."""

    correct: bool
    extracted: str | None
    reason: str


# A number: optional sign (not a hyphen between words or digits), optional "$", thousands
# groups or plain digits, optional decimals, optional "/denominator", optional "%".
_NUMBER = re.compile(
    r"(?<![\w.)\]}])(?P<sign>[-−])?\s?\$?\s?"
    r"(?P<num>(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?|\.\d+)"
    r"(?:\s?/\s?(?P<den>\d+(?:\.\d+)?))?"
    r"(?P<pct>\s?%)?"
)
_ANSWER_IS = re.compile(r"(?:final\s+)?answer\s*(?:is|:|=)\s*:?", re.IGNORECASE)
_FRAC = re.compile(r"\\[dt]?frac\{([^{}]*)\}\{([^{}]*)\}")
_BOXED = re.compile(r"\\(?:boxed|fbox)\s*\{")


def grade_gsm(reply: str, reference: str | int | float) -> GradeResult:
    """Grade a GSM-style reply: the number after "The answer is", else the last number.

    ``reference`` is the number after "####" (a full GSM answer with "####" also works).
    """
    expected = _reference_number(reference)
    text = _FRAC.sub(r"\1/\2", reply)
    extracted, how = _extract_gsm(text)
    if extracted is None:
        return GradeResult(False, None, "no number found in the reply")
    value, percent = _to_number(extracted)
    if value is None:
        return GradeResult(False, extracted, f"{how}, but it is not a number")
    if value == expected or (percent and value / 100 == expected):
        return GradeResult(True, extracted, f"{how}; equals {_show(expected)}")
    return GradeResult(False, extracted, f"{how}; expected {_show(expected)}")


def grade_aime(reply: str, reference: str | int) -> GradeResult:
    """Grade an AIME reply: the last ``\\boxed{}`` as an integer ("033" is 33), with fallbacks.

    Without a boxed answer, "The answer is N" is used, then the last integer in the reply. A
    boxed answer that is not an integer (``\\boxed{\\frac{1}{2}}``) is wrong.
    """
    try:
        expected = int(str(reference).strip())
    except ValueError as error:
        raise InputError(f"An AIME reference must be an integer, got {reference!r}.") from error
    boxed = last_boxed(reply)
    if boxed is not None:
        value = _as_integer(boxed)
        if value is None:
            return GradeResult(False, boxed, "last \\boxed{} is not an integer")
        how = "last \\boxed{}"
    else:
        candidate, how = _aime_fallback(reply)
        if candidate is None:
            return GradeResult(False, None, "no \\boxed{} and no integer in the reply")
        boxed, value = candidate, int(candidate)
    if value == expected:
        return GradeResult(True, boxed, f"{how}; equals {expected}")
    return GradeResult(False, boxed, f"{how}; expected {expected}")


def last_boxed(text: str) -> str | None:
    """Return the content of the last ``\\boxed{...}``, with nested braces kept, or None."""
    found: str | None = None
    for match in _BOXED.finditer(text):
        depth, start = 1, match.end()
        for position in range(start, len(text)):
            if text[position] == "{":
                depth += 1
            elif text[position] == "}":
                depth -= 1
                if depth == 0:
                    found = text[start:position].strip()
                    break
    return found


def _extract_gsm(text: str) -> tuple[str | None, str]:
    phrases = list(_ANSWER_IS.finditer(text))
    if phrases:
        after = text[phrases[-1].end() :]
        sentence = re.split(r"\n|(?<=[^\d\s$])\.(?:\s|$)", after, maxsplit=1)[0]
        match = _NUMBER.search(sentence)
        if match:
            return match.group().strip(), 'number after "The answer is"'
    boxed = last_boxed(text)
    if boxed is not None:
        match = _last(_NUMBER.finditer(boxed))
        if match:
            return match.group().strip(), "number in the last \\boxed{}"
    match = _last(_NUMBER.finditer(text))
    return (match.group().strip(), "last number in the reply") if match else (None, "")


def _to_number(token: str) -> tuple[Fraction | None, bool]:
    match = _NUMBER.fullmatch(token) or _NUMBER.search(token)
    if match is None:
        return None, False
    try:
        value = Fraction(Decimal(match.group("num").replace(",", "")))
        if match.group("den"):
            denominator = Fraction(Decimal(match.group("den")))
            if denominator == 0:
                return None, False
            value /= denominator
    except (InvalidOperation, ValueError):
        return None, False
    if match.group("sign"):
        value = -value
    return value, bool(match.group("pct"))


def _reference_number(reference: str | int | float) -> Fraction:
    text = str(reference)
    if "####" in text:
        text = text.rsplit("####", 1)[1]
    value, _ = _to_number(text.strip())
    if value is None:
        raise InputError(f"A GSM reference must be a number, got {reference!r}.")
    return value


def _as_integer(content: str) -> int | None:
    text = content.replace("$", "").replace("\\,", "").replace("\\!", "").replace(" ", "")
    text = re.sub(r"\\(?:text|mathrm|textbf)\{([^{}]*)\}", r"\1", text)
    if "=" in text:
        text = text.rsplit("=", 1)[1]
    text = text.rstrip(".")
    while text.startswith("{") and text.endswith("}"):
        text = text[1:-1]
    match = re.fullmatch(r"[-−]?\d+(?:\.0+)?", text)
    if match is None:
        return None
    return int(Decimal(text.replace("−", "-")))


def _aime_fallback(reply: str) -> tuple[str | None, str]:
    phrases = list(_ANSWER_IS.finditer(reply))
    if phrases:
        match = re.match(r"\s*\$?\s*\*{0,2}\s*(\d+)(?![\d.]*\d)", reply[phrases[-1].end() :])
        if match:
            return match.group(1), 'integer after "The answer is"'
    integers = re.findall(r"(?<![\d.])\d+(?!\.\d|\d)", reply)
    return (integers[-1], "last integer in the reply") if integers else (None, "")


def _last(matches: Iterator[re.Match[str]]) -> re.Match[str] | None:
    found: re.Match[str] | None = None
    for match in matches:
        found = match
    return found


def _show(value: Fraction) -> str:
    return str(value.numerator) if value.denominator == 1 else str(float(value))


def notes_coverage(notes: str, reference: str | int | float) -> dict[str, bool]:
    """Whether sleep notes already hold the reference answer (GSM-style numbers).

    ``anywhere``: some number in the notes equals it; ``in_answer``: the final number of
    some anticipated answer (an ``A:`` line) equals it. Together they separate "the notes
    never computed it" from "the reader did not use what the notes computed".
    """
    from sleeptime.anticipate.extract import parse_qa_pairs

    expected = _reference_number(reference)

    def holds(text: str) -> bool:
        for match in _NUMBER.finditer(_FRAC.sub(r"\1/\2", text)):
            value, percent = _to_number(match.group().strip())
            if value is not None and (value == expected or (percent and value / 100 == expected)):
                return True
        return False

    def final_holds(text: str) -> bool:
        # "(reached by 2 of 3 workings)" (vote:K, solve:K) says how sure, not what.
        text = re.sub(r"\((?:reached by|unconfirmed)[^)]*\)", "", text)
        match = _last(_NUMBER.finditer(text))
        return match is not None and holds(match.group())

    in_answer = any(final_holds(str(pair["answer"])) for pair in parse_qa_pairs(notes))
    return {"anywhere": holds(notes), "in_answer": in_answer}
