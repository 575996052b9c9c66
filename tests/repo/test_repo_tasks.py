"""Benchmark tasks mined from git history, and the file F1 metric."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from helpers.git_repos import commit, git, init_repo, write
from sleeptime.backends.base import ToolCall
from sleeptime.errors import InputError
from sleeptime.repo.metrics import file_f1
from sleeptime.repo.snapshot import take_snapshot
from sleeptime.repo.tasks import MinerOptions, mine_tasks, parent_checkout, request_text
from sleeptime.repo.tools import RepoTools

BUNDLE = Path("/work/shared/data/repos/simonw-llm.bundle")


def test_small_repository_yields_one_task_with_paths_stripped(shop_repo: Path) -> None:
    tasks = mine_tasks(shop_repo)
    assert len(tasks) == 1
    task = tasks[0]
    assert task.commit == git(shop_repo, "rev-parse", "HEAD").strip()
    assert task.parent == git(shop_repo, "rev-parse", "HEAD~1").strip()
    assert task.targets == ("shop/cli.py", "shop/export.py", "shop/models.py")  # not the test
    assert task.subject == "Add a --json flag to export"
    assert "shop/cli.py" not in task.request and "export.py" not in task.request
    assert "The export command in can now write JSON through, and Order gains to_dict." in (
        task.request
    )


def test_added_files_are_not_targets_and_thresholds_apply(shop_repo: Path) -> None:
    commit(
        shop_repo,
        "Add payments",
        {"shop/pay.py": "x = 1\n", "shop/cli.py": "a\n", "shop/models.py": "b\n"},
    )
    tasks = mine_tasks(shop_repo)
    assert [t.subject for t in tasks] == ["Add a --json flag to export"]  # 2 existing + 1 new
    loose = mine_tasks(shop_repo, MinerOptions(min_files=2))
    assert loose[0].targets == ("shop/cli.py", "shop/models.py")
    assert loose[0].added == ("shop/pay.py",)
    assert mine_tasks(shop_repo, MinerOptions(min_files=2, max_files=2)) == [loose[0]]


def test_merge_commits_are_taken_only_when_asked(shop_repo: Path) -> None:
    git(shop_repo, "checkout", "-q", "-b", "feature")
    commit(shop_repo, "Part one", {"shop/cli.py": "one\n"})
    commit(shop_repo, "Part two", {"shop/models.py": "two\n", "shop/export.py": "two\n"})
    git(shop_repo, "checkout", "-q", "main")
    git(shop_repo, "merge", "-q", "--no-ff", "-m", "Merge the feature branch", "feature")
    assert "Merge the feature branch" not in [t.subject for t in mine_tasks(shop_repo)]
    merged = [t for t in mine_tasks(shop_repo, MinerOptions(merges=True)) if "Merge" in t.subject]
    assert len(merged) == 1 and len(merged[0].targets) == 3


def test_request_text_drops_paths_modules_urls_and_trailers() -> None:
    message = (
        "Add `--json` to llm/cli.py export (see llm.models), refs #12\n\n"
        "Uses setup.py and docs/usage.md. Details: https://example.org/a/b\n\n"
        "Refs #12\nCo-authored-by: A <a@example.org>"
    )
    text = request_text(message, ("llm/cli.py", "llm/models.py"))
    assert text == "Add `--json` to export (see), refs #12\n\nUses and. Details:"


def test_parent_checkout_hides_the_answer(shop_repo: Path, tmp_path: Path) -> None:
    task = mine_tasks(shop_repo)[0]
    dest = tmp_path / "at-parent"
    with parent_checkout(shop_repo, task, dest) as root:
        snap = take_snapshot(root)
        assert snap.head == task.parent
        assert "to_dict" not in (root / "shop/models.py").read_text()
        tools = RepoTools(snap)
        assert "--json" not in tools.execute(ToolCall("git_log", {})).text
        assert "no commit" in tools.execute(ToolCall("git_show", {"commit": task.commit})).text
    assert not dest.exists()
    assert git(shop_repo, "worktree", "list").count("\n") == 1


def test_bad_repositories_are_refused(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="not a git repository"):
        mine_tasks(tmp_path)
    with pytest.raises(InputError, match="no commits yet"):
        mine_tasks(init_repo(tmp_path / "empty"))
    write(tmp_path, {"f.txt": "x"})
    with pytest.raises(InputError, match="not a git repository"):
        mine_tasks(tmp_path / "f.txt")


def test_file_f1() -> None:
    assert file_f1(["a", "b"], ["a", "c", "d"]).f1 == pytest.approx(
        2 * 0.5 * (1 / 3) / (0.5 + 1 / 3)
    )
    assert file_f1(["a"], ["a"]).f1 == 1.0
    assert file_f1([], ["a"]).f1 == 0.0
    assert file_f1(["x"], ["a"]).hits == 0


@pytest.fixture(scope="module")
def llm_clone(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if not BUNDLE.is_file():
        pytest.skip(f"{BUNDLE} is missing; see ../shared/data/SOURCES.md to fetch it")
    dest = tmp_path_factory.mktemp("llm") / "llm"
    subprocess.run(["git", "clone", "-q", str(BUNDLE), str(dest)], check=True, timeout=120)
    return dest


def test_mining_the_simonw_llm_history(llm_clone: Path) -> None:
    tasks = mine_tasks(llm_clone)
    assert len(tasks) >= 20  # enough for the real run
    for task in tasks:
        assert 3 <= len(task.targets) <= 20
        assert all(path.endswith(".py") or path.endswith(".sh") for path in task.targets)
        assert not any(p.startswith(("tests/", "docs/", "build/")) for p in task.targets)
        assert not any(p in task.request for p in task.targets)
        assert task.request.strip()
    # Every target existed at the parent: an agent there can find it.
    sample = tasks[0]
    listed = git(llm_clone, "ls-tree", "-r", "--name-only", sample.parent).splitlines()
    assert set(sample.targets) <= set(listed)
