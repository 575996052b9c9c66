"""Sleep-time rewordings of anticipated questions: the rules then match the ways people ask.

The rule matcher (``match.py``) serves a stored answer only for a question with the same
content words, so "What's a student's price for a full bed?" misses "How much does a full
bed cost for a student?". Query time is where a model call is dear; sleep time is where it
is cheap. So when a sleep run stores its anticipated answers, the model writes, for each
stored (verified) question, rewordings a user might send instead (prompt
``anticipate_rephrase``): one short call per style at temperature 0, each asking for one
rewording (other words for the nouns and verbs; plain everyday words, as someone who has
not read the document would ask). Asked for a list at once, a 1.5B model repeats the
question six times; asked for one rewording of one kind, it varies its words ("billed"
for "charged", "reservation" for "booking"). The prompt holds no context: it would cost
prompt tokens per call and invites the model to copy the text's words, which the check
below then refuses anyway.

A small model drifts: it adds a condition, changes a number, swaps a name, or uses a word
the text uses for something else. Every rewording is therefore checked at sleep time
against the stored question (``rewording_problem``) with the guards of the model-confirmed
accept path (``accept.py``): the same hard slots (numbers, units, negation, scope, ordering
words, conjunctions, tense, names, compatible question words, the role asked for), no
change of roles or conditions, and, with the context at hand, no content word the context
uses for another thing. A rewording that fails is dropped and counted; one the rules
already match is dropped as redundant. At most ``MAX_ALTERNATES`` survive, stored with the
entry as ``alternates``.

At query time the matcher compares the asked question with the stored question and its
alternates; a hit through an alternate serves only when the asked question also passes
``alternate_guard`` against the *original* stored question, so a drifted alternate that
slipped through cannot serve a near-miss. Entries without ``alternates`` (older stores)
match as before.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from typing import Any

from sleeptime.anticipate.accept import (
    content_differs,
    context_words,
    hard_slots_differ,
    names_other_thing,
    short_reply,
)
from sleeptime.anticipate.canonical import canonical
from sleeptime.anticipate.extract import question_key
from sleeptime.anticipate.form import Canonical
from sleeptime.backends.base import Backend
from sleeptime.errors import SleeptimeError
from sleeptime.prompts import Prompt, load_prompt
from sleeptime.values import Usage

REPHRASE_PROMPT = "anticipate_rephrase"
MAX_ALTERNATES = 8
"""Alternates kept per stored question at most."""
MAX_ALTERNATE_CHARS = 160
REPHRASE_MAX_TOKENS = 48
"""Generated tokens per rewording (one question: about 12)."""
MAX_REPLY_CHARS = 2000
"""A longer reply is read only this far: a runaway model cannot cost the parse time."""
_STYLES_MARK = "\n===\n"
_LABEL = re.compile(r"^(?:new |rewritten |reworded )?(?:question|query|rewording)\s*:\s*", re.I)
_LINE_MARKUP = re.compile(r"^[\s>*_#`\-•]*(?:\d+[.)]\s*)?")


def _clean(text: str) -> str | None:
    """One rewording as stored: single spaces, no quotes or bullets; None when unusable."""
    text = re.sub(r"\s+", " ", text).strip().strip("\"'`,").strip()
    if not text or len(text) > MAX_ALTERNATE_CHARS or not re.search(r"[^\W\d_]", text):
        return None
    return text


def parse_rewording(text: str) -> str | None:
    """Read the model's reply to one instruction: its first line with letters, without
    code fences, bullets, a "New question:" label or quotes. None when there is none or it
    is too long to be a question. Never raises."""
    body = re.sub(r"```\w*", "", text[:MAX_REPLY_CHARS])
    for line in body.splitlines():
        line = _LABEL.sub("", _LINE_MARKUP.sub("", line).strip()).strip()
        if re.search(r"[^\W\d_]", line):
            return _clean(line)
    return None


def rewording_problem(
    rewording: Canonical, stored: Canonical, words: AbstractSet[str] = frozenset()
) -> str | None:
    """Why a rewording may ask something other than the stored question (it drifted);
    None when every guard passes. ``words`` are the context's (``context_words``)."""
    return (
        hard_slots_differ(rewording, stored)
        or content_differs(rewording, stored)
        or names_other_thing(rewording, stored, words)
    )


def alternate_guard(asked: Canonical, stored: Canonical) -> str | None:
    """Why a question that matched an alternate may not be served the original's answer;
    None when its hard slots agree with the original stored question (the last word)."""
    return hard_slots_differ(asked, stored) or content_differs(asked, stored)


@dataclass(slots=True)
class Checked:
    """The rewordings of one stored question after the sleep-time check."""

    kept: list[str] = field(default_factory=list)
    dropped: list[tuple[str, str]] = field(default_factory=list)
    """(rewording, why) for each one that drifted."""
    redundant: int = 0
    """Rewordings the rules already match to the stored question (not stored)."""


