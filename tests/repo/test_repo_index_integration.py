"""The repository index on the real embedded model (SmolLM2-135M): c' with the index fits,
is stored, and the answering agent reads it, end to end through the command line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sleeptime.backends.model_files import default_model_path
from sleeptime.errors import ConfigError
from sleeptime.repo.snapshot import take_snapshot


@pytest.mark.integration
def test_embedded_model_sleeps_with_the_index_and_answers_from_it(
    shop_repo: Path, tmp_path: Path
) -> None:
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

    run("context", "add", "shop", f"{shop_repo}/")
    slept = run("sleep", "shop", "--map", "--max-rounds", "1", "--round-tokens", "48",
                "--index-chars", "1500", "--quiet")  # fmt: skip
    assert "index (repo_index@v1, no model)" in slept
    shown = run("context", "show", "shop", "--full")
    # Whatever SmolLM2 wrote, the index names the files and what the history says.
    assert "## Repository index" in shown and '"Add a --json flag to export"' in shown
    assert "- shop/models.py (3 commits) | defines: Order" in shown
    answer = json.loads(
        run("ask", "shop", "Add a --json flag to the export command", "--agent",
            "--budget", "1", "--max-tokens", "48", "--json")
    )  # fmt: skip
    assert answer["steps"] == 1 and answer["usage"]["prompt_tokens"] > 400
    assert set(answer["files"]) <= set(take_snapshot(shop_repo).paths)
