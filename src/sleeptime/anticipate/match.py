"""Serve a precomputed answer only when the incoming question asks exactly the same thing.

Verification has two stages, and the second can only say no:

1. **Structural check** (deterministic, 0 model tokens, well under a millisecond). Both
   questions are read into a ``Canonical`` form (``canonical.py``: polite frames, fillers,
   contractions, case, punctuation and the asker's own pronouns removed; numbers, units,
   question words, modals and synonyms in one spelling each). The stored question
   matches only if

   - the numbers are identical and in the same order ("three" = "3", "$2.50" = "2.50
     dollars"; but 3 != 4, 2.5 != 25);
   - the units, negations, quantifiers (each = every = per), question words, modal
     classes, third-person pronouns and conjunctions are the same multisets, and the
     comparatives the same sequence (most/least, before/after, first/last, than ...);
   - the tense is the same (was/did/had vs is/does/has vs will);
   - "who"/"which"/"what"/"how many"/"how much" asks for the same role (the doer, or
     not), and what it counts or picks is no other role ("How many students did the tutors
     teach?" is not "How many tutors did the students teach?": ``align.asked_moved``);
   - every name occurs equally often in both;
   - the content words (lemmas, synonyms merged) and role prepositions (from, to, for,
     by, than) are the same multiset, and their order differs by at most one moved
     block: "On Tuesdays, how much ...?" matches "How much ... on Tuesdays?", but
     "from A to B" never matches "from B to A", nor "A lent B" "B lent A" (but a
     distance is the same both ways: "How far is A from B?" = "How far is B from A?").

   So a substituted, added or dropped content word rejects, whatever the length of the
   question, unless it is a one-edit typo of the stored word (and no English word), a
   WordNet synonym in a common sense, or a derived form of it (``bridge.py``: at most two
   such words, then the whole check runs again). Before the comparison ``align.py`` undoes
   the few alternations that may differ (an active with a common-noun or generic subject
   for a passive without its doer or naming it as a place, a dative "to", a planned
   present progressive for a future); a subject naming a class of doers ("can *members*
   book") and a state read for an event ("is closed" / "does close") are no alternation.

2. **Model confirmation** (optional): the best structural candidate is shown to the model
   with a yes/no prompt (``anticipate_verify``, at most 2 generated tokens); anything but
   "yes" rejects. The model is never asked about a candidate the structural check refused.

3. **Model-confirmed accept** (optional, ``accept``): when the structural check refuses
   every stored question, those whose hard slots still agree (numbers, units, negations,
   scope, ordering words, tense, names, compatible question words: ``accept.py``) are put
   to the model with a stricter yes/no prompt (``anticipate_accept``); a clear "yes"
   serves. Only the content words' meaning is left to the model. A candidate whose
   content words the rules would refuse (words dropped, added or swapped) is put to it
   only when the context is given and the model's own short answer to the asked question,
   read from the context, agrees with the candidate's stored answer (``agree.py``).

Everything the check spends is recorded in ``MatchResult`` (tokens and seconds).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from functools import lru_cache
from typing import Any

from sleeptime.anticipate.accept import (
    MAX_CANDIDATES,
    Candidate,
    accept_candidates,
    accept_key,
    ask_same,
    context_words,
    short_reply,
)
from sleeptime.anticipate.agree import agree_key, answers_agree, short_answer
from sleeptime.anticipate.align import align, fixed_slots_differ, one_block_apart, roles_differ
from sleeptime.anticipate.bridge import bridged, pair_words
from sleeptime.anticipate.canonical import CANONICAL_VERSION, Canonical, canonical
from sleeptime.anticipate.rephrase import REPHRASE_PROMPT, alternate_guard, stored_alternates
from sleeptime.backends.base import Backend
from sleeptime.prompts import load_prompt
from sleeptime.values import Stopwatch, Usage

VERIFY_MAX_TOKENS = 2
ALTERNATES_VERSION = "alt1"
"""How stored ``alternates`` (``rephrase.py``) are matched and guarded."""
MATCHER_VERSION = f"match{CANONICAL_VERSION}.{ALTERNATES_VERSION}"
"""Goes into query records, so a changed rule set never mixes with results of the old one."""


@dataclass(frozen=True, slots=True)
class Verdict:
    """The structural check of one pair: accepted or not, why, and the content similarity."""

    ok: bool
    reason: str
    similarity: float


@dataclass(frozen=True, slots=True)
class MatchResult:
    """The outcome of looking a question up in an anticipated list, with what it cost."""

    item: dict[str, Any] | None
    """The matched entry ({"question", "answer", "source"}), or None for a miss."""
    checked: int
    """How many anticipated questions were compared."""
    verifier: str
    """``structural`` or ``structural+model``: the stages that ran."""
    usage: Usage = field(default_factory=Usage)
    latency_s: float = 0.0
    reason: str = ""
    """For a miss: why the closest candidate was refused (empty when there was none)."""
    candidate: str | None = None
    """The closest anticipated question, hit or not."""
    via: str | None = None
    """The stored alternate (``rephrase.py``) the question matched, when it was not the
    stored question itself."""
    short_answer: str | None = None
    """The model's own few-word answer from the context, when the accept path asked for it
    (``agree.py``): kept with the record of what was served, so a served answer can be
    audited against it."""

    @property
    def hit(self) -> bool:
        """True when a stored answer may be served."""
        return self.item is not None


@lru_cache(maxsize=4096)
def _canonical(question: str) -> Canonical:
    return canonical(question)


def _multiset_differs(a: Sequence[str], b: Sequence[str]) -> bool:
    return Counter(a) != Counter(b)


def compare_questions(asked: str, stored: str) -> Verdict:
    """Run the structural check on one pair (rules in the module docstring); when only
    content words differ, once more with typos and synonyms bridged (``bridge.py``)."""
    a, b = _canonical(asked), _canonical(stored)
    verdict = compare_canonical(a, b)
    if verdict.ok:
        return verdict
    pairs = pair_words(a, b)
    if not pairs:
        return verdict
    second = compare_canonical(bridged(a, pairs), b)
    if not second.ok:
        return verdict
    said = ", ".join(f"{kind} {x}->{y}" for x, (y, kind) in sorted(pairs.items()))
    return Verdict(True, f"same question ({said})", second.similarity)


_SLOTS = (
    ("units", "units"),
    ("negations", "negations"),
    ("quantifiers", "quantifiers"),
    ("question words", "wh"),
    ("modals", "modals"),
    ("conjunctions", "conjunctions"),
    ("comparatives", "comparatives"),
)


def _swapped_around(left: Sequence[str], right: Sequence[str], pivot: str = "@from") -> bool:
    """True when ``right`` is ``left`` with the words on the two sides of its one ``pivot``
    swapped ("station @from museum" / "museum @from station"): a distance asked both ways."""
    words = list(left)
    if words.count(pivot) != 1:
        return False
    k = words.index(pivot)
    before, after = words[:k], words[k + 1 :]
    return bool(before and after) and list(right) == [*after, pivot, *before]


def compare_canonical(a: Canonical, b: Canonical) -> Verdict:
    """The structural check of two canonical forms."""
    differs = fixed_slots_differ(a, b, _SLOTS)
    if differs is not None:
        return Verdict(False, differs, 0.0)
    aligned = align(a, b)
    if aligned is None:
        return Verdict(False, f"voice differ: {[a.voice]} vs {[b.voice]}", 0.0)
    if _multiset_differs(aligned.pronouns_left, aligned.pronouns_right):
        return Verdict(False, f"pronouns differ: {list(a.pronouns)} vs {list(b.pronouns)}", 0.0)
    roles = roles_differ(a, b)
    if roles is not None:
        return Verdict(False, roles, 0.0)
    left_counts, right_counts = Counter(aligned.left), Counter(aligned.right)
    for name in sorted(a.names | b.names):
        if left_counts[name] != right_counts[name]:
            return Verdict(False, f"name {name!r} differs", 0.0)
    similarity = (
        SequenceMatcher(None, aligned.left, aligned.right, autojunk=False).ratio()
        if aligned.left or aligned.right
        else 1.0
    )
    if left_counts != right_counts:
        extra = sorted((left_counts - right_counts).elements())
        missing = sorted((right_counts - left_counts).elements())
        return Verdict(False, f"content words differ: +{extra} -{missing}", similarity)
    entities = a.names | b.names | {w for w in aligned.left if w.startswith("#")}
    symmetric = a.wh == b.wh == ("how far",) and _swapped_around(aligned.left, aligned.right)
    if not symmetric and not one_block_apart(aligned.left, aligned.right, fixed=entities):
        return Verdict(False, "the same words in another order (roles differ)", similarity)
    return Verdict(True, "same question", similarity)


def valid_items(anticipated: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Keep the entries with a non-empty string question and answer (artifacts are data)."""
    kept: list[dict[str, Any]] = []
    for entry in anticipated:
        question, answer = entry.get("question"), entry.get("answer")
        if (
            isinstance(question, str)
            and isinstance(answer, str)
            and question.strip()
            and answer.strip()
        ):
            kept.append(dict(entry))
    return kept


