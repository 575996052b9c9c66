"""Serve a stored answer the rules refused when the model confirms it and the hard slots agree.

The structural check (``match.py``) demands the same content words, so a rewording with a
synonym no lexicon lists, a telegraphic or a chat-like question is refused. This path
gives such a question a second chance, with the structural guard still the last word:

1. **Candidates.** Only stored questions of the same context whose *hard slots* agree with
   the asked one go to the model (``hard_slots_differ``): numbers, units, negations,
   quantifiers (scope), comparatives (ordering words), conjunctions, tense, a state against
   an event ("When is the shop closed?" / "When does it close?": ``align.state_event``),
   the role a "who"/"which"/"how many" asks for and what it counts or picks
   (``align.asked_moved``), every name, a compatible question word and the kind
   of answer it asks for. These are the slots the hand-written near-misses differ in
   (another number, unit, period, negation, "each" for "all", "and" adding a condition); a
   model asked about them says "yes" too easily. Question words may differ only when one
   is open ("what", "which", or none in a search-box question: "What's the excess?" for
   "How much is the excess?"); two specific ones ("when" / "who", "how many" / "how long")
   never, and "which" (a pick among things) never stands for a "how ..." measure. A bare
   "what" that is the verb's object or subject is not open: it asks for a thing ("What
   does Pepper get fed?": the food), never a time, place, frequency, manner or reason
   (``answer_kind``; "What time does Pepper get fed?" asks when). The content words must
   not show a change of roles or conditions either (``content_differs``): names in the
   same order (but for one moved block), the same role prepositions, and neither
   question's words a strict part of the other's (a condition added or dropped). What is
   left for the model is what
   rules cannot judge: whether the words that differ mean the same here.
   With the context's text at hand (``context_words``), a candidate is also refused when
   the asked question has a content word the stored one lacks but the context uses
   (``names_other_thing``): hand-written near-misses swap in another thing the text talks
   about ("caused by theft" for "caused by escape of water"), while rewordings bring words
   of the asker's own ("a water leak").
2. **Model.** Each candidate, most similar first, is put to the model with a strict yes/no
   prompt (``anticipate_accept``: the same entity, quantity, period and condition?), at
   most ``ACCEPT_MAX_TOKENS`` generated tokens at temperature 0; only a reply starting
   with "yes" accepts. At most ``MAX_CANDIDATES`` calls per lookup.

Measured on the hand-written sets in ``bench/anticipated_accept.py``.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from difflib import SequenceMatcher
from functools import lru_cache
from typing import Any

from sleeptime.anticipate import wordnet
from sleeptime.anticipate.align import fixed_slots_differ, one_block_apart, roles_differ
from sleeptime.anticipate.canonical import canonical
from sleeptime.anticipate.form import Canonical
from sleeptime.backends.base import Backend, ChatRequest, Message
from sleeptime.prompts import load_prompt
from sleeptime.values import Usage

ACCEPT_PROMPT = "anticipate_accept"
ACCEPT_MAX_TOKENS = 2
MAX_CANDIDATES = 2
"""Model calls per lookup at most: the two stored questions closest in content words.

The guard leaves few candidates, so the limit is rarely reached: on the seen splits (tune
to fresh5, match2.9) 8 of 675 rewordings the rules refuse have two candidates and 1 has
more, no near-miss more than two. Limit 4, with or without ranking equal question words
first and then IDF-weighted WordNet-synonym overlap, served the same 828 of 1374 rewordings
and the same 2 of 1007 near-misses as limit 2 with qwen2.5-coder-1.5b, for 2 more calls
(``bench/anticipated_accept.py --max-candidates``). Recall is lost to the guard's filters
(``content_differs``, ``names_other_thing``), not to the limit."""
OPEN_WH = frozenset({"what", "which"})
"""Question words that name no kind of answer by themselves: one may stand for another
("What's the excess?" asks "how much"); none at all (a search-box question) is open too."""
CLOSED_WH = frozenset({"why", "how", "how many"})
"""Matched only by themselves, never by an open word: "On which days" is not "On how many
days", "How do applications close?" is not "When ..."."""
ADJUNCT_KINDS = {
    "when": "time", "how soon": "time", "where": "place", "how often": "frequency",
    "how": "manner", "why": "reason",
}  # fmt: skip
"""The kind of answer a question word asks for when it asks for the circumstances of the
event, not for one of its participants."""


