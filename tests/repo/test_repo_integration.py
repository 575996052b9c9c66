"""The repository agent on the real embedded model (SmolLM2-135M): the loop holds together."""

from __future__ import annotations

import json
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


@pytest.mark.integration
def test_embedded_model_context_add_sleep_ask_agent(shop_repo: Path, tmp_path: Path) -> None:
    """The command line end to end on SmolLM2: add the folder, sleep, ask --agent both ways."""
    from click.testing import CliRunner

    from sleeptime.cli.main import cli

    try:
        default_model_path()
    except ConfigError as exc:
        pytest.skip(str(exc))
    env = {
        "SLEEPTIME_DATABASE_URL": f"sqlite:///{tmp_path / 'e2e.db'}",
        "SLEEPTIME_DATA_DIR": str(tmp_path / "data"),
        "SLEEPTIME_N_CTX": "4096",
        "SLEEPTIME_N_THREADS": "1",
    }
    runner = CliRunner()

    def run(*args: str) -> str:
        result = runner.invoke(cli, list(args), env=env)
        assert result.exit_code == 0, result.output
        return result.output

    assert "revision 1" in run("context", "add", "shop", f"{shop_repo}/")
    slept = run("sleep", "shop", "--map", "--max-rounds", "2", "--round-tokens", "96", "--quiet")
    assert "agent steps" in slept and "saved the KV state" in slept
    for mode in ("sleep", "baseline"):
        answer = json.loads(
            run("ask", "shop", "Add a --json flag to the export command", "--agent",
                "--budget", "2", "--max-tokens", "64", "--mode", mode, "--json")
        )  # fmt: skip
        assert 1 <= answer["steps"] <= 2 and answer["usage"]["prompt_tokens"] > 0
        assert answer["usage"]["completion_tokens"] <= 2 * 64 + 8
        assert set(answer["files"]) <= set(take_snapshot(shop_repo).paths)
    # Sleep saved the KV state of the answer prompt on its map, and the first baseline
    # request saved the one without notes, so a later request prefills only itself.
    # The index alone (the default without --map) is written with no model call, and then
    # the answering model (the embedded default) saves the state of the prompt on it.
    indexed = run("sleep", "shop", "--quiet")
    assert "the repository index alone" in indexed and "saved the KV state" in indexed
    answer = json.loads(
        run("ask", "shop", "Add a --json flag to the export command", "--agent",
            "--budget", "1", "--max-tokens", "32", "--json")
    )  # fmt: skip
    assert answer["usage"]["cached_prompt_tokens"] > 100  # only the request was prefilled
    # Sleep stored the lookup table with the index; the request's words found files.
    assert "shop/export.py" in answer["looked_up"]
    assert set(answer["looked_up"]) <= set(take_snapshot(shop_repo).paths)
    states = run("cache", "show")
    assert states.count("shop agent, notes ") == 2 and "shop agent, no notes" in states
    shown = run("context", "show", "shop")
    assert "repo-map" in shown and "repo-index" in shown and "complete" in shown
