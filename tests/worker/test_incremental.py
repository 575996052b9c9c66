"""A growing context is rethought from its previous notes plus the appended part."""

from __future__ import annotations

import asyncio

from sleeptime.app import Runtime
from sleeptime.backends import ChatRequest, FunctionBackend
from sleeptime.worker import Worker

EARLY = "\n".join(f"Day {n}: the bakery sold {10 + n} loaves." for n in range(1, 40))
NOTES_1 = "<notes>Days 1-39 recorded; day 39 sold 49 loaves.</notes><finish/>"
NOTES_2 = "<notes>Days 1-40 recorded; day 40 sold 75 loaves.</notes><finish/>"


async def test_appended_text_is_slept_on_from_the_previous_notes(runtime: Runtime) -> None:
    seen: list[str] = []

    def reply(request: ChatRequest) -> str:
        prompt = str(request.messages[-1].content)
        seen.append(prompt)
        return NOTES_2 if "Day 40" in prompt else NOTES_1

    runtime.backends.add("function", None, FunctionBackend(reply))
    app = runtime.tenant()
    app.add_context("bakery", EARLY)
    await asyncio.wait_for(Worker(runtime).run(idle_exit_s=0.5), 20)
    app.append_context("bakery", "Day 40: the bakery sold 75 loaves.")
    await asyncio.wait_for(Worker(runtime).run(idle_exit_s=0.5), 20)
    second, first = app.runs("bakery")
    assert first.status == second.status == "complete"
    assert "incremental" not in first.details
    incremental = second.details["incremental"]
    assert incremental["appended_chars"] < 60 and incremental["from_artifact"] >= 1
    assert second.settings["incremental_from"] == incremental["from_artifact"]
    last = seen[-1]
    assert "Day 40" in last and "Day 12:" not in last  # only the appended part is read
    assert "Days 1-39 recorded" in last  # starting from the previous notes
    assert second.prompt_tokens < first.prompt_tokens
    view = app.show("bakery")
    assert view.artifact is not None and "day 40 sold 75" in view.artifact.text


async def test_a_rewritten_context_is_slept_on_whole(runtime: Runtime) -> None:
    runtime.backends.add("function", None, FunctionBackend(lambda _: NOTES_1))
    app = runtime.tenant()
    app.add_context("bakery", EARLY)
    await asyncio.wait_for(Worker(runtime).run(idle_exit_s=0.5), 20)
    app.add_context("bakery", EARLY.replace("Day 1:", "Day one:"))
    await asyncio.wait_for(Worker(runtime).run(idle_exit_s=0.5), 20)
    second, _ = app.runs("bakery")
    assert second.status == "complete" and "incremental" not in second.details