def _via_alternate(question: str, item: Mapping[str, Any]) -> tuple[Verdict, str] | None:
    """The best alternate of ``item`` the question matches, when it also passes the guard
    against the original stored question (``rephrase.alternate_guard``); else None."""
    best: tuple[Verdict, str] | None = None
    for alternate in stored_alternates(item):
        verdict = compare_questions(question, alternate)
        if verdict.ok and (best is None or verdict.similarity > best[0].similarity):
            best = (verdict, alternate)
    if best is None:
        return None
    if alternate_guard(_canonical(question), _canonical(item["question"])) is not None:
        return None
    return best


def match_structural(question: str, anticipated: Sequence[Mapping[str, Any]]) -> MatchResult:
    """Find the best structurally identical anticipated question, or failing that an entry
    one of whose stored alternates it matches (guarded); never calls a model."""
    watch = Stopwatch()
    items = valid_items(anticipated)
    best: tuple[float, dict[str, Any]] | None = None
    closest: tuple[float, str, str] | None = None
    for item in items:
        verdict = compare_questions(question, item["question"])
        if verdict.ok and (best is None or verdict.similarity > best[0]):
            best = (verdict.similarity, item)
        if closest is None or verdict.similarity > closest[0]:
            closest = (verdict.similarity, item["question"], verdict.reason)
    via: tuple[float, dict[str, Any], str] | None = None
    if best is None:
        for item in items:
            found = _via_alternate(question, item)
            if found is not None and (via is None or found[0].similarity > via[0]):
                via = (found[0].similarity, item, found[1])
    elapsed = watch.elapsed()
    usage = Usage(wall_time_s=elapsed)
    hit = best[1] if best is not None else via[1] if via is not None else None
    if hit is not None:
        return MatchResult(
            item=hit,
            checked=len(items),
            verifier="structural",
            usage=usage,
            latency_s=elapsed,
            reason="same question" if via is None else f"same as the alternate {via[2]!r}",
            candidate=hit["question"],
            via=via[2] if via is not None else None,
        )
    return MatchResult(
        item=None,
        checked=len(items),
        verifier="structural",
        usage=usage,
        latency_s=elapsed,
        reason=closest[2] if closest else "",
        candidate=closest[1] if closest else None,
    )


