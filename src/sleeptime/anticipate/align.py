"""Alternations that keep a question's meaning but change its slots, undone before comparing.

``match.compare_questions`` demands equal slots; the few alternations here are allowed to
differ, each under conditions that keep roles, names and numbers intact:

- **Active for a passive without its doer**: "How many pastries did the cafe sell?" asks what
  "How many pastries were sold?" does. The active's subject ("the cafe", or a generic
  "they", "I") is set aside when it holds no name, number or role word, the passive lacks
  exactly those words, and the verb after it is the passive's verb. "How much did Sam pay?"
  still differs from "How much was Sam paid?": there the subject is a name.
- **A passive naming the active's subject as a place**: "When is dinner served in the
  restaurant?" asks what "When does the restaurant serve dinner?" does; only after "in" or
  "at", only for a subject of common nouns.
- **Dative "to"**: "lend Sam" = "lend to Sam", "happens to files" = "happens files" when
  no "from" makes the direction matter.
- **Present progressive for a plan**: "Who is facilitating the next retro?" may ask what
  "Who will facilitate ...?" asks; a simple present or a past never does. A search-box
  noun phrase ("estimated lost revenue?") has no tense and agrees with any.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from sleeptime.anticipate.canonical import Canonical

_GENERIC_SUBJECTS = {"they"}
"""Third-person pronouns that may stand for "whoever does it" as an active's subject."""


@dataclass(frozen=True, slots=True)
class Aligned:
    """Contents to compare after an allowed alternation, and the pronouns it explains."""

    left: tuple[str, ...]
    right: tuple[str, ...]
    pronouns_left: tuple[str, ...]
    pronouns_right: tuple[str, ...]


def _drop_subject(active: Canonical, passive: Canonical) -> tuple[tuple[str, ...], int] | None:
    """The active's content without its subject when it matches the passive, and the subject
    length; None when the two are not an active/passive pair of one question."""
    if active.voice != "active" or passive.voice != "passive" or active.subject_at < 0:
        return None
    if passive.passive_verb is None:
        return None
    missing = Counter(passive.content) - Counter(active.content)
    if missing:
        return None
    extra = Counter(active.content) - Counter(passive.content)
    size = sum(extra.values())
    start = active.subject_at
    subject = active.content[start : start + size]
    if Counter(subject) != extra:
        return None
    if any(w[:1] in "#@<" or w in active.names for w in subject):
        return None
    rest = active.content[:start] + active.content[start + size :]
    if start >= len(rest) or rest[start] != passive.passive_verb:
        return None
    return rest, size


def _located_subject(
    active: Canonical, passive: Canonical
) -> tuple[tuple[str, ...], tuple[str, ...]] | None:
    """Both contents without the active's subject when the passive names it as a place
    after the verb: "When does the restaurant serve dinner?" = "When is dinner served in
    the restaurant?", "How many rows does each batch upsert?" = "... upserted in each
    batch?". Only "in" or "at" mark the place ("served for the restaurant" differs)."""
    if active.subject_at < 0 or passive.passive_verb is None:
        return None
    if Counter(active.content) != Counter(passive.content):
        return None
    start, verb = active.subject_at, passive.passive_verb
    if verb not in active.content[start + 1 :] or verb not in passive.content:
        return None
    end = active.content.index(verb, start + 1)
    subject = active.content[start:end]
    if not 1 <= len(subject) <= 3 or any(w[:1] in "#@<" or w in active.names for w in subject):
        return None
    after = passive.content.index(verb) + 1
    for k in sorted(p for p in passive.places if p >= after):
        if passive.content[k : k + len(subject)] == subject:
            rest = passive.content[:k] + passive.content[k + len(subject) :]
            return active.content[:start] + active.content[end:], rest
    return None


def align(a: Canonical, b: Canonical) -> Aligned | None:
    """Undo the allowed alternations between ``a`` and ``b``; None when the voices differ
    in a way none of them explains."""
    left, right = a.content, b.content
    pa, pb = a.pronouns, b.pronouns
    if a.voice != b.voice:
        active, passive = (a, b) if a.voice == "active" else (b, a)
        dropped = _drop_subject(active, passive)
        located = _located_subject(active, passive) if dropped is None else None
        if located is not None and Counter(a.pronouns) == Counter(b.pronouns):
            left, right = located if active is a else located[::-1]
            left, right = _dative(left, right)
            return Aligned(tuple(left), tuple(right), pa, pb)
        if dropped is None:
            return None
        rest, size = dropped
        pronouns = Counter(active.pronouns)
        spare = pronouns - Counter(passive.pronouns)
        if spare and (size or set(spare) - _GENERIC_SUBJECTS or sum(spare.values()) > 1):
            return None
        kept = tuple(sorted((pronouns - spare).elements()))
        if active is a:
            left, pa = rest, kept
        else:
            right, pb = rest, kept
    left, right = _dative(left, right)
    return Aligned(tuple(left), tuple(right), pa, pb)


def _dative(
    left: tuple[str, ...], right: tuple[str, ...]
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Drop "@to" from both when it is all that differs and no "@from" sets a direction."""
    if "@from" in left or "@from" in right or Counter(left) == Counter(right):
        return left, right
    diff = (Counter(left) - Counter(right)) + (Counter(right) - Counter(left))
    if set(diff) != {"@to"}:
        return left, right
    return tuple(w for w in left if w != "@to"), tuple(w for w in right if w != "@to")


def tenses_agree(a: Canonical, b: Canonical) -> bool:
    """Same tense, or a present progressive against a future ("is running" / "will run");
    a search-box noun phrase has no tense ("closing time?") and agrees with any."""
    if a.tense == b.tense or not a.tense or not b.tense:
        return True
    future, present = frozenset({"future"}), frozenset({"present"})
    return (a.tense == present and a.progressive and b.tense == future) or (
        b.tense == present and b.progressive and a.tense == future
    )
