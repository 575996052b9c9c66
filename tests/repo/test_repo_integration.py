"""The repository agent on the real embedded model (SmolLM2-135M): the loop holds together."""

from __future__ import annotations

from pathlib import Path

import pytest

from sleeptime.backends.llama import LlamaBackend
from sleeptime.backends.model_files import default_model_path
from sleeptime.errors import ConfigError
from sleeptime.repo.agent import AgentBudget
from sleeptime.repo.answer_agent import answer_request
from sleeptime.repo.snapshot import take_snapshot
from sleeptime.repo.tools import RepoTools


@pytest.mark.integration
async def test_embedded_model_answers_a_feature_request_within_its_budget(
    shop_repo: Path,
) -> None:
    try:
        backend = LlamaBackend(default_model_path(), n_ctx=4096, n_threads=2)
    except ConfigError as exc:
        pytest.skip(str(exc))
    tools = RepoTools(take_snapshot(shop_repo))
    budget = AgentBudget(max_steps=2, reply_tokens=64, max_tokens=8_000)
    try:
        answer = await answer_request(
            backend, tools, "Add a --json flag to the export command", budget=budget
        )
    finally:
        await backend.aclose()  # free the model before the interpreter shuts down
    run = answer.run
    assert 1 <= len(run.steps) <= 2
    assert run.usage.calls == len(run.steps)
    assert run.usage.prompt_tokens > 0 and run.usage.completion_tokens > 0
    assert run.usage.completion_tokens <= 64 * len(run.steps) + 8
    # Whatever the small model wrote, every file it named is a real file of the snapshot.
    assert set(answer.files) <= set(tools.snapshot.paths)
    for step in run.steps:
        for output in step.outputs:
            assert output.text  # every call got a result or an error message back
