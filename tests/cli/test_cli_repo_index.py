"""``sleeptime sleep NAME --index-chars N`` on a directory context, and on a text one."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from click.testing import Result

from helpers.git_repos import commit, init_repo

Invoke = Callable[..., Result]
SCRIPTED = ("--backend", "scripted")
MAP_REPLIES = (
    '<tool name="read_file">{"path": "shop/cli.py"}</tool>',
    "<answer>CLI in shop/cli.py; formats in shop/export.py.</answer>",
)


def test_sleep_with_the_index(invoke: Invoke, tmp_path: Path, replies: Callable[..., str]) -> None:
    repo = init_repo(tmp_path / "shop")
    commit(
        repo,
        "Start",
        {"shop/cli.py": "def export(fmt):\n    return fmt\n", "README.md": "# Shop\n"},
    )
    assert invoke("context", "add", "shop", str(repo)).exit_code == 0
    slept = invoke("sleep", "shop", "--map", *SCRIPTED, "--model", replies(*MAP_REPLIES), "--quiet",
                   "--index-chars", "2000")  # fmt: skip
    assert slept.exit_code == 0, slept.output
    assert "index (repo_index@v1, no model): 2 files in" in slept.output
    shown = invoke("context", "show", "shop", "--full")
    assert "## Repository index" in shown.output and "defines: export()" in shown.output
    small = invoke("sleep", "shop", *SCRIPTED, "--index-chars", "50")
    assert small.exit_code != 0 and "--index-chars" in small.output
    text = tmp_path / "note.txt"
    text.write_text("hello\n")
    assert invoke("context", "add", "note", str(text)).exit_code == 0
    refused = invoke("sleep", "note", *SCRIPTED, "--index-chars", "2000")
    assert refused.exit_code != 0 and "directory contexts" in refused.output