@dataclass(frozen=True, slots=True)
class Candidate:
    """A stored question the model may be asked about, and how close its content words are."""

    item: dict[str, Any]
    similarity: float


def wh_compatible(asked: Sequence[str], stored: Sequence[str]) -> bool:
    """True when the question words may ask for the same thing (rules in the module doc)."""
    if Counter(asked) == Counter(stored):
        return True
    left, right = set(asked), set(stored)
    if len(left) > 1 or len(right) > 1 or (left | right) & CLOSED_WH:
        return False
    if _picks_against_measure(left, right) or _picks_against_measure(right, left):
        return False
    return not left or not right or bool(left & OPEN_WH) or bool(right & OPEN_WH)


def _picks_against_measure(left: AbstractSet[str], right: AbstractSet[str]) -> bool:
    """ "which" picks one of a set of things ("Which receipts must I keep?"); a "how ..."
    question ("How long must I keep receipts?") asks for a measure, never a pick."""
    return "which" in left and any(w.startswith("how ") for w in right)


def answer_kind(form: Canonical) -> str:
    """What kind of answer ``form``'s question word asks for: "thing" for a bare "what"
    in the verb's object or subject place (``Canonical.bare_what``: "What does Pepper get
    fed?"), a circumstance for "when", "where", "how", "why", "how often", "how soon"
    (``ADJUNCT_KINDS``), "" for every other (open) reading.

    A thing is one of the event's participants, a circumstance is not: "What does Pepper
    get fed?" asks for the food, "What time (= when) does Pepper get fed?" for the hour,
    whatever a model says about two questions that share every other word. An amount or a
    person is left open: a bare "what" may stand for either ("What does the parcel weigh?"
    is "How heavy is the parcel?"; "What did the radiator sell for?" asks a price).
    """
    if form.bare_what:
        return "thing"
    return ADJUNCT_KINDS.get(form.wh[0], "") if len(form.wh) == 1 else ""


def _plain(word: str) -> bool:
    return word[:1] not in "#@<"


def content_differs(a: Canonical, b: Canonical) -> str | None:
    """Why the content words of ``a`` and ``b`` cannot ask the same thing whatever they
    mean; None when only the model can tell.

    - Two or more names must come in the same order ("Sam lend Jordan" / "Jordan lend Sam"),
      and in one voice the same words may not come in another order ("from the lake to
      Elmford"), unless the words both share are one moved block apart, as the rules
      allow ("In the Roam Zone, how much does roaming cost?"; ``_one_block_moved``): two
      blocks of names or numbers never trade places.
    - The role prepositions (from, to, for, by, than) must be the same ("for a student").
    - The asked question may not only add words ("How long is the router *still* under
      warranty?": a condition added) or only drop them ("How much is the excess on a
      claim?" for "... caused by escape of water?": a condition dropped); a rewording that
      does either is lost, the price of zero false hits. The one exception is a "which"
      phrase naming people for a "who" (``restated_class``: "Which player goes first?"
      for "Who goes first?"): it restates the question word.
    """
    names = a.names | b.names
    moved = _one_block_moved(a, b, names)
    if len(names) >= 2:
        order_a = [w for w in a.content if w in names]
        order_b = [w for w in b.content if w in names]
        if order_a != order_b and not moved:
            return "the names come in another order (roles differ)"
    roles_a = Counter(w for w in a.content if w.startswith("@"))
    roles_b = Counter(w for w in b.content if w.startswith("@"))
    if roles_a != roles_b:
        return f"role words differ: {sorted(roles_a.elements())} vs {sorted(roles_b.elements())}"
    words_a = Counter(w for w in a.content if _plain(w))
    words_b = Counter(w for w in b.content if _plain(w))
    same_voice = a.voice == b.voice  # a passive puts the object first ("a claim be reported")
    if same_voice and Counter(a.content) == Counter(b.content) and not moved:
        return "the same words in another order (roles differ)"
    added, dropped = words_a - words_b, words_b - words_a
    if added and not dropped and added != Counter(restated_class(a, b)):
        return f"a condition added: {sorted(added.elements())}"
    if dropped and not added and dropped != Counter(restated_class(b, a)):
        return f"a condition dropped: {sorted(dropped.elements())}"
    return None


