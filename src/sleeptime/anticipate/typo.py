"""Typing slips: when a token is a one-edit slip of a word, and repairing slips of the few
words that fill a slot.

``bridge.py`` pairs a content word only one question has with its partner in the other
(``is_typo_of``). Slips of slot words cannot be paired that way: "montly", "anual", "waht"
or "durign" never reach the content, and the slot they should fill (a unit, a question
word) then differs. The reader's closed vocabulary is small, so ``repair_slot_word`` reads
such a token as the slot word it is one edit from, when it is no English word and exactly
one slot word fits.
"""

from __future__ import annotations

from collections.abc import Iterable

from sleeptime.anticipate import lexicon as lx
from sleeptime.anticipate import wordnet as wn

TYPO_MIN_LENGTH = 5
SHORT_TYPO_LENGTH = 4
"""A slip of four letters is a typo only when it keeps the word's first letter ("paly" for
"play", "shwo" for "show"): people rarely mistype the first letter, and a short non-word
that starts differently is more often another word or an abbreviation."""

_KNOWN_FORMS = set(lx.IRREGULAR_PAST) | set(lx.IRREGULAR_PARTICIPLE) | set(lx.IRREGULAR_PLURAL)


def one_edit_apart(x: str, y: str) -> bool:
    """True when ``y`` is ``x`` with one letter inserted, dropped, changed, or two
    neighbouring letters swapped."""
    if x == y or abs(len(x) - len(y)) > 1:
        return False
    if len(x) == len(y):
        diff = [k for k in range(len(x)) if x[k] != y[k]]
        if len(diff) == 1:
            return True
        return (
            len(diff) == 2
            and diff[1] == diff[0] + 1
            and x[diff[0]] == y[diff[1]]
            and x[diff[1]] == y[diff[0]]
        )
    short, long = (x, y) if len(x) < len(y) else (y, x)
    k = 0
    while k < len(short) and short[k] == long[k]:
        k += 1
    return short[k:] == long[k + 1 :]


def is_known(word: str) -> bool:
    """True for an English word (WordNet, with regular inflections) or a form the lexicon
    lists."""
    return word in _KNOWN_FORMS or wn.is_word(word)


def is_typo_of(x: str, y: str) -> bool:
    """True when one of the two is no word and a one-edit slip of the other."""
    if not one_edit_apart(x, y):
        return False
    x_known, y_known = is_known(x), is_known(y)
    if x_known == y_known:
        return False
    slip, word = (y, x) if x_known else (x, y)
    if not slip.isalpha() or len(slip) < SHORT_TYPO_LENGTH:
        return False
    return len(slip) >= TYPO_MIN_LENGTH or slip[0] == word[0]


def repair_slot_word(word: str, vocabulary: Iterable[str]) -> str:
    """The slot word ``word`` is a slip of ("montly" -> "monthly", "waht" -> "what"), or
    ``word`` itself. Only a token that is no English word, of at least ``TYPO_MIN_LENGTH``
    letters (or four with two neighbours swapped: "ofer" may be "offer", not "over"; "anya"
    a name, not "any"), one edit from exactly one word of ``vocabulary``, which is kept as
    it is ("would" is no WordNet word, yet no slip of "could")."""
    if len(word) < SHORT_TYPO_LENGTH or not word.isalpha() or word in vocabulary:
        return word
    if is_known(word):
        return word
    found = [
        v
        for v in vocabulary
        if one_edit_apart(word, v) and (len(word) >= TYPO_MIN_LENGTH or _swapped(word, v))
    ]
    return found[0] if len(found) == 1 else word


def _swapped(x: str, y: str) -> bool:
    """True when ``y`` is ``x`` with two neighbouring letters swapped ("waht", "what")."""
    if len(x) != len(y):
        return False
    diff = [k for k in range(len(x)) if x[k] != y[k]]
    return len(diff) == 2 and diff[1] == diff[0] + 1
