"""Turn a verified match into an ``Answer``, so a served answer looks like any other one."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sleeptime.answer.answerer import Answer, validate_question
from sleeptime.answer.budgets import Budget
from sleeptime.answer.extract import final_answer
from sleeptime.answer.prompt import Layout
from sleeptime.anticipate.match import MatchResult, match_anticipated, verifier_key
from sleeptime.backends.base import Backend
from sleeptime.values import AnswerMode, Stopwatch

SERVED_FINISH_REASON = "anticipated"
_SHORT_FINAL_CHARS = 80


async def serve_anticipated(
    question: str,
    anticipated: Sequence[Mapping[str, Any]],
    *,
    budget: Budget,
    layout: Layout,
    verifier: Backend | None = None,
    seed: int | None = None,
    unverified: bool = False,
    verify: bool = True,
    accept: bool = False,
    context: str | None = None,
    answer_check: bool = False,
) -> tuple[Answer | None, MatchResult]:
    """Return the stored answer as an ``Answer`` on a verified hit (else None), and the match.

    Only answers the sleep run verified (``sleep/verify.py``: every number traced to the
    context or a checked calculation) are candidates, unless ``unverified`` is set: a wrong
    stored answer would be served with no model to catch it. The answer's usage is what
    verification cost: zero tokens for the structural check, the yes/no call's tokens when
    ``verifier`` confirms. Latency covers the whole lookup. With ``verifier``, ``verify``
    has it confirm a structural hit and ``accept`` lets it accept a structural miss whose
    hard slots agree (``accept.py``; ``context`` is the text the questions are about).
    """
    watch = Stopwatch()
    text = validate_question(question)
    candidates = [item for item in anticipated if unverified or item.get("verified") is True]
    match = await match_anticipated(
        text,
        candidates,
        backend=verifier,
        seed=seed,
        verify=verify,
        accept=accept,
        context=context,
        answer_check=answer_check,
    )
    if match.item is None:
        return None, match
    stored = str(match.item["answer"]).strip()
    final = final_answer(stored)
    if final is None and len(stored) <= _SHORT_FINAL_CHARS:
        final = stored.rstrip(".!?;:,") or None
    usage = match.usage
    latency = watch.elapsed()
    usage.wall_time_s = latency
    answer = Answer(
        text=stored,
        final=final,
        usage=usage,
        latency_s=latency,
        prompt_version=verifier_key(
            match.verifier == "structural+model",
            accept=match.verifier == "structural+model-accept",
            alternate=match.via is not None,
            answered=match.short_answer is not None,
        ),
        mode=AnswerMode.SLEEP,
        layout=layout,
        budget=budget,
        finish_reason=SERVED_FINISH_REASON,
    )
    return answer, match