_WHO_LEXNAMES = frozenset({18, 14})
"""WordNet's noun.person and noun.group: what a "who" question's answer is."""


def _names_people(form: Canonical, lemma: str) -> bool:
    """True when the noun written for ``lemma`` names a person or a group of people in its
    most frequent sense ("player", "candidate", "company", "team")."""
    written = next((w for lem, w in form.forms if lem == lemma), lemma)
    bases = wordnet.base_forms(written, "n")
    found = wordnet.senses(bases[0], "n") if bases else ()
    return bool(found) and wordnet.synset(found[0], "n").lexname in _WHO_LEXNAMES


def restated_class(a: Canonical, b: Canonical) -> tuple[str, ...]:
    """The words of ``a``'s "which" phrase when ``b`` asks "who" and that phrase names
    people ("Which *player* goes first?", "Which *board member* will train ...?"): the
    noun only says what "who" asks for, so it adds no condition; () otherwise.

    Only the phrase right after "which", only the words ``b`` lacks, and only when its
    last word names a person or a group in its first WordNet sense: "Which *receipts*
    ...?" names things, and "which" never meets "how long" (``wh_compatible``)."""
    if a.wh != ("which",) or b.wh != ("who",):
        return ()
    extra = Counter(w for w in a.content if _plain(w)) - Counter(b.content)
    size = sum(extra.values())
    phrase = a.content[:size]
    if not size or Counter(phrase) != extra or not _names_people(a, phrase[-1]):
        return ()
    return tuple(phrase)


def _shared(content: Sequence[str], common: Counter[str]) -> list[str]:
    """``content`` cut to the words of ``common``, as many of each as it holds, in order."""
    left = Counter(common)
    kept = []
    for word in content:
        if left[word] > 0:
            kept.append(word)
            left[word] -= 1
    return kept


def _one_block_moved(a: Canonical, b: Canonical, names: AbstractSet[str]) -> bool:
    """True when the words both questions share come in the same order but for one moved
    block, two blocks of names or numbers never trading places: the rules' test of word
    order (``align.one_block_apart``) on what the two have in common, so "In the Roam
    Zone, how much does roaming cost?" keeps its roles and "How much did Sam lend Jordan?"
    for "... Jordan lend Sam?" does not."""
    common = Counter(a.content) & Counter(b.content)
    fixed = set(names) | {w for w in common if w.startswith("#")}
    return one_block_apart(_shared(a.content, common), _shared(b.content, common), fixed=fixed)


_HARD_SLOTS = (
    ("units", "units"),
    ("negations", "negations"),
    ("quantifiers", "quantifiers"),
    ("comparatives", "comparatives"),
    ("conjunctions", "conjunctions"),
)


def hard_slots_differ(a: Canonical, b: Canonical) -> str | None:
    """Why ``a`` and ``b`` cannot ask the same thing whatever their other words mean; None
    when every hard slot agrees."""
    differs = fixed_slots_differ(a, b, _HARD_SLOTS)
    if differs is not None:
        return differs
    if not wh_compatible(a.wh, b.wh):
        return f"question words differ: {list(a.wh)} vs {list(b.wh)}"
    kind_a, kind_b = answer_kind(a), answer_kind(b)
    if kind_a and kind_b and kind_a != kind_b:
        return f"answer kinds differ: {kind_a} vs {kind_b}"
    roles = roles_differ(a, b)
    if roles is not None:
        return roles
    # A name must be there on both sides, capitalised or not ("saturday" in a chat message).
    words_a, words_b = set(a.content) | a.names, set(b.content) | b.names
    for name in sorted(a.names | b.names):
        if name not in words_a or name not in words_b:
            return f"name {name!r} differs"
    return None


