"""Directory contexts on the command line: add a folder, refresh, sleep, ask --agent.

Real git repositories and a real SQLite file; the agent's replies are scripted.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result

from helpers.git_repos import commit, init_repo, write

Invoke = Callable[..., Result]

FILES = {
    "shop/cli.py": "def export(fmt):\n    return fmt\n",
    "shop/export.py": "def export_csv(orders):\n    return ''\n",
    "shop/models.py": "class Order:\n    total = 0\n",
    "shop/prices.py": "TAX = 0.2\n",
    "README.md": "# Shop\n",
}
SCRIPTED = ("--backend", "scripted")
MAP_REPLIES = (
    '<tool name="read_file">{"path": "shop/cli.py"}</tool>',
    "<answer>CLI in shop/cli.py; formats in shop/export.py.</answer>",
)
ASK_REPLY = "<answer>\n- shop/cli.py: the flag\n- shop/export.py: JSON output</answer>"


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = init_repo(tmp_path / "shop")
    commit(root, "Start", dict(FILES))
    return root


def test_add_sleep_ask_a_repository(
    invoke: Invoke, repo: Path, replies: Callable[..., str]
) -> None:
    added = invoke("context", "add", "shop", f"{repo}/")
    assert added.exit_code == 0, added.output
    assert "git repository" in added.output and "5 files" in added.output
    assert "revision 1" in added.output
    again = invoke("context", "refresh", "shop")
    assert again.exit_code == 0 and "unchanged, still revision 1" in again.output
    slept = invoke("sleep", "shop", "--map", *SCRIPTED, "--model", replies(*MAP_REPLIES), "--quiet")
    assert slept.exit_code == 0, slept.output
    assert "2 agent steps, 1 tool calls" in slept.output and "ask shop" in slept.output
    asked = invoke("ask", "shop", "Add a --json flag", "--agent", "--budget", "3", *SCRIPTED,
                   "--model", replies(ASK_REPLY))  # fmt: skip
    assert asked.exit_code == 0, asked.output
    assert "files to change:\n  shop/cli.py\n  shop/export.py" in asked.output
    assert "budget 3 steps: 1 steps" in asked.output and "test-time tokens" in asked.output
    shown = invoke("context", "show", "shop")
    assert f"folder: {repo}" in shown.output and "sleeptime directory snapshot v1" in shown.output


def test_ask_json_and_incremental_sleep(
    invoke: Invoke, repo: Path, replies: Callable[..., str]
) -> None:
    invoke("context", "add", "shop", str(repo))
    invoke("sleep", "shop", "--map", *SCRIPTED, "--model", replies(*MAP_REPLIES), "--quiet")
    commit(repo, "json flag", {"shop/cli.py": "def export(fmt, json=False):\n    return fmt\n"})
    stale = invoke("ask", "shop", "Add a flag", "--agent", *SCRIPTED, "--model", replies(ASK_REPLY))
    assert (
        stale.exit_code == 3 and "no notes yet" in stale.output and "--allow-stale" in stale.output
    )
    slept = invoke("sleep", "shop", "--map", *SCRIPTED, "--model", replies(*MAP_REPLIES), "--quiet")
    assert "incremental: from the map of revision 1, 1 of 5 files changed" in slept.output
    asked = invoke("ask", "shop", "Add a flag", "--agent", "--budget", "8", "--json", *SCRIPTED,
                   "--model", replies(ASK_REPLY))  # fmt: skip
    data = json.loads(asked.output)
    assert data["files"] == ["shop/cli.py", "shop/export.py"] and data["revision"] == 2
    assert data["steps_budget"] == 8 and data["usage"]["prompt_tokens"] > 0
    assert data["budget_given"] is True


def test_sleep_without_the_map_needs_no_model(
    invoke: Invoke, repo: Path, replies: Callable[..., str]
) -> None:
    invoke("context", "add", "shop", str(repo))
    slept = invoke("sleep", "shop", "--no-map", *SCRIPTED, "--quiet")  # no model is asked
    assert slept.exit_code == 0, slept.output
    assert "the repository index alone (no model call" in slept.output
    assert "word lookup: 4 files' words stored" in slept.output  # shop/*.py
    asked = invoke("ask", "shop", "Add a flag", "--agent", "--json", *SCRIPTED, "--model",
                   replies(ASK_REPLY))  # fmt: skip
    assert asked.exit_code == 0, asked.output
    assert json.loads(asked.output)["files"] == ["shop/cli.py", "shop/export.py"]
    assert json.loads(asked.output)["looked_up"] == []  # "flag" is in no file's entry
    # With no --budget the lookup found nothing, so the agent answered at 8 steps.
    assert json.loads(asked.output)["steps_budget"] == 8
    assert json.loads(asked.output)["budget_given"] is False
    # A request whose words the index has: the list is printed apart from the answer.
    listed = invoke("ask", "shop", "Add prices to the csv export", "--agent", "--budget", "8",
                    *SCRIPTED, "--model", replies(ASK_REPLY))  # fmt: skip
    assert listed.exit_code == 0, listed.output
    assert "[listed after the request by the word lookup: shop/export.py" in listed.output
    # With no --budget, the lookup that finds files answers: no model, and it says how.
    auto = invoke("ask", "shop", "Add prices to the csv export", "--agent")
    assert auto.exit_code == 0, auto.output
    assert "files to change:\n  shop/export.py" in auto.output
    assert "budget 0 steps (default)" in auto.output and "--budget 8 lets the agent" in auto.output
    data = json.loads(
        invoke("ask", "shop", "Add prices to the csv export", "--agent", "--json").output
    )
    assert data["steps_budget"] == 0 and data["budget_given"] is False
    assert data["stop"] == "lookup" and data["usage"]["calls"] == 0
    # A step budget of 0: the lookup is the answer, no model is asked, and it says so.
    zero = invoke("ask", "shop", "Add prices to the csv export", "--agent", "--budget", "0")
    assert zero.exit_code == 0, zero.output
    assert "files to change:\n  shop/export.py" in zero.output
    assert "no model ran" in zero.output and "stopped by lookup" in zero.output
    assert "test-time tokens 0 prompt (0 cached) + 0 generated" in zero.output
    assert "[listed after the request" not in zero.output  # the list is the answer here
    data = json.loads(
        invoke("ask", "shop", "Add prices to the csv export", "--agent", "--budget", "0",
               "--json").output
    )  # fmt: skip
    assert data["files"] == data["looked_up"] and data["stop"] == "lookup"
    assert data["steps"] == 0 and data["usage"]["calls"] == 0
    nothing = invoke("ask", "shop", "Make it quicker please", "--agent", "--budget", "0")
    assert nothing.exit_code == 0 and "found no file sharing a word" in nothing.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("context", "add", "x", "{missing}/"), "does not exist"),
        (("context", "add", "x", "{file}", "--include", "*.py"), "apply to a folder"),
        (("context", "refresh", "text"), "holds text"),
        (("ask", "text", "Add a flag", "--agent", *SCRIPTED), "holds text"),
        (("ask", "shop", "Add a flag", "--budget", "7"), "step budgets are for --agent"),
        (("ask", "shop", "Add a flag", "--mode", "baseline", *SCRIPTED), "--agent"),
        (
            ("ask", "shop", "Add a flag", "--agent", "--budget", "0", "--mode", "baseline"),
            "needs sleep mode",
        ),
        (("ask", "shop", "Add a flag", "--agent", "--budget", "0"), "no notes yet"),
        (("sleep", "shop", "--recipe", "vote:3", *SCRIPTED), "one exploring agent"),
        (("sleep", "shop", "--no-map", "--index-chars", "0"), "index is off"),
        (("sleep", "text", "--no-map", *SCRIPTED), "holds text"),
    ],
)
def test_bad_input_says_what_to_do(
    invoke: Invoke, repo: Path, tmp_path: Path, args: tuple[str, ...], message: str
) -> None:
    text = tmp_path / "note.txt"
    text.write_text("hello\n")
    assert invoke("context", "add", "shop", str(repo)).exit_code == 0
    assert invoke("context", "add", "text", str(text)).exit_code == 0
    filled = [a.format(missing=tmp_path / "missing", file=text) for a in args]
    result = invoke(*filled)
    assert result.exit_code != 0
    assert message in result.output


def test_a_symlink_out_of_the_tree_is_reported_not_read(
    invoke: Invoke, repo: Path, tmp_path: Path
) -> None:
    outside = tmp_path / "outside.txt"
    outside.write_text("secret\n")
    (repo / "link.txt").symlink_to(outside)
    write(repo, {"huge.log": "x" * 5000})
    result = invoke("context", "add", "shop", str(repo), "--max-file-bytes", "1000")
    assert result.exit_code == 0, result.output
    assert "skipped link.txt: symlink that leaves the tree" in result.output
    assert "skipped huge.log: too large" in result.output
    shown = invoke("context", "show", "shop", "--full")
    assert "secret" not in shown.output and "link.txt" not in shown.output
