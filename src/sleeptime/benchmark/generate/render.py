"""Turn drawn values into question and answer text.

Numbers are written the way a person would: whole floats without ``.0``, float noise
rounded away (``0.2``, not ``0.19999999999999998``), fractions as ``1/3``. The final
answer after ``####`` is always a plain decimal so GSM graders can read it. Calculator
annotations ``<<...>>`` are dropped from worked answers, as upstream's generated files do:
the annotated templates do not fill them consistently.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from fractions import Fraction
from typing import Any

from sleeptime.benchmark.generate.evaluator import Evaluator, ExpressionError, run
from sleeptime.benchmark.generate.functions import is_int, is_number
from sleeptime.benchmark.generate.template import PLACEHOLDER, Template

_CALCULATOR = re.compile(r"<<[^<>]*>>")
_SPACES = re.compile(r"(?<=\S)[ \t]{2,}(?=\S)")
_SENTENCE_END = re.compile(r"(^|[.!?][\"')]?\s+|\n\s*)$")


def display(value: Any) -> str:
    """Write a value as it should appear in a question or worked answer."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool) or not is_number(value):
        raise ExpressionError(f"cannot write {value!r} into the text")
    if isinstance(value, Fraction):
        return str(value.numerator) if value.denominator == 1 else str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ExpressionError(f"cannot write {value!r} into the text")
        if is_int(value):
            return str(round(value))
        text = repr(round(value, 9))
        return "0" if text == "-0.0" else text
    return str(value)


def final_number(value: Any) -> str:
    """Write the answer after ``####``: an integer, or a decimal with at most 6 places."""
    if isinstance(value, bool) or not is_number(value):
        raise ExpressionError(f"the #answer must be a number, got {value!r}")
    if is_int(value):
        return str(round(value))
    number = float(value)
    if not math.isfinite(number):
        raise ExpressionError(f"the #answer is {number}")
    return f"{number:.6f}".rstrip("0").rstrip(".")


def capitalise_at_sentence_start(text: str, before: str) -> str:
    """Upper-case the first letter of ``text`` when ``before`` ends a sentence."""
    if text[:1].islower() and _SENTENCE_END.search(before):
        return text[0].upper() + text[1:]
    return text


def render_question(template: Template, texts: Mapping[str, str]) -> str:
    """Fill every ``{name,default}`` of the question with the drawn text for ``name``."""
    parts: list[str] = []
    position = 0
    for placeholder in template.placeholders:
        parts.append(template.body[position : placeholder.start])
        try:
            text = texts[placeholder.name]
        except KeyError:
            raise ExpressionError(
                f"the question uses {{{placeholder.name}}}, which no #init line defines"
            ) from None
        parts.append(capitalise_at_sentence_start(text, "".join(parts)))
        position = placeholder.end
    parts.append(template.body[position:])
    return "".join(parts)


def render_defaults(template: Template) -> str:
    """The question with each placeholder replaced by its own default text."""
    parts: list[str] = []
    position = 0
    for placeholder in template.placeholders:
        parts.append(template.body[position : placeholder.start])
        parts.append(placeholder.default if placeholder.default is not None else "")
        position = placeholder.end
    parts.append(template.body[position:])
    return "".join(parts)


def render_answer(template: Template, evaluator: Evaluator, env: Mapping[str, Any]) -> str:
    """Fill the worked answer's ``{expr}`` placeholders and drop calculator annotations."""
    parts: list[str] = []
    position = 0
    text = template.answer_annotated
    for match in PLACEHOLDER.finditer(text):
        parts.append(text[position : match.start()])
        source = match.group(1)
        value = run(evaluator.compile(source), env, source)
        parts.append(capitalise_at_sentence_start(display(value), "".join(parts)))
        position = match.end()
    parts.append(text[position:])
    return strip_calculator("".join(parts))


def strip_calculator(answer: str) -> str:
    """Remove ``<<...>>`` annotations and the double spaces they leave behind."""
    lines = [_SPACES.sub(" ", _CALCULATOR.sub("", line)).rstrip() for line in answer.split("\n")]
    return "\n".join(lines).strip()


def with_final(answer: str, final: str) -> str:
    """Return ``answer`` whose last ``#### ...`` is ``#### final`` (added if missing)."""
    head = answer.rsplit("####", 1)[0].rstrip() if "####" in answer else answer.rstrip()
    return f"{head}\n#### {final}"


def final_of(answer: str) -> str | None:
    """The text after the last ``####`` of an answer, commas removed, or None."""
    if "####" not in answer:
        return None
    return answer.rsplit("####", 1)[1].strip().replace(",", "")


def as_number(text: str | None) -> Fraction | None:
    """Read ``"15"``, ``"15.0"``, ``"2.5"`` or ``"1/3"`` as an exact number, else None."""
    if text is None:
        return None
    try:
        return Fraction(text.strip())
    except (ValueError, ZeroDivisionError):
        return None


def same_number(left: str | None, right: str | None) -> bool:
    """Compare two written answers as numbers (``15`` equals ``15.0``; 1e-6 tolerance)."""
    a, b = as_number(left), as_number(right)
    if a is None or b is None:
        return False
    scale: Fraction = max(Fraction(1), abs(a), abs(b))
    return bool(abs(a - b) <= scale / 10**6)
