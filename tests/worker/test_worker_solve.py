"""The background worker with ``sleep_recipe = "solve:1"``: queued, run and recorded as solve."""

from __future__ import annotations

import asyncio

from sleeptime.app import Runtime
from sleeptime.backends import ChatRequest, FunctionBackend
from sleeptime.sleep.recipes import SOLVE_VERSION
from sleeptime.worker import Worker

TEXT = "The ferry leaves at 9 and returns at 17. A ticket costs 12 dollars."


def _model(request: ChatRequest) -> str:
    user = request.messages[-1].content
    if "Predict the" in user:
        return "Q1: How much do two tickets cost?"
    return "2 * 12 = 24\nThe answer is 24 dollars."


async def test_the_worker_runs_the_configured_solve_recipe(runtime: Runtime) -> None:
    runtime.settings.__dict__["sleep_recipe"] = "solve:1"  # pydantic model: frozen-ish
    backend = FunctionBackend(_model)
    runtime.backends.add("function", None, backend)
    app = runtime.tenant("acme")
    app.add_context("ferry", TEXT)
    worker = Worker(runtime, name="w1")
    await asyncio.wait_for(worker.run(idle_exit_s=0.5), 20)
    [job] = app.jobs(statuses=())
    assert job.status == "complete" and job.recipe == "solve:1"
    assert job.recipe_version == SOLVE_VERSION
    view = app.show("ferry")
    assert view.artifact is not None
    assert view.artifact.text.startswith("Q: How much do two tickets cost?\nA: 24 dollars")
    [item] = view.artifact.anticipated
    assert item["verified"]