async def confirm_with_model(
    backend: Backend, asked: str, stored: str, *, seed: int | None = None
) -> tuple[bool, Usage]:
    """Ask the model whether two questions are the same; only a reply starting "yes" is one."""
    prompt = load_prompt("anticipate_verify").render(first=stored.strip(), second=asked.strip())
    text, usage = await short_reply(backend, prompt, VERIFY_MAX_TOKENS, seed=seed)
    return text.strip().lower().startswith("yes"), usage


async def match_anticipated(
    question: str,
    anticipated: Sequence[Mapping[str, Any]],
    *,
    backend: Backend | None = None,
    seed: int | None = None,
    verify: bool = True,
    accept: bool = False,
    context: str | None = None,
    accept_limit: int = MAX_CANDIDATES,
    answer_check: bool = False,
) -> MatchResult:
    """Structural check, then, when ``backend`` is given: model confirmation of a hit
    (``verify``) and a model-confirmed accept of a miss whose hard slots agree (``accept``;
    ``context``, the text the questions are about, lets it refuse words the text uses for
    other things and check the model's own answer, ``agree.py``; ``accept_limit`` stored
    questions of each gate at most, for benchmarks of the limit: with the context, up to
    twice that many yes/no calls and one short-answer call; the answer check only with
    ``answer_check``, off by default: it served near-misses on blind sets)."""
    watch = Stopwatch()
    found = match_structural(question, anticipated)
    if backend is None:
        return found
    if found.item is None:
        if not accept:
            return found
        return await _accept(
            question,
            anticipated,
            found,
            backend,
            seed,
            watch,
            context,
            accept_limit,
            answer_check,
        )
    if not verify:
        return found
    agreed, usage = await confirm_with_model(backend, question, found.item["question"], seed=seed)
    total = Usage(wall_time_s=watch.elapsed())
    total.add(usage)
    total.wall_time_s = watch.elapsed()
    return MatchResult(
        item=found.item if agreed else None,
        checked=found.checked,
        verifier="structural+model",
        usage=total,
        latency_s=total.wall_time_s,
        reason="same question" if agreed else "the model said the questions differ",
        candidate=found.candidate,
        via=found.via,
    )


