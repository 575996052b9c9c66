"""The helpers template expressions may call, written for this project.

Two tables: :data:`EXPRESSION_FUNCTIONS` for ``#conditions``, ``#answer`` and the
``{...}`` of worked answers (``divides``, ``is_int``, ``int``, ``round``, ``Fraction``,
``format_frac``), and :data:`DOMAIN_FUNCTIONS` for ``#init`` lines, which describe the set a
variable is drawn from (``range``, ``np.arange``, ``numbers_within``, ``sample``, ...).
Init lines evaluate to a :class:`Draw` once per template; drawing from it is then cheap.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from sleeptime.benchmark.generate.limits import MAX_SEQUENCE, ExpressionError
from sleeptime.benchmark.generate.pools import number_words

TOLERANCE = 1e-9


def is_number(value: Any) -> bool:
    """True for int, float and Fraction (bool is not a number here)."""
    return isinstance(value, int | float | Fraction) and not isinstance(value, bool)


def is_int(value: Any) -> bool:
    """True when ``value`` is a whole number; floats within 1e-9 of one count."""
    if isinstance(value, bool) or not is_number(value):
        return False
    if isinstance(value, int):
        return True
    if isinstance(value, Fraction):
        return value.denominator == 1
    return math.isfinite(value) and abs(value - round(value)) < TOLERANCE


def divides(value: Any, divisor: Any) -> bool:
    """True when ``divisor`` goes into ``value`` a whole number of times."""
    if not (is_number(value) and is_number(divisor)) or divisor == 0:
        return False
    if isinstance(value, int | Fraction) and isinstance(divisor, int | Fraction):
        return is_int(Fraction(value) / Fraction(divisor))
    return is_int(value / divisor)


def to_int(value: Any) -> int:
    """``int`` that does not turn float noise (28.999999999) into the integer below."""
    if isinstance(value, float) and is_int(value):
        return round(value)
    if isinstance(value, str) or not is_number(value):
        raise ExpressionError(f"int() needs a number, got {value!r}")
    return int(value)


def to_round(value: Any, digits: Any = None) -> Any:
    """Python's ``round`` on numbers only."""
    if not is_number(value) or (digits is not None and not isinstance(digits, int)):
        raise ExpressionError(f"round() needs a number and whole digits, got {value!r}")
    return round(value) if digits is None else round(value, digits)


def to_fraction(value: Any, denominator: Any = 1) -> Fraction:
    """``Fraction`` that reads floats by their shortest decimal form (0.1 is 1/10)."""
    parts = []
    for part in (value, denominator):
        if isinstance(part, float):
            parts.append(Fraction(repr(part)))
        elif isinstance(part, int | Fraction) and not isinstance(part, bool):
            parts.append(Fraction(part))
        else:
            raise ExpressionError(f"Fraction() needs numbers, got {part!r}")
    if parts[1] == 0:
        raise ExpressionError("Fraction() with denominator 0")
    return parts[0] / parts[1]


def format_frac(value: Any) -> str:
    """Write a number as a mixed fraction: ``3 1/2``, ``1/2``, ``4``."""
    fraction = to_fraction(value).limit_denominator(10_000)
    sign = "-" if fraction < 0 else ""
    whole, rest = divmod(abs(fraction.numerator), fraction.denominator)
    if rest == 0:
        return f"{sign}{whole}"
    part = f"{rest}/{fraction.denominator}"
    return f"{sign}{whole} {part}" if whole else f"{sign}{part}"


EXPRESSION_FUNCTIONS: dict[str, Callable[..., Any]] = {
    "divides": divides,
    "is_int": is_int,
    "int": to_int,
    "round": to_round,
    "Fraction": to_fraction,
    "format_frac": format_frac,
}


@dataclass(frozen=True)
class Draw:
    """How one init line picks values: ``count`` items from ``items``.

    ``sequential`` draws a run of neighbours (wrapping around), as ``sample_sequential``
    does for weekdays: "Saturday, Sunday, Monday".
    """

    items: tuple[Any, ...]
    count: int = 1
    sequential: bool = False


def _items(values: Any) -> list[Any]:
    if isinstance(values, Draw):
        return list(values.items)
    if not isinstance(values, list | tuple):
        raise ExpressionError(f"expected a list of values, got {values!r}")
    return list(values)


def _range(*args: Any) -> list[int]:
    if not 1 <= len(args) <= 3 or not all(isinstance(a, int) for a in args):
        raise ExpressionError(f"range() needs 1 to 3 whole numbers, got {args!r}")
    span = range(*args)
    if len(span) > MAX_SEQUENCE:
        raise ExpressionError(f"range{args} has more than {MAX_SEQUENCE} values")
    return list(span)


def _arange(start: Any, stop: Any = None, step: Any = 1) -> list[Any]:
    """Floats ``start, start+step, ...`` below ``stop``, rounded to drop float noise."""
    if stop is None:
        start, stop = 0, start
    if not all(is_number(x) for x in (start, stop, step)) or step <= 0:
        raise ExpressionError("arange() needs numbers and a positive step")
    count = math.ceil((stop - start) / step - TOLERANCE)
    if count > MAX_SEQUENCE:
        raise ExpressionError(f"arange() would have more than {MAX_SEQUENCE} values")
    return [round(start + i * step, 10) for i in range(max(count, 0))]


def _randint_domain(low: Any, high: Any, _size: Any = None) -> list[int]:
    # Drawing one value uniformly from ``size`` uniform draws is one uniform draw, so the
    # domain is simply every integer in [low, high).
    return _range(low, high)


def _fix_floats(values: Any) -> list[Any]:
    return [round(v, 2) if isinstance(v, float) else v for v in _items(values)]


def _numbers_within(low: Any, high: Any) -> list[tuple[str, int]]:
    """Whole numbers from ``low`` to ``high`` inclusive, shown as words ("three")."""
    return [(number_words(n), n) for n in _range(low, high + 1)]


def _sample(values: Any, count: Any = None) -> Draw:
    if count is not None and (not isinstance(count, int) or count < 1):
        raise ExpressionError(f"sample() needs a positive count, got {count!r}")
    return Draw(tuple(_items(values)), 1 if count is None else count)


def _sample_sequential(values: Sequence[Any], count: Any) -> Draw:
    return Draw(_sample(values, count).items, count, sequential=True)


DOMAIN_FUNCTIONS: dict[str, Callable[..., Any]] = {
    "range": _range,
    "frange": _arange,
    "np.arange": _arange,
    "np.random.randint": _randint_domain,
    "list": _items,
    "fix_floats": _fix_floats,
    # Order never matters for a uniform draw, so shuffling is a no-op here.
    "shuffle_list": _items,
    "numbers_within": _numbers_within,
    "sample": _sample,
    "sample_sequential": _sample_sequential,
}
