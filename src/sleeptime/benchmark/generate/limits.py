"""Size limits for template arithmetic: refuse what would be huge before computing it.

Grade-school numbers are small, so anything past these limits is a hostile or broken
template, not a real problem: ``10**10**10`` and ``'a' * 10**9`` are refused up front.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

from sleeptime.errors import InputError

MAX_EXPONENT = 64
MAX_INT_BITS = 4096
MAX_SEQUENCE = 100_000


class UnsafeExpressionError(InputError):
    """An expression uses syntax outside the whitelist, or would grow too large."""


class ExpressionError(InputError):
    """An allowed expression failed while running (unknown name, bad type, division by 0)."""


def bounded(value: Any) -> Any:
    """Refuse results too large to be part of a grade-school problem."""
    if isinstance(value, int) and value.bit_length() > MAX_INT_BITS:
        raise UnsafeExpressionError(f"an integer result exceeds {MAX_INT_BITS} bits")
    if isinstance(value, Fraction) and (
        value.numerator.bit_length() > MAX_INT_BITS or value.denominator.bit_length() > MAX_INT_BITS
    ):
        raise UnsafeExpressionError(f"a fraction result exceeds {MAX_INT_BITS} bits")
    if isinstance(value, str | list | tuple) and len(value) > MAX_SEQUENCE:
        raise UnsafeExpressionError(f"a sequence result exceeds {MAX_SEQUENCE} items")
    return value


def power(base: Any, exponent: Any) -> Any:
    if not isinstance(exponent, int | float | Fraction) or isinstance(exponent, bool):
        raise ExpressionError("the exponent of ** must be a number")
    size = abs(float(exponent))
    if size > MAX_EXPONENT:
        raise UnsafeExpressionError(f"exponent {exponent} is larger than {MAX_EXPONENT}")
    if isinstance(base, int | Fraction) and not isinstance(base, bool):
        exact = Fraction(base)
        bits = max(exact.numerator.bit_length(), exact.denominator.bit_length())
        if bits * size > MAX_INT_BITS:
            raise UnsafeExpressionError(f"a power result would exceed {MAX_INT_BITS} bits")
    return bounded(base**exponent)


def times(left: Any, right: Any) -> Any:
    # Check sequence repetition before it allocates: "a" * 10**9 must not run.
    for seq, count in ((left, right), (right, left)):
        repeated = isinstance(seq, str | list | tuple) and isinstance(count, int)
        if repeated and len(seq) * max(count, 0) > MAX_SEQUENCE:
            raise UnsafeExpressionError(f"a repeated sequence would exceed {MAX_SEQUENCE}")
    return bounded(left * right)


def modulo(left: Any, right: Any) -> Any:
    """``%`` on numbers only: on a string it would be printf formatting ('%999999999d')."""
    if isinstance(left, str | bytes) or isinstance(right, str | bytes):
        raise UnsafeExpressionError("% is only allowed between numbers")
    return bounded(left % right)
