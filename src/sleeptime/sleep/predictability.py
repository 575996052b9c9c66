"""How predictable a context's questions are, measured at sleep time for the scheduler.

The paper finds sleep-time compute pays most when questions are predictable from the
context. ``scheduling/`` weighs contexts by that, read from the anticipated questions of
the newest notes: here each of the first few gets ``logprob`` (log P(question | context),
in nats) and ``tokens``, whose ratio gives the geometric-mean token probability. A
backend that cannot score text (many hosted APIs) leaves them unset and the scheduler
uses its neutral default.
"""

from __future__ import annotations

from typing import Any

from sleeptime.backends.base import Backend
from sleeptime.errors import SleeptimeError

MAX_SCORED = 5
"""Anticipated questions scored per run: enough for a mean, cheap with a cached prefix."""


async def score_predictability(backend: Backend, context: str, items: list[dict[str, Any]]) -> int:
    """Attach ``logprob`` and ``tokens`` to the first anticipated questions; how many."""
    prefix = f"{context.rstrip()}\n\nA question about this text:\n"
    scored = 0
    for item in items[:MAX_SCORED]:
        question = item.get("question")
        if not isinstance(question, str) or not question.strip():
            continue
        try:
            logprob = await backend.logprob(prefix, question.strip())
            tokens = await backend.count_tokens(question.strip())
        except SleeptimeError:
            return scored  # this backend cannot score text: leave the default
        item["logprob"], item["tokens"] = round(logprob, 4), tokens
        scored += 1
    return scored
