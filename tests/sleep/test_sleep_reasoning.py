"""A sleep run at a reasoning effort: every rethink round asks for it, and it is recorded."""

from __future__ import annotations

from sleeptime.backends import ChatRequest, ChatResult, FunctionBackend, Usage
from sleeptime.sleep import SleepBudget, parse_recipe, run_sleep
from sleeptime.store import RevisionRecord, Store


def _thinking_reply(request: ChatRequest) -> ChatResult:
    """The same notes every round; 50 thinking tokens per round."""
    text = "<notes>Seats: 3 * 8 = 24.</notes>"
    usage = Usage(prompt_tokens=100, completion_tokens=60, reasoning_tokens=50, calls=1)
    return ChatResult(text=text, usage=usage, reasoning="3 rooms of 8 seats")


async def test_rounds_carry_the_effort_and_the_run_records_thinking(
    store: Store, revision: RevisionRecord
) -> None:
    backend = FunctionBackend(_thinking_reply)
    budget = SleepBudget(max_rounds=3, reasoning_effort="high", thinking_tokens=4096)
    result = await run_sleep(store, revision, backend, parse_recipe("rethink"), budget)
    assert len(backend.requests) == 3
    assert {(r.reasoning_effort, r.thinking_tokens) for r in backend.requests} == {("high", 4096)}
    assert result.usage.reasoning_tokens == 150
    run = store.get_run(result.run_id, tenant="default")
    assert run.settings["budget"]["reasoning_effort"] == "high"
    assert run.settings["budget"]["thinking_tokens"] == 4096
    assert run.usage.reasoning_tokens == 150
    assert "Seats: 3 * 8 = 24." in result.artifact.text