async def _accept(
    question: str,
    anticipated: Sequence[Mapping[str, Any]],
    missed: MatchResult,
    backend: Backend,
    seed: int | None,
    watch: Stopwatch,
    context: str | None,
    limit: int,
    answer_check: bool = False,
) -> MatchResult:
    """Ask the model about the stored questions whose hard slots agree, at most ``limit``
    of them (plus those the content-word filters pass, if not among them); serve a clear
    yes. A candidate the content-word filters refuse is asked about only when the model's
    short answer from ``context`` agrees with its stored answer (``agree.py``), and only
    with ``answer_check``."""
    items = valid_items(anticipated)
    forms = [_canonical(item["question"]) for item in items]
    asked_form = _canonical(question)
    words = context_words(context) if context else frozenset()
    strict = accept_candidates(asked_form, items, forms, context=words, limit=limit)
    checked_by_rules = {c.item["question"] for c in strict}
    candidates = strict
    if context and answer_check:
        wide = accept_candidates(asked_form, items, forms, limit=limit, content_filters=False)
        candidates = _merged(wide, strict)
    total = Usage()
    asked = 0
    short: str | None = None
    answered = False
    for candidate in candidates:
        by_answer = candidate.item["question"] not in checked_by_rules
        if by_answer:
            if not answered:
                short, usage = await short_answer(backend, context or "", question, seed=seed)
                total.add(usage)
                answered = True
            stored = str(candidate.item.get("answer", ""))
            if short is None or not answers_agree(stored, short, question):
                continue
        asked += 1
        agreed, usage = await ask_same(backend, question, candidate.item["question"], seed=seed)
        total.add(usage)
        if agreed:
            total.wall_time_s = watch.elapsed()
            how = f"its own answer {short!r} agrees and " if by_answer else ""
            return MatchResult(
                item=candidate.item,
                checked=missed.checked,
                verifier="structural+model-accept",
                usage=total,
                latency_s=total.wall_time_s,
                reason=f"the model confirmed it: {how}it said yes ({missed.reason})",
                candidate=candidate.item["question"],
                short_answer=short,
            )
    total.wall_time_s = watch.elapsed()
    if asked:
        why = "the model said the questions differ"
    elif answered and short is not None:
        why = f"the model's own answer {short!r} agrees with no stored answer ({missed.reason})"
    else:
        why = missed.reason
    return MatchResult(
        item=None,
        checked=missed.checked,
        verifier="structural+model-accept" if asked or answered else "structural",
        usage=total,
        latency_s=total.wall_time_s,
        reason=why,
        candidate=missed.candidate,
        short_answer=short,
    )


def _merged(first: list[Candidate], then: list[Candidate]) -> list[Candidate]:
    """``first``, then the candidates of ``then`` it lacks (by question), in order."""
    seen = {c.item["question"] for c in first}
    return first + [c for c in then if c.item["question"] not in seen]


def verifier_key(
    with_model: bool, *, accept: bool = False, alternate: bool = False, answered: bool = False
) -> str:
    """The version key recorded with a served answer (matcher rules, plus the prompts: the
    yes/no check's, and the rewording prompt's when a stored alternate matched)."""
    key = f"anticipate_{MATCHER_VERSION}"
    if accept:
        key = f"{key}+{accept_key()}"
        if answered:
            key = f"{key}+{agree_key()}"
    elif with_model:
        key = f"{key}+{load_prompt('anticipate_verify').key}"
    if alternate:
        key = f"{key}+{load_prompt(REPHRASE_PROMPT).key}"
    return key
