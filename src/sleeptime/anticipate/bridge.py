"""Word pairs two questions may differ by and still ask the same thing: typos and synonyms.

``match.compare_questions`` demands the same content words. When they differ, this module
looks for a one-to-one pairing of the words only the asked question has with the words only
the stored one has, each pair either

- **a typo**: one word is no English word (``wordnet.is_word``, nor a form the lexicon
  knows), has at least five letters (or four, keeping the first letter: ``typo.py``),
  and is one edit (a letter inserted,
  dropped, changed, or two neighbours swapped) away from the other: "shool" for "school",
  "tablts" for "tablets". A real word is never "corrected" ("costs" is not "coats"); or
- **a derived form**: one is the other with a suffix and WordNet links them ("the
  deployment time" for "the deploy time"); or
- **a synonym**: the two words share a WordNet sense of one part of speech among the
  senses common enough to have been seen in its tagged corpus ("seats" and "places",
  "moderate" and "chair").

The asked question is then read with each word replaced by its partner, and the whole
structural check runs again: numbers, units, negations, tense, roles, names and word order
must still agree, so a synonym can only stand in for the one word it pairs with.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import replace

from sleeptime.anticipate import lexicon as lx
from sleeptime.anticipate import wordnet as wn
from sleeptime.anticipate.canonical import Canonical
from sleeptime.anticipate.typo import is_typo_of
from sleeptime.anticipate.typo import one_edit_apart as one_edit_apart  # re-exported

MAX_PAIRS = 2
"""At most this many words may be bridged in one question, and at most one of them a
synonym or derived form."""
DOMINANT_SENSES = 3
"""A shared sense must rank this high for one of the two words (fresh3's one synonym false
hit, "returned" for "delivered", shared only rare senses)."""
MAX_SYNSET_WORDS = 6
"""A sense shared by more words is too vague to stand for one meaning ("batch" and "heap"
share {batch, lot, heap, pile, raft, slew, ...}: a large amount)."""


def _common_senses(word: str, pos: str) -> dict[int, int]:
    """The senses of ``word`` seen in WordNet's tagged corpus that are narrow enough to
    stand for one meaning (at most ``MAX_SYNSET_WORDS`` words), with their rank (1 = the
    most frequent)."""
    found: dict[int, int] = {}
    for base in wn.base_forms(word, pos):
        if pos == "v" and base in lx.LIGHT_VERBS:
            return {}
        for rank, offset in enumerate(wn.senses(base, pos)[: wn.tagged_senses(base, pos)], 1):
            if len(wn.synset(offset, pos).words) <= MAX_SYNSET_WORDS:
                found[offset] = min(rank, found.get(offset, rank))
    return found


def are_synonyms(x: str, y: str) -> bool:
    """True when ``x`` and ``y`` share a common, narrow WordNet sense of one part of speech
    that is one of the ``DOMINANT_SENSES`` most frequent senses of at least one of them
    ("seat" and "place" share the first sense of "seat"; "return" and "deliver" share only
    their 11th and 6th). Light verbs such as "get", "run" or "take" are never synonyms:
    some sense of theirs overlaps almost any verb."""
    if x == y:
        return True
    for pos in wn.POS:
        left, right = _common_senses(x, pos), _common_senses(y, pos)
        if any(min(left[o], right[o]) <= DOMINANT_SENSES for o in left.keys() & right.keys()):
            return True
    return False


def _derived_senses(word: str) -> set[tuple[int, str]]:
    found: set[tuple[int, str]] = set()
    for pos in wn.POS:
        for base in wn.base_forms(word, pos):
            for offset in wn.senses(base, pos)[: wn.tagged_senses(base, pos)]:
                found.update(wn.synset(offset, pos).related("+"))
    return found


def _own_senses(word: str) -> set[tuple[int, str]]:
    return {
        (offset, pos)
        for pos in wn.POS
        for base in wn.base_forms(word, pos)
        for offset in wn.senses(base, pos)[: wn.tagged_senses(base, pos)]
    }


def are_derived(x: str, y: str) -> bool:
    """True when one word is the other with a suffix ("deployment", "deploy") and WordNet
    links the two as derived forms in common senses: a noun used for its verb."""
    short, long = (x, y) if len(x) < len(y) else (y, x)
    stem = wn.base_forms(short, "v") or wn.base_forms(short, "n") or (short,)
    if len(long) - len(stem[0]) < 2 or not long.startswith(stem[0].rstrip("e")):
        return False
    return bool(_derived_senses(long) & _own_senses(short))


def _forms(c: Canonical) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for item, word in c.forms:
        found.setdefault(item, set()).add(word)
    return found


def _plain(item: str, c: Canonical) -> bool:
    return bool(item) and item[0] not in "#@<" and item not in c.names


def related(x_words: set[str], y_words: set[str]) -> str | None:
    """ "typo", "synonym" or "derivation" when some spelling of one word relates to some
    spelling of the other; None otherwise."""
    for x in x_words:
        for y in y_words:
            if is_typo_of(x, y):
                return "typo"
    for x in x_words:
        for y in y_words:
            if x.isalpha() and y.isalpha() and are_synonyms(x, y):
                return "synonym"
    for x in x_words:
        for y in y_words:
            if x.isalpha() and y.isalpha() and are_derived(x, y):
                return "derivation"
    return None


def pair_words(asked: Canonical, stored: Canonical) -> dict[str, tuple[str, str]]:
    """The one-to-one pairing of words only ``asked`` has with words only ``stored`` has:
    {asked item: (stored item, "typo" | "synonym")}; empty when there is none or it is
    ambiguous."""
    extra = [w for w in Counter(asked.content) - Counter(stored.content) if _plain(w, asked)]
    missing = [w for w in Counter(stored.content) - Counter(asked.content) if _plain(w, stored)]
    if not extra or not missing:
        return {}
    a_forms, s_forms = _forms(asked), _forms(stored)
    links: dict[str, list[tuple[str, str]]] = {}
    for x in extra:
        for y in missing:
            kind = related(a_forms.get(x, set()), s_forms.get(y, set()))
            if kind is not None:
                links.setdefault(x, []).append((y, kind))
    partners = Counter(y for found in links.values() for y, _ in found)
    pairs = {
        x: found[0] for x, found in links.items() if len(found) == 1 and partners[found[0][0]] == 1
    }
    synonyms = sum(1 for _, kind in pairs.values() if kind != "typo")
    return pairs if 0 < len(pairs) <= MAX_PAIRS and synonyms <= 1 else {}


def bridged(asked: Canonical, pairs: dict[str, tuple[str, str]]) -> Canonical:
    """``asked`` with each paired word replaced by its partner in the stored question."""
    swap = {x: y for x, (y, _) in pairs.items()}
    verb = asked.passive_verb
    return replace(
        asked,
        content=tuple(swap.get(w, w) for w in asked.content),
        asked=tuple(swap.get(w, w) for w in asked.asked),
        passive_verb=swap.get(verb, verb) if verb else verb,
        forms=tuple((swap.get(item, item), word) for item, word in asked.forms),
    )
