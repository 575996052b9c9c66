"""Prefill the answer prompt's fixed part after a sleep run, while nobody waits for it."""

from __future__ import annotations

from sleeptime.answer.policy import AUTO_LAYOUTS
from sleeptime.answer.prompt import answer_prefix
from sleeptime.backends import Backend
from sleeptime.backends.base import PrefixWarmer
from sleeptime.store import ArtifactRecord
from sleeptime.values import AnswerMode


async def warm_answer_prefix(
    backend: Backend, context_text: str, artifact: ArtifactRecord, *, label: str, tenant: str
) -> int:
    """Save the KV state of instructions + ``c`` + ``c'``; tokens kept (0 if not embedded).

    The layout is the one ``auto`` uses at low budgets, where answers lean on the notes.
    """
    if not isinstance(backend, PrefixWarmer):
        return 0
    system, prefix = answer_prefix(AnswerMode.SLEEP, AUTO_LAYOUTS[0], context_text, artifact.text)
    return await backend.warm_prefix(system, prefix, label=label, tenant=tenant)
