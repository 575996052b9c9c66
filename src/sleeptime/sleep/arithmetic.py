"""Check every written calculation in notes (``3 * 12 = 36``) with exact arithmetic.

Small models state a calculation correctly and then write the wrong result ("12 * 7 = 74");
a later reader trusts the notes and repeats the slip. Sleep time is the cheap side of the
bargain, so every ``expression = value`` claim in the notes is recomputed here, without a
model, and a wrong one goes back to the model as feedback. Only plain arithmetic is
checked (numbers, + - * / x ÷, parentheses, percentages, currency and unit words); a line
that cannot be read as arithmetic is left alone rather than guessed at, so a reported slip
is always a real one.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from fractions import Fraction

_MAX_EXPRESSION_CHARS = 200
_MAX_MAGNITUDE = Fraction(10) ** 15
_NUMBER = r"(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?|\.\d+"
_RESULT = re.compile(rf"^\s*[-−]?\s*\$?\s*({_NUMBER})\s*(%?)")
_UNIT_AFTER_SLASH = re.compile(r"/\s*(?=[A-Za-z])[A-Za-z]+")
_WORD = re.compile(r"[A-Za-z][A-Za-z'’-]*")
_TIMES_WORD = re.compile(r"(?<=[\d)\s])[x×](?=[\s\d($])")
_PERCENT = re.compile(rf"({_NUMBER})\s*%")
_ALLOWED = re.compile(r"^[\d\s.+\-*/()]+$")
_OPERATOR = re.compile(r"\d\s*[-+*/]\s*[\d(]|\)\s*[-+*/]|[-+*/]\s*\(")
_SEGMENT_START = re.compile(r"[:;=?!]|,\s(?=[A-Za-z])|\.\s")


@dataclass(frozen=True, slots=True)
class Slip:
    """A calculation in the notes whose written result is wrong."""

    line: str
    expression: str
    written: str
    correct: str

    def describe(self) -> str:
        """One phrase for the model's feedback: what was written and the right result."""
        return f"'{self.expression} = {self.written}' is wrong: {self.expression} = {self.correct}"


@dataclass(frozen=True, slots=True)
class ArithmeticCheck:
    """How many calculations the notes state, and which of them are wrong."""

    checked: int
    slips: tuple[Slip, ...]
    results: frozenset[Fraction] = frozenset()
    """Written results of calculations that checked out (to trace where numbers came from)."""

    @property
    def ok(self) -> bool:
        """True when every calculation that could be read is right."""
        return not self.slips

    def feedback(self, limit: int = 5) -> str | None:
        """Feedback text for the next rethink round, or None when nothing is wrong."""
        if not self.slips:
            return None
        listed = "; ".join(slip.describe() for slip in self.slips[:limit])
        more = len(self.slips) - limit
        tail = f" (and {more} more)" if more > 0 else ""
        return (
            f"a calculator found wrong results in your notes: {listed}{tail}. Rewrite the "
            "notes with these results fixed and every later number and answer that used "
            "them recomputed"
        )


def check_notes(text: str) -> ArithmeticCheck:
    """Recompute every readable ``expression = value`` claim in ``text``."""
    checked = 0
    slips: list[Slip] = []
    results: set[Fraction] = set()
    for line in text.splitlines():
        for expression, written, value in _claims(line):
            correct = _evaluate(expression)
            if correct is None:
                continue
            checked += 1
            if _matches(correct, written, value):
                results.add(value)
                results.add(value / 100 if written.endswith("%") else value)
            else:
                slips.append(
                    Slip(
                        line=line.strip(),
                        expression=expression,
                        written=written,
                        correct=_shown(correct, written, value),
                    )
                )
    return ArithmeticCheck(checked=checked, slips=tuple(slips), results=frozenset(results))


def evaluate_expression(text: str) -> Fraction | None:
    """Exact value of one written calculation ("3 x $12 + 20%"), or None when it is not
    plain arithmetic with at least one operator (the same reading as the notes check)."""
    expression = _expression(text.replace("−", "-").replace("÷", "/"))
    return None if expression is None else _evaluate(expression)


