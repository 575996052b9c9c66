"""Snapshots: which files a folder or git repository contributes, and its revision hash."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from helpers.git_repos import commit, git, init_repo, write
from sleeptime.errors import InputError
from sleeptime.repo.snapshot import SnapshotOptions, diff_snapshots, take_snapshot


def test_git_repo_honours_gitignore_and_lists_untracked(shop_repo: Path) -> None:
    write(shop_repo, {"build/out.py": "x = 1\n", "debug.log": "noise\n", "notes.txt": "new\n"})
    snap = take_snapshot(shop_repo)
    assert snap.kind == "git"
    assert snap.head == git(shop_repo, "rev-parse", "HEAD").strip()
    assert "notes.txt" in snap.paths  # untracked but not ignored
    assert "build/out.py" not in snap.paths
    assert "debug.log" not in snap.paths
    assert "shop/cli.py" in snap.paths
    assert not any(p.startswith(".git/") for p in snap.paths)


def test_plain_folder_honours_nested_gitignore_files(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            ".gitignore": "*.tmp\nout/\n",
            "docs/.gitignore": "draft*\n!draft-keep.md\n",
            "docs/draft1.md": "draft",
            "docs/draft-keep.md": "kept",
            "docs/guide.md": "guide",
            "a.tmp": "x",
            "out/report.md": "generated",
            ".git/config": "not a repo but looks like one",
        },
    )
    snap = take_snapshot(tmp_path)
    assert snap.kind == "folder"
    assert snap.head is None
    assert set(snap.paths) == {
        ".gitignore",
        "docs/.gitignore",
        "docs/draft-keep.md",
        "docs/guide.md",
    }


def test_binaries_huge_files_and_caps_are_skipped_with_reasons(tmp_path: Path) -> None:
    write(tmp_path, {"a.txt": "a" * 10, "b.txt": "b" * 10, "img.png": b"\x89PNG\0\0data"})
    with (tmp_path / "huge.txt").open("wb") as handle:
        handle.truncate(1 << 30)  # a 1 GB sparse file: must be refused without reading it
    snap = take_snapshot(tmp_path, SnapshotOptions(max_file_bytes=1000, max_total_bytes=15))
    reasons = snap.skipped_by_path
    assert "binary" in reasons["img.png"]
    assert "too large" in reasons["huge.txt"]
    assert snap.paths == ("a.txt",)
    assert "total size cap" in reasons["b.txt"]


def test_include_and_exclude_globs(shop_repo: Path) -> None:
    snap = take_snapshot(shop_repo, SnapshotOptions(include=("*.py",), exclude=("tests/",)))
    assert set(snap.paths) == {
        "shop/__init__.py",
        "shop/cli.py",
        "shop/models.py",
        "shop/export.py",
    }
    assert snap.excluded == 3  # README.md, .gitignore, tests/test_cli.py


def test_symlinks_out_of_the_tree_are_never_followed(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    write(outside, {"secret.txt": "secret"})
    root = tmp_path / "tree"
    write(root, {"real.txt": "inside"})
    os.symlink("/etc/passwd", root / "passwd")
    os.symlink(outside, root / "outdir")
    os.symlink(outside / "secret.txt", root / "secret.txt")
    os.symlink("real.txt", root / "alias.txt")
    os.symlink("missing.txt", root / "broken.txt")
    snap = take_snapshot(root)
    assert set(snap.paths) == {"real.txt", "alias.txt"}
    reasons = snap.skipped_by_path
    assert "leaves the tree" in reasons["passwd"]
    assert "leaves the tree" in reasons["outdir"]
    assert "leaves the tree" in reasons["secret.txt"]
    assert "leaves the tree" not in reasons["broken.txt"]


def test_symlinks_out_of_a_git_repo_are_never_followed(shop_repo: Path) -> None:
    os.symlink("/etc", shop_repo / "etc")
    git(shop_repo, "add", "etc")
    snap = take_snapshot(shop_repo)
    assert "etc" not in snap.paths
    assert "leaves the tree" in snap.skipped_by_path["etc"]


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads files whatever their mode")
def test_unreadable_files_are_reported_and_skipped(tmp_path: Path) -> None:
    write(tmp_path, {"ok.txt": "fine", "locked.txt": "secret"})
    (tmp_path / "locked.txt").chmod(0)
    snap = take_snapshot(tmp_path)
    assert snap.paths == ("ok.txt",)
    assert snap.skipped_by_path["locked.txt"].startswith("unreadable")


def test_special_files_are_reported_and_skipped(tmp_path: Path) -> None:
    write(tmp_path, {"ok.txt": "fine"})
    os.mkfifo(tmp_path / "pipe")  # reading it would block forever
    snap = take_snapshot(tmp_path)
    assert snap.paths == ("ok.txt",)
    assert snap.skipped_by_path["pipe"] == "not a regular file"


def test_hash_is_stable_and_changes_with_content_or_head(shop_repo: Path) -> None:
    first = take_snapshot(shop_repo)
    assert take_snapshot(shop_repo).content_hash == first.content_hash
    write(shop_repo, {"shop/cli.py": "changed\n"})
    edited = take_snapshot(shop_repo)
    assert edited.content_hash != first.content_hash
    git(shop_repo, "checkout", "-q", "--", "shop/cli.py")
    assert take_snapshot(shop_repo).content_hash == first.content_hash
    git(shop_repo, "commit", "-q", "--allow-empty", "-m", "empty")
    moved = take_snapshot(shop_repo)
    assert moved.paths == first.paths
    assert moved.content_hash != first.content_hash  # same files, new HEAD


def test_diff_names_added_removed_and_modified_files(shop_repo: Path) -> None:
    before = take_snapshot(shop_repo)
    commit(
        shop_repo,
        "Rework",
        {"shop/new.py": "x = 1\n", "shop/cli.py": "y = 2\n"},
        remove=("shop/export.py",),
    )
    diff = diff_snapshots(before, take_snapshot(shop_repo))
    assert diff.added == ("shop/new.py",)
    assert diff.removed == ("shop/export.py",)
    assert diff.modified == ("shop/cli.py",)
    assert diff.changed == ("shop/cli.py", "shop/export.py", "shop/new.py")


def test_repository_without_commits(tmp_path: Path) -> None:
    root = init_repo(tmp_path / "empty")
    write(root, {"draft.md": "first words\n"})
    snap = take_snapshot(root)
    assert snap.kind == "git"
    assert snap.head is None
    assert snap.paths == ("draft.md",)


def test_a_path_that_is_not_a_directory_is_refused(tmp_path: Path) -> None:
    write(tmp_path, {"file.txt": "text"})
    with pytest.raises(InputError, match="not a directory"):
        take_snapshot(tmp_path / "file.txt")
    with pytest.raises(InputError, match="does not exist"):
        take_snapshot(tmp_path / "nowhere")
