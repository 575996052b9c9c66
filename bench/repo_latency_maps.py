"""The model's maps for ``bench/repo_latency.py``, replayed from a ``bench repo`` call log.

Writing a map takes the sleep agent up to eight model calls per task; the committed
``bench repo`` runs already made them, with the same model, prompts and tools. Replaying
them gives the very maps those runs scored, at no model cost, so the latency bench can
time ``sleep --map``'s ``c'`` (map, then index) without a server. Only the log answers: a call
it does not hold is an error for that task, never a new call to anything.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from sleeptime.backends.base import BackendInfo, ChatRequest, ChatResult
from sleeptime.backends.registry import create_backend
from sleeptime.benchmark.recording import CallLog, RecordingBackend
from sleeptime.errors import InputError
from sleeptime.repo.agent import AgentBudget
from sleeptime.repo.sleep_agent import sleep_on_repository
from sleeptime.repo.tools import RepoTools

NOT_LOGGED = "this sleep call is not in the call log"


class LogOnly:
    """A backend with the identity of the one that made the log, and no model behind it."""

    def __init__(self, info: BackendInfo) -> None:
        self._info = info

    @property
    def info(self) -> BackendInfo:
        return self._info

    async def prepare(self) -> None:
        """Nothing to load."""

    async def chat(self, request: ChatRequest) -> ChatResult:
        raise InputError(NOT_LOGGED)

    async def count_tokens(self, text: str) -> int:
        raise InputError(NOT_LOGGED)

    async def logprob(self, prefix: str, continuation: str) -> float:
        raise InputError(NOT_LOGGED)

    async def aclose(self) -> None:
        """Nothing to release."""


def replaying(calls: Path, model: str) -> tuple[RecordingBackend, CallLog]:
    """A recorder over ``calls`` that answers as the logged OpenAI-compatible ``model``.

    The identity (and so every call's key) is the real OpenAI-compatible backend's for that
    model id with the text tool protocol, as the ``bench repo`` runs used; it is built but
    never asked anything, so no server is needed.
    """
    if not calls.is_file():
        raise InputError(f"{calls} is not a call log; give the calls.db of a bench repo run")
    os.environ.setdefault("SLEEPTIME_OPENAI_BASE_URL", "http://127.0.0.1:9/v1")
    os.environ.setdefault("SLEEPTIME_OPENAI_API_KEY", "none")
    os.environ.setdefault("SLEEPTIME_OPENAI_NATIVE_TOOLS", "false")
    info = create_backend("openai", model=model).info
    log = CallLog(calls)
    return RecordingBackend(LogOnly(info), log), log


async def replayed_map(recorder: RecordingBackend, tools: RepoTools, **budget: Any) -> str | None:
    """The map the logged run wrote for this snapshot, or None if the log lacks a call."""
    try:
        notes = await sleep_on_repository(
            recorder, tools, max_chars=int(budget["notes_chars"]),
            budget=AgentBudget(
                max_steps=int(budget["sleep_steps"]), min_tool_steps=0, max_tokens=120_000,
                reply_tokens=512, history_chars=int(budget["history_chars"]),
            ),
        )  # fmt: skip
    except InputError:
        return None
    return notes.text
