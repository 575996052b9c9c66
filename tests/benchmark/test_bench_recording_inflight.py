"""Identical requests in flight at once are made once; the others replay the one call."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from sleeptime.backends import Backend, BackendInfo, ChatRequest, ChatResult, Message, Usage
from sleeptime.benchmark.recording import CallLog, RecordingBackend

ASK = ChatRequest(messages=(Message("user", "What is 6 x 7?"),), max_tokens=8)


class SlowBackend:
    """A real backend object whose calls take a while, so several can be in flight."""

    def __init__(self, delay_s: float) -> None:
        self.delay_s = delay_s
        self.calls = 0
        self.started = asyncio.Event()

    @property
    def info(self) -> BackendInfo:
        return BackendInfo(backend="slow", model="m")

    async def prepare(self) -> None:
        return None

    async def chat(self, request: ChatRequest) -> ChatResult:
        self.calls += 1
        self.started.set()
        await asyncio.sleep(self.delay_s)
        usage = Usage(prompt_tokens=5, completion_tokens=3, wall_time_s=self.delay_s, calls=1)
        return ChatResult(text=f"42 (call {self.calls})", usage=usage)

    async def count_tokens(self, text: str) -> int:
        return len(text.split())

    async def logprob(self, prefix: str, continuation: str) -> float:
        return 0.0

    async def aclose(self) -> None:
        return None


@pytest.fixture
def log(tmp_path: Path) -> CallLog:
    return CallLog(tmp_path / "calls.db")


async def test_identical_concurrent_requests_make_one_call(log: CallLog) -> None:
    inner = SlowBackend(0.2)
    assert isinstance(inner, Backend)
    recorder = RecordingBackend(inner, log)
    results = await asyncio.gather(*(recorder.chat(ASK) for _ in range(3)))
    assert inner.calls == 1
    assert {r.text for r in results} == {"42 (call 1)"}
    assert {r.usage.wall_time_s for r in results} == {0.2}
    assert (recorder.stats.misses, recorder.stats.hits) == (1, 2)
    log.close()


async def test_a_cancelled_caller_leaves_the_call_to_the_one_waiting(log: CallLog) -> None:
    inner = SlowBackend(0.3)
    recorder = RecordingBackend(inner, log)
    first = asyncio.create_task(recorder.chat(ASK))
    await inner.started.wait()
    second = asyncio.create_task(recorder.chat(ASK))
    await asyncio.sleep(0.05)
    first.cancel()
    result = await second
    assert first.cancelled()
    assert inner.calls == 2 and result.text == "42 (call 2)"
    assert recorder.stats.misses == 1
    log.close()


async def test_a_failed_call_fails_its_waiters_with_the_same_error(log: CallLog) -> None:
    class Failing(SlowBackend):
        async def chat(self, request: ChatRequest) -> ChatResult:
            self.calls += 1
            await asyncio.sleep(0.1)
            raise ValueError("the server said no")

    inner = Failing(0.1)
    recorder = RecordingBackend(inner, log)
    outcomes = await asyncio.gather(*(recorder.chat(ASK) for _ in range(2)), return_exceptions=True)
    assert inner.calls == 1
    assert all(isinstance(o, ValueError) and "said no" in str(o) for o in outcomes)
    log.close()
