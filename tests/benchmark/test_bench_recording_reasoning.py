"""The call log with reasoning: effort and budgets are part of a call's key, thinking replays."""

from __future__ import annotations

from pathlib import Path

from sleeptime.backends import ChatRequest, ChatResult, FunctionBackend, Message, Usage
from sleeptime.benchmark.recording import CallLog, RecordingBackend, request_payload

QUESTION = (Message("user", "What is 6 x 7?"),)


def _think(request: ChatRequest) -> ChatResult:
    usage = Usage(prompt_tokens=9, completion_tokens=30, reasoning_tokens=25, calls=1)
    return ChatResult(text=f"42 ({request.reasoning_effort})", usage=usage, reasoning="6 sevens")


def test_reasoning_fields_enter_the_key_only_when_set() -> None:
    plain = request_payload(ChatRequest(messages=QUESTION, max_tokens=8))
    assert not {"reasoning_effort", "thinking_tokens", "min_thinking_tokens"} & set(plain)
    asked = request_payload(
        ChatRequest(messages=QUESTION, max_tokens=8, reasoning_effort="low", thinking_tokens=64)
    )
    assert asked == {**plain, "reasoning_effort": "low", "thinking_tokens": 64}


async def test_thinking_and_its_tokens_replay(tmp_path: Path) -> None:
    log = CallLog(tmp_path / "calls.db")
    try:
        inner = FunctionBackend(_think)
        recorder = RecordingBackend(inner, log)
        low = ChatRequest(messages=QUESTION, max_tokens=8, reasoning_effort="low")
        high = ChatRequest(messages=QUESTION, max_tokens=8, reasoning_effort="high")
        first = await recorder.chat(low)
        await recorder.chat(high)
        replayed = await recorder.chat(low)
        assert (recorder.stats.misses, recorder.stats.hits) == (2, 1)
        assert len(inner.requests) == 2
        assert replayed.text == first.text == "42 (low)"
        assert replayed.reasoning == "6 sevens"
        assert replayed.usage.reasoning_tokens == 25
    finally:
        log.close()