def _claims(line: str) -> list[tuple[str, str, Fraction]]:
    """(normalised expression, written result, its value) for each '=' that has both sides."""
    line = line.replace("<<", " ").replace(">>", " ").replace("−", "-").replace("÷", "/")
    out: list[tuple[str, str, Fraction]] = []
    parts = line.split("=")
    for index in range(len(parts) - 1):
        left, right = parts[index], parts[index + 1]
        result = _RESULT.match(right)
        if result is None:
            continue
        value = _to_fraction(result.group(1))
        if value is None:
            continue
        expression = _expression(left)
        if expression is not None:
            written = result.group(0).strip()
            out.append((expression, written, value))
    return out


def _expression(left: str) -> str | None:
    """The arithmetic just before an '=', normalised, or None if it is not plain arithmetic."""
    starts = list(_SEGMENT_START.finditer(left))
    segment = left[starts[-1].end() :] if starts else left
    segment = segment.strip()
    if not segment or len(segment) > _MAX_EXPRESSION_CHARS:
        return None
    segment = _UNIT_AFTER_SLASH.sub(" ", segment)
    segment = _TIMES_WORD.sub("*", segment)
    segment = segment.replace("$", " ").replace("€", " ").replace("£", " ")
    segment = _WORD.sub(" ", segment)
    segment = _PERCENT.sub(r"(\1/100)", segment)
    segment = re.sub(r"(?<=\d),(?=\d{3}\b)", "", segment).replace(",", " ")
    segment = " ".join(segment.split())
    # Words between numbers ("3 boxes 12 eggs") would leave two numbers side by side.
    if not segment or not _ALLOWED.match(segment) or re.search(r"[\d.]\s+[\d.(]", segment):
        return None
    if not _OPERATOR.search(segment):
        return None
    return segment


def _evaluate(expression: str) -> Fraction | None:
    """Exact value of a normalised expression, or None if it cannot be computed safely."""
    try:
        tree = ast.parse(expression, mode="eval")
    except SyntaxError:
        return None
    try:
        value = _node_value(tree.body)
    except (ZeroDivisionError, OverflowError, ValueError):
        return None
    if value is None or abs(value) > _MAX_MAGNITUDE:
        return None
    return value


def _node_value(node: ast.expr) -> Fraction | None:
    if isinstance(node, ast.Constant) and type(node.value) in (int, float):
        return Fraction(str(node.value))
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
        inner = _node_value(node.operand)
        if inner is None:
            return None
        return -inner if isinstance(node.op, ast.USub) else inner
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add | ast.Sub | ast.Mult | ast.Div):
        left, right = _node_value(node.left), _node_value(node.right)
        if left is None or right is None:
            return None
        if abs(left) > _MAX_MAGNITUDE or abs(right) > _MAX_MAGNITUDE:
            raise OverflowError("operand too large")
        if isinstance(node.op, ast.Add):
            return left + right
        if isinstance(node.op, ast.Sub):
            return left - right
        if isinstance(node.op, ast.Mult):
            return left * right
        return left / right
    return None


def _to_fraction(text: str) -> Fraction | None:
    try:
        return Fraction(text.replace(",", ""))
    except (ValueError, ZeroDivisionError):
        return None


def _matches(correct: Fraction, written: str, value: Fraction) -> bool:
    """True when the written result equals the exact one, allowing the rounding it shows."""
    digits = written.replace(",", "").replace("$", "").rstrip("%").strip().lstrip("-−").strip()
    decimals = len(digits.split(".", 1)[1]) if "." in digits else 0
    # A written result may round the exact one to the decimals it shows (33.33 for 100/3);
    # less than half a unit in the last shown place is allowed.
    tolerance = Fraction(1, 2 * 10**decimals)
    # "50 / 200 = 25%" and "50 / 200 * 100 = 25%" both say the same thing.
    candidates = [(value, tolerance)]
    if written.endswith("%"):
        candidates.append((value / 100, tolerance / 100))
    # The written sign is dropped when reading the result, so "3 - 5 = -2" compares by size.
    return any(abs(abs(correct) - c) < tol for c, tol in candidates)


def _shown(correct: Fraction, written: str, value: Fraction) -> str:
    """The right result in the form the notes used: "25%" for 0.25 or for 25 written as %."""
    if not written.endswith("%"):
        return _format(correct)
    # "x / y * 100 = 75%" already computed a percentage; "x / y = 75%" computed a fraction.
    if abs(correct - value) <= abs(correct - value / 100):
        return f"{_format(correct)}%"
    return f"{_format(correct * 100)}%"


def _format(value: Fraction) -> str:
    if value.denominator == 1:
        return str(value.numerator)
    return f"{float(value):.4f}".rstrip("0").rstrip(".")