def check_rewordings(
    question: str,
    rewordings: Sequence[str],
    words: AbstractSet[str] = frozenset(),
    *,
    limit: int = MAX_ALTERNATES,
) -> Checked:
    """Keep the rewordings of ``question`` that ask the same thing and add recall."""
    from sleeptime.anticipate.match import compare_questions  # match imports this module

    stored = canonical(question)
    seen = {question_key(question)}
    checked = Checked()
    for text in rewordings:
        key = question_key(text)
        if not key or key in seen:
            continue
        seen.add(key)
        try:
            why = rewording_problem(canonical(text), stored, words)
        except (IndexError, KeyError, ValueError) as exc:  # model output; never fail a run
            why = f"the question reader failed on it ({type(exc).__name__})"
        if why is not None:
            checked.dropped.append((text, why))
        elif compare_questions(text, question).ok:
            checked.redundant += 1
        elif len(checked.kept) < limit:
            checked.kept.append(text)
    return checked


def stored_alternates(item: Mapping[str, Any]) -> list[str]:
    """The usable alternates of a stored entry (artifacts are data: anything else is ignored)."""
    raw = item.get("alternates")
    if not isinstance(raw, list):
        return []
    return [a for a in raw[:MAX_ALTERNATES] if isinstance(a, str) and _clean(a) == a]


def rephrase_prompts(question: str) -> list[str]:
    """One prompt per rewording style of ``anticipate_rephrase`` (the styles follow the
    template in the same file, after a line ``===``, so both are versioned together)."""
    prompt = load_prompt(REPHRASE_PROMPT)
    head, _, styles = prompt.template.partition(_STYLES_MARK)
    template = Prompt(prompt.name, prompt.version, head)
    return [
        template.render(instruction=style.strip(), question=question.strip())
        for style in styles.splitlines()
        if style.strip()
    ]


async def ask_rewordings(
    backend: Backend, question: str, *, seed: int | None = None
) -> tuple[list[str], Usage]:
    """One short call per style: the rewordings of ``question`` the model wrote, and the
    cost. A small model asked for a list repeats itself; asked for one rewording of one
    kind at a time it varies its words."""
    found: list[str] = []
    usage = Usage()
    for prompt in rephrase_prompts(question):
        text, spent = await short_reply(
            backend, prompt, REPHRASE_MAX_TOKENS, seed=seed, background=True
        )
        usage.add(spent)
        if (rewording := parse_rewording(text)) is not None:
            found.append(rewording)
    return found, usage


@dataclass(slots=True)
class Rephrasing:
    """The anticipated entries with their alternates, and what the step did and cost."""

    items: list[dict[str, Any]]
    usage: Usage = field(default_factory=Usage)
    questions: int = 0
    kept: int = 0
    dropped: int = 0
    redundant: int = 0
    reasons: Counter[str] = field(default_factory=Counter)
    error: str | None = None

    def details(self) -> dict[str, Any]:
        """For the run record."""
        out: dict[str, Any] = {
            "prompt": load_prompt(REPHRASE_PROMPT).key,
            "questions": self.questions,
            "kept": self.kept,
            "dropped": self.dropped,
            "redundant": self.redundant,
            "dropped_because": dict(self.reasons.most_common(8)),
            "usage": self.usage.to_dict(),
        }
        if self.error:
            out["error"] = self.error
        return out


def _reason_kind(why: str) -> str:
    return why.split(":", 1)[0].split(" (", 1)[0]


async def rephrase_anticipated(
    backend: Backend,
    items: Sequence[Mapping[str, Any]],
    context: str,
    *,
    seed: int | None = None,
    only_verified: bool = True,
) -> Rephrasing:
    """Give each stored question (only verified ones by default: the others are never
    served) its checked alternates. A failed call leaves that entry without alternates and
    is recorded; it never fails the sleep run."""
    words = context_words(context)
    out = Rephrasing(items=[dict(item) for item in items])
    for item in out.items:
        question = item.get("question")
        if not isinstance(question, str) or (only_verified and item.get("verified") is not True):
            continue
        try:
            rewordings, usage = await ask_rewordings(backend, question, seed=seed)
        except SleeptimeError as exc:
            out.error = str(exc)
            continue
        out.questions += 1
        out.usage.add(usage)
        checked = check_rewordings(question, rewordings, words)
        item["alternates"] = checked.kept
        item["alternates_dropped"] = len(checked.dropped)
        out.kept += len(checked.kept)
        out.dropped += len(checked.dropped)
        out.redundant += checked.redundant
        out.reasons.update(_reason_kind(why) for _, why in checked.dropped)
    return out
