"""Repository tools: results for the model, refusals for anything outside the tree."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from helpers.git_repos import commit, git, init_repo, write
from sleeptime.backends.base import ToolCall
from sleeptime.repo.snapshot import SnapshotOptions, take_snapshot
from sleeptime.repo.tools import RepoTools, ToolLimits


def _run(tools: RepoTools, name: str, **arguments: object) -> str:
    return tools.execute(ToolCall(name=name, arguments=dict(arguments))).text


@pytest.fixture
def tools(shop_repo: Path) -> RepoTools:
    return RepoTools(take_snapshot(shop_repo))


def test_list_files_by_glob_and_folder(tools: RepoTools) -> None:
    out = _run(tools, "list_files", pattern="*.py")
    assert "shop/cli.py" in out and "tests/test_cli.py" in out and "README.md" not in out
    folder = _run(tools, "list_files", pattern="shop")
    assert folder.startswith("4 file(s)")
    assert "no files match" in _run(tools, "list_files", pattern="*.rs")


def test_read_file_range_is_numbered_and_capped(shop_repo: Path) -> None:
    write(shop_repo, {"long.py": "".join(f"line {i}\n" for i in range(1, 501))})
    tools = RepoTools(take_snapshot(shop_repo), ToolLimits(read_lines=50))
    out = _run(tools, "read_file", path="long.py", start_line=10, end_line=400)
    assert out.splitlines()[0] == "long.py lines 10-59 of 500 (continue with start_line 60):"
    assert "   10  line 10" in out and "   60  line 60" not in out
    assert "only 500 lines" in _run(tools, "read_file", path="./long.py", start_line=900)


def test_read_file_explains_missing_folder_and_skipped_paths(shop_repo: Path) -> None:
    write(shop_repo, {"logo.png": b"\x89PNG\0\0", "app.log": "ignored"})
    tools = RepoTools(take_snapshot(shop_repo))
    assert "did you mean shop/cli.py" in _run(tools, "read_file", path="cli.py")
    assert "is a folder" in _run(tools, "read_file", path="shop")
    assert "binary" in _run(tools, "read_file", path="logo.png")
    assert "no file app.log" in _run(tools, "read_file", path="app.log")


@pytest.mark.parametrize(
    "path",
    ["../../etc/passwd", "/etc/passwd", "shop/../../outside.txt", "C:\\Windows\\win.ini", "~/x"],
)
def test_paths_that_leave_the_tree_are_refused(tools: RepoTools, path: str) -> None:
    result = tools.execute(ToolCall(name="read_file", arguments={"path": path}))
    assert not result.ok
    assert result.text.startswith("error: refused")
    assert "root:" not in result.text


def test_symlink_to_etc_is_refused_by_every_tool(shop_repo: Path, tmp_path: Path) -> None:
    os.symlink("/etc", shop_repo / "etc")
    os.symlink("/etc/passwd", shop_repo / "passwd")
    tools = RepoTools(take_snapshot(shop_repo))
    for call in (
        ToolCall("read_file", {"path": "etc/passwd"}),
        ToolCall("read_file", {"path": "passwd"}),
        ToolCall("git_log", {"path": "etc"}),
    ):
        result = tools.execute(call)
        assert not result.ok, call
        assert "root:" not in result.text
    assert "etc/" not in _run(tools, "list_files")
    assert "no matches" in _run(tools, "search", query="root:")


def test_a_file_swapped_for_a_link_after_the_snapshot_is_refused(shop_repo: Path) -> None:
    tools = RepoTools(take_snapshot(shop_repo))
    (shop_repo / "README.md").unlink()
    os.symlink("/etc/passwd", shop_repo / "README.md")
    assert "points outside the repository" in _run(tools, "read_file", path="README.md")


def test_a_file_grown_huge_after_the_snapshot_is_refused(shop_repo: Path) -> None:
    tools = RepoTools(take_snapshot(shop_repo, SnapshotOptions(max_file_bytes=10_000)))
    with (shop_repo / "README.md").open("ab") as handle:
        handle.truncate(1 << 30)
    assert "larger than 10,000 bytes" in _run(tools, "read_file", path="README.md")


def test_search_fixed_string_and_regex(tools: RepoTools) -> None:
    out = _run(tools, "search", query="def export")
    assert "shop/cli.py:4: def export(fmt, json=False):" in out
    assert "shop/export.py:4: def export_json(orders):" in out
    assert "shop/export.py:" in _run(tools, "search", query=r"export_\w+", regex=True)
    assert "no matches" in _run(tools, "search", query=r"export_\w+")  # fixed string
    assert "invalid regular expression" in _run(tools, "search", query="(", regex=True)
    only_tests = _run(tools, "search", query="def", pattern="tests/*")
    assert "shop/" not in only_tests and "tests/test_cli.py" in only_tests


def test_search_stops_at_its_time_limit(shop_repo: Path) -> None:
    write(shop_repo, {"slow.txt": "a" * 5000 + "!\n"})
    tools = RepoTools(take_snapshot(shop_repo), ToolLimits(search_seconds=0.2))
    out = _run(tools, "search", query=r"(a|aa)+$", regex=True)
    assert "stopped after 0.2 s" in out


def test_git_log_and_show(tools: RepoTools, shop_repo: Path) -> None:
    log = _run(tools, "git_log")
    assert log.splitlines()[0].endswith("Test Author: Add a --json flag to export")
    assert len(log.splitlines()) == 3
    assert len(_run(tools, "git_log", path="shop/models.py").splitlines()) == 3
    assert len(_run(tools, "git_log", path="README.md", limit=5).splitlines()) == 1
    first = git(shop_repo, "rev-list", "--max-parents=0", "HEAD").strip()
    shown = _run(tools, "git_show", commit=first[:8])
    assert "Start the shop" in shown and "shop/cli.py" in shown and "+class Order:" in shown


def test_git_show_refuses_commits_beyond_head(shop_repo: Path) -> None:
    parent = git(shop_repo, "rev-parse", "HEAD~1").strip()
    child = git(shop_repo, "rev-parse", "HEAD").strip()
    git(shop_repo, "checkout", "-q", "--detach", parent)
    tools = RepoTools(take_snapshot(shop_repo))
    assert "no commit" in _run(tools, "git_show", commit=child)
    assert "--json" not in _run(tools, "git_log")
    assert "not a commit hash" in _run(tools, "git_show", commit="--all")


def test_git_tools_on_a_plain_folder_and_an_empty_repository(tmp_path: Path) -> None:
    write(tmp_path / "docs", {"a.md": "text"})
    plain = RepoTools(take_snapshot(tmp_path / "docs"))
    assert "not a git repository" in _run(plain, "git_log")
    empty = init_repo(tmp_path / "empty")
    write(empty, {"a.md": "text"})
    tools = RepoTools(take_snapshot(empty))
    assert "no commits yet" in _run(tools, "git_show", commit="HEAD")
    assert "a.md" in _run(tools, "list_files")


def test_malformed_calls_become_error_results(tools: RepoTools) -> None:
    unknown = tools.execute(ToolCall("delete_file", {"path": "x"}))
    assert not unknown.ok and "no tool named 'delete_file'" in unknown.text
    bad_json = tools.execute(ToolCall("read_file", {}, raw='{"path": "shop/cli.py'))
    assert not bad_json.ok and "not a JSON object" in bad_json.text
    missing = tools.execute(ToolCall("read_file", {}))
    assert "missing argument 'path'" in missing.text
    wrong_type = tools.execute(ToolCall("read_file", {"path": ["a"]}))
    assert "must be a string" in wrong_type.text
    bad_line = tools.execute(ToolCall("read_file", {"path": "shop/cli.py", "start_line": "x"}))
    assert "whole number" in bad_line.text


def test_tools_read_only_inside_a_subfolder_root(shop_repo: Path) -> None:
    commit(shop_repo, "docs", {"docs/guide.md": "guide\n"})
    tools = RepoTools(take_snapshot(shop_repo / "docs"))
    assert _run(tools, "list_files").startswith("1 file(s)")
    assert _run(tools, "read_file", path="../README.md").startswith("error: refused")
