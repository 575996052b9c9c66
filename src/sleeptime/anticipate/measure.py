"""Questions that ask for a measure in two shapes, read as one.

- "What does it cost?", "What is the learning budget?" and "How big is the deposit?" ask
  "how much": the noun names a sum of money. The lexicon lists the common ones
  (``MONEY_WORDS``); any other noun counts when one of its two most common WordNet senses is
  a kind of money, cost, payment, charge, gain or sum of money (``is_money_noun``), which
  is read only where "what" is followed by a be-form ("What is the X?"). A question that
  ends in a preposition asks for its object instead ("What is the deposit for?").
- "What is the default chunk size?" asks "how big", "What is the distance?" "how far":
  a measure noun after "what is" stands for its "how" question (``MEASURE_NOUNS``).
- "What size is the bedroom?" asks "how big" too: "what" right before a measure noun
  and a be-form right after it.
- "What is a draw worth in points?" asks "how many points".
- In a "how much" question, "amount", "sum" and "total" add nothing ("How much is the
  amount of the deposit?").
- "How much" right before a noun that is not money asks an amount of that noun ("How
  much electricity was used?"), another question than the price a bare "how much" asks
  ("How much did the electricity cost?"): it reads as ``AMOUNT_OF`` (``amount_wh``).
"""

from __future__ import annotations

from functools import cache, lru_cache
from itertools import pairwise

from sleeptime.anticipate import lexicon as lx
from sleeptime.anticipate import wordnet as wn
from sleeptime.anticipate.signature import UNITS
from sleeptime.anticipate.words import is_participle, lemma

MEASURE_NOUNS = {
    "size": "how big", "distance": "how far", "speed": "how fast", "weight": "how heavy",
    "age": "how old", "height": "how tall", "width": "how wide", "depth": "how deep",
}  # fmt: skip
"""A measure noun after "what is" asks its "how" question: "What is the size of X?"."""
_MEASURE_LEMMAS = {lemma(noun): wh for noun, wh in MEASURE_NOUNS.items()}
_HOW_SAME = {"how large": "how big", "how high": "how tall"}
_MONEY_LEMMAS = {lemma(word) for word in lx.MONEY_WORDS}
_MONEY_UNITS = {"dollar", "cent", "euro", "pound"}
_SIZE_OF_MONEY = {"how big", "how large", "how high", "how tall"}
_AMOUNT = {lemma(w) for w in ("amount", "sum", "total")}
_STRANDED = {"for", "on", "in", "at", "to", "of", "with", "about", "from", "by", "into"}
"""A preposition ending a "what" question: it asks for that preposition's object."""
_MONEY_ROOTS = ("money", "outgo", "monetary value", "financial gain", "liabilities",
                "sum of money")  # fmt: skip
"""WordNet senses every money noun descends from (cost, fee, wage, income, budget, tax)."""


@cache
def _money_roots() -> frozenset[int]:
    return frozenset(wn.senses(word, "n")[0] for word in _MONEY_ROOTS)


@lru_cache(maxsize=4096)
def _descends(offset: int, roots: frozenset[int], depth: int = 0) -> bool:
    if offset in roots:
        return True
    if depth > 16:
        return False
    parents = wn.synset(offset, "n").related("@") + wn.synset(offset, "n").related("@i")
    return any(_descends(parent, roots, depth + 1) for parent, _ in parents)


@lru_cache(maxsize=8192)
def is_money_noun(word: str) -> bool:
    """True when one of the two most common senses of noun ``word`` is a sum of money."""
    if not word.isalpha() or len(word) < 3:
        return False
    roots = _money_roots()
    for base in wn.base_forms(word, "n"):
        count = min(2, wn.tagged_senses(base, "n"))
        if any(_descends(offset, roots) for offset in wn.senses(base, "n")[:count]):
            return True
    return False


def _copula_what(written: list[str]) -> bool:
    """ "what" directly followed by a be-form: "What is the X?", "In 2024, what was the X?"."""
    return any(a == "what" and b in lx.BE_FORMS for a, b in pairwise(written))


