"""Numbers written in a text, as exact values: the one reader the notes' checks share.

Sleep-time verification (``sleep/verify.py``: is every number of an anticipated answer
grounded?) and the ``derived`` layout (``answer/derived.py``: does a note state anything
the context does not?) ask the same question of text, so they read numbers the same way:
thousands separators only in groups of three ("1,200" is 1200, "3,4" is two numbers),
a dollar sign ignored, a minus sign kept (a caller that treats "-42,500" as the 42,500 a
context states as a shortfall takes the absolute value).
"""

from __future__ import annotations

import re
from fractions import Fraction

_NUMBER = re.compile(r"(?<![\w.])-?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?")


def numbers_in(text: str) -> set[Fraction]:
    """Every number written in digits in ``text``, as an exact value."""
    found: set[Fraction] = set()
    for token in _NUMBER.findall(text.replace("$", " ")):
        try:
            found.add(Fraction(token.replace(",", "")))
        except (ValueError, ZeroDivisionError):
            continue
    return found
