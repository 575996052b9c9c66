"""Serve a precomputed answer only when the incoming question asks exactly the same thing.

Verification has two stages, and the second can only say no:

1. **Structural check** (deterministic, 0 model tokens, microseconds). Both questions are
   reduced to a ``Signature`` (see ``signature.py``: case, punctuation, whitespace and
   contractions are normalized away; written numbers, digits, decimals, fractions,
   percentages and money become canonical values). The stored question matches only if

   - the numbers are identical and in the same order ("three" = "3", "$2.50" = "2.50
     dollars", "1/2" = "0.5"; but 3 != 4, 2.5 != 25);
   - the units are the same multiset (minutes != hours, dollars != cents, km != miles,
     kg != g, percent != points ...);
   - the negations are the same multiset (not, no, never, n't, without, except,
     excluding, none, ...);
   - the comparative, superlative and ordering words are identical and in the same order
     (most/least, more/fewer/less, before/after, first/last, ordinals, than, ...);
   - the quantifiers are the same multiset (each, every, per, total, average, all, ...);
   - question words, modals (will/would/can...), pronouns (he/she/they...) and
     conjunctions (and/or/if) are the same multisets;
   - every word written as a name (capitalized inside the sentence) in either question
     occurs equally often in both;
   - the remaining content words (lightly stemmed, function words such as "the", "is",
     "please" dropped) agree in order with a similarity ratio of at least
     ``min_similarity`` (default 0.9, so any substituted content word rejects a question
     of up to 18 content words, and an added one rejects a question of up to 9).

2. **Model confirmation** (optional): the best structural candidate is shown to the model
   with a yes/no prompt (``anticipate_verify``, at most 2 generated tokens); anything but
   "yes" rejects. The model is never asked about a candidate the structural check refused.

Everything the check spends is recorded in ``MatchResult`` (tokens and seconds).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from functools import lru_cache
from typing import Any

from sleeptime.anticipate.signature import SIGNATURE_VERSION, Signature, signature
from sleeptime.backends.base import Backend, ChatRequest, Message, Stopwatch, Usage
from sleeptime.prompts import load_prompt

DEFAULT_MIN_SIMILARITY = 0.9
VERIFY_MAX_TOKENS = 2
MATCHER_VERSION = f"match{SIGNATURE_VERSION}"
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

    @property
    def hit(self) -> bool:
        """True when a stored answer may be served."""
        return self.item is not None


@lru_cache(maxsize=4096)
def _signature(question: str) -> Signature:
    return signature(question)


def _multiset_differs(a: Sequence[str], b: Sequence[str]) -> bool:
    return Counter(a) != Counter(b)


def compare_questions(
    asked: str, stored: str, *, min_similarity: float = DEFAULT_MIN_SIMILARITY
) -> Verdict:
    """Run the structural check on one pair (rules in the module docstring)."""
    a, b = _signature(asked), _signature(stored)
    if a.numbers != b.numbers:
        return Verdict(False, f"numbers differ: {list(a.numbers)} vs {list(b.numbers)}", 0.0)
    checks: tuple[tuple[str, Sequence[str], Sequence[str]], ...] = (
        ("units", a.units, b.units),
        ("negations", a.negations, b.negations),
        ("quantifiers", a.quantifiers, b.quantifiers),
        ("question words", a.wh, b.wh),
        ("modals", a.modals, b.modals),
        ("pronouns", a.pronouns, b.pronouns),
        ("conjunctions", a.conjunctions, b.conjunctions),
    )
    for label, left, right in checks:
        if _multiset_differs(left, right):
            return Verdict(False, f"{label} differ: {sorted(left)} vs {sorted(right)}", 0.0)
    if a.comparatives != b.comparatives:
        return Verdict(
            False,
            f"comparatives differ: {list(a.comparatives)} vs {list(b.comparatives)}",
            0.0,
        )
    left_counts, right_counts = Counter(a.content), Counter(b.content)
    for name in sorted(a.names | b.names):
        if left_counts[name] != right_counts[name]:
            return Verdict(False, f"name {name!r} differs", 0.0)
    if not a.content and not b.content:
        similarity = 1.0
    else:
        similarity = SequenceMatcher(None, a.content, b.content, autojunk=False).ratio()
    if similarity < min_similarity:
        return Verdict(
            False,
            f"content words differ (similarity {similarity:.2f} < {min_similarity})",
            similarity,
        )
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


def match_structural(
    question: str,
    anticipated: Sequence[Mapping[str, Any]],
    *,
    min_similarity: float = DEFAULT_MIN_SIMILARITY,
) -> MatchResult:
    """Find the best structurally identical anticipated question; never calls a model."""
    watch = Stopwatch()
    items = valid_items(anticipated)
    best: tuple[float, dict[str, Any]] | None = None
    closest: tuple[float, str, str] | None = None
    for item in items:
        verdict = compare_questions(question, item["question"], min_similarity=min_similarity)
        if verdict.ok and (best is None or verdict.similarity > best[0]):
            best = (verdict.similarity, item)
        if closest is None or verdict.similarity > closest[0]:
            closest = (verdict.similarity, item["question"], verdict.reason)
    elapsed = watch.elapsed()
    usage = Usage(wall_time_s=elapsed)
    if best is not None:
        return MatchResult(
            item=best[1],
            checked=len(items),
            verifier="structural",
            usage=usage,
            latency_s=elapsed,
            reason="same question",
            candidate=best[1]["question"],
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
    result = await backend.chat(
        ChatRequest(
            messages=(Message("user", prompt),),
            max_tokens=VERIFY_MAX_TOKENS,
            temperature=0.0,
            seed=seed,
        )
    )
    return result.text.strip().lower().startswith("yes"), result.usage


async def match_anticipated(
    question: str,
    anticipated: Sequence[Mapping[str, Any]],
    *,
    backend: Backend | None = None,
    min_similarity: float = DEFAULT_MIN_SIMILARITY,
    seed: int | None = None,
) -> MatchResult:
    """Structural check, then (when ``backend`` is given) model confirmation of the hit."""
    watch = Stopwatch()
    found = match_structural(question, anticipated, min_similarity=min_similarity)
    if backend is None or found.item is None:
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
    )


def verifier_key(with_model: bool) -> str:
    """The version key recorded with a served answer (matcher rules, plus the prompt)."""
    if with_model:
        return f"anticipate_{MATCHER_VERSION}+{load_prompt('anticipate_verify').key}"
    return f"anticipate_{MATCHER_VERSION}"