def measure_wh(
    wh: list[str], words: list[str], content: list[str], *, noun_only: bool = False
) -> tuple[str, ...]:
    """The question word a measure question asks (module docstring); ``content`` loses the
    measure noun it stood for, in place. ``noun_only``: a search-box noun phrase, read as
    "What is ...?"."""
    written = [w for w in words if w]
    found = [_HOW_SAME.get(w, w) for w in wh]
    copula = noun_only or _copula_what(written)
    if found == ["what"] and len(written) > 2 and written[-2] == "in":
        last = written[-1]
        unit = UNITS.get(last, "")
        if unit not in _MONEY_UNITS and (unit or (last.endswith("s") and last[-2] != "s")):
            content[:] = [c for c in content if c not in _MEASURE_LEMMAS]  # "distance in km"
            return ("how many",)
    stranded = bool(written) and written[-1] in _STRANDED  # "What is the deposit for?"
    money = not stranded and (
        any(c in _MONEY_LEMMAS for c in content)
        or (
            (copula or any(w in _SIZE_OF_MONEY for w in wh))
            and any(is_money_noun(w) for w in written if w not in lx.BE_FORMS and w not in lx.WH)
        )
    )
    if money:
        found = ["how much" if w == "what" or w in _SIZE_OF_MONEY else w for w in found]
    elif found == ["what"] and copula:
        for k, item in enumerate(content):
            if item in _MEASURE_LEMMAS:
                del content[k]
                return (_MEASURE_LEMMAS[item],)
    elif found == ["which"]:
        asked = _measure_before_be(written)
        if asked and asked in content:
            content.remove(asked)  # "What size is the bedroom?" = "How big is the bedroom?"
            return (_MEASURE_LEMMAS[asked],)
    if "how much" in found:
        content[:] = [c for c in content if c not in _AMOUNT] or content
    if noun_only and found == ["what"] and _plural_head(written):
        return ("how many",)  # "seats in the workshop?" asks how many
    return tuple(found)


def _measure_before_be(written: list[str]) -> str:
    """The measure noun of "What size is ...?", "What height are ...?": the question opens
    with "what", the noun and a be-form, and the be-form is the copula, not a passive's
    ("At what speed is the culture spun?" asks a setting of the spinning; "What size bag
    ...?" keeps its noun)."""
    if len(written) < 4 or written[0] != "what" or written[2] not in lx.BE_FORMS:
        return ""
    if is_participle(written[-1]):
        return ""
    return lemma(written[1]) if lemma(written[1]) in _MEASURE_LEMMAS else ""


AMOUNT_OF = "how much (amount)"


def amount_wh(wh: tuple[str, ...], noun: str) -> tuple[str, ...]:
    """``wh`` with "how much" read as ``AMOUNT_OF`` when ``noun``, the word written right
    after it, is a noun that names no money and no inflected verb (module docstring); "cost",
    "pay" and "spend" then keep their meaning (``frames.implied_words`` drops them only
    after "how much")."""
    if "how much" not in wh or len(noun) < 3 or not noun.isalpha():
        return wh
    if lemma(noun) in _MONEY_LEMMAS or noun in UNITS or is_money_noun(noun):
        return wh
    if not wn.base_forms(noun, "n") or any(v != noun for v in wn.base_forms(noun, "v")):
        return wh  # not a noun, or an inflected verb: "How much remains ...?"
    return tuple(AMOUNT_OF if w == "how much" else w for w in wh)


_HEAD_ENDS = lx.FILLERS | set(lx.ROLE_PREPOSITIONS) | {"per", "each", "this", "last", "next"}


def _plural_head(written: list[str]) -> bool:
    """True when the noun phrase a search-box question opens with ends in a plural noun
    ("seats in profiling workshop?", "rice pallets in stock?")."""
    head = ""
    for word in written:
        if word in _HEAD_ENDS or not word.isalpha():
            break
        head = word
    if head in lx.IRREGULAR_PLURAL:
        return True
    if len(head) < 4 or not head.endswith("s") or head.endswith(("ss", "us", "is")):
        return False
    return any(base != head for base in wn.base_forms(head, "n"))