_SENTENCE_END = re.compile(r"(?<=[.;:!?])\s+|\n+")


@lru_cache(maxsize=64)
def context_words(text: str) -> frozenset[str]:
    """The content lemmas of a context, read sentence by sentence as ``canonical`` reads a
    question (so both sides are spelled alike)."""
    found: set[str] = set()
    for sentence in _SENTENCE_END.split(text):
        if sentence.strip():
            found.update(w for w in canonical(sentence).content if w[:1] not in "#@<")
    return frozenset(found)


def names_other_thing(a: Canonical, b: Canonical, words: AbstractSet[str]) -> str | None:
    """The content words only ``a`` has that the context uses, as a reason; None when there
    are none."""
    restated = set(restated_class(a, b))
    extra = sorted(
        w for w in set(a.content) - set(b.content) if _plain(w) and w in words and w not in restated
    )
    return f"the context uses {extra} for something else" if extra else None


def similarity(a: Canonical, b: Canonical) -> float:
    """How alike the content words are in order (0-1); orders the candidates."""
    if not a.content and not b.content:
        return 1.0
    return SequenceMatcher(None, a.content, b.content, autojunk=False).ratio()


def accept_candidates(
    asked: Canonical,
    items: Sequence[Mapping[str, Any]],
    forms: Sequence[Canonical],
    *,
    context: AbstractSet[str] = frozenset(),
    limit: int = MAX_CANDIDATES,
    content_filters: bool = True,
) -> list[Candidate]:
    """The stored questions (``forms`` are their canonical forms, in order) whose hard slots
    agree with ``asked`` and, given the ``context``'s words (``context_words``), add none
    of them, most similar first, at most ``limit``. ``content_filters=False`` drops the
    content-word filters (``content_differs``, ``names_other_thing``): the wider gate of
    the answer check (``agree.py``), where the hard slots alone refuse."""
    found = [
        Candidate(dict(item), similarity(asked, form))
        for item, form in zip(items, forms, strict=True)
        if hard_slots_differ(asked, form) is None
        and (
            not content_filters
            or (
                content_differs(asked, form) is None
                and names_other_thing(asked, form, context) is None
            )
        )
    ]
    found.sort(key=lambda c: c.similarity, reverse=True)
    return found[:limit]


def said_yes(text: str) -> bool:
    """A clear yes: the reply's first word is "yes" (any case, trailing punctuation)."""
    words = text.strip().lower().split()
    return bool(words) and words[0].strip(".,!:;\"'") == "yes"


async def short_reply(
    backend: Backend,
    prompt: str,
    max_tokens: int,
    *,
    seed: int | None = None,
    background: bool = False,
) -> tuple[str, Usage]:
    """One user message answered at temperature 0 in a few tokens: the shape of every
    yes/no check the matcher asks a model (accept here, reject in ``match.py``) and of the
    sleep-time rewordings (``rephrase.py``, ``background``: sleep work yields to queries)."""
    result = await backend.chat(
        ChatRequest(
            messages=(Message("user", prompt),),
            max_tokens=max_tokens,
            temperature=0.0,
            seed=seed,
            background=background,
        )
    )
    return result.text, result.usage


async def ask_same(
    backend: Backend, asked: str, stored: str, *, seed: int | None = None
) -> tuple[bool, Usage]:
    """Ask the model whether ``asked`` wants exactly what ``stored`` does; True on a clear yes.

    The stored question comes first in the prompt, so the model's prefix cache covers it
    when several questions are checked against one stored question.
    """
    prompt = load_prompt(ACCEPT_PROMPT).render(stored=stored.strip(), asked=asked.strip())
    text, usage = await short_reply(backend, prompt, ACCEPT_MAX_TOKENS, seed=seed)
    return said_yes(text), usage


def accept_key() -> str:
    """The version key of this path, recorded with an answer it served."""
    return load_prompt(ACCEPT_PROMPT).key
