"""Benchmark tasks mined from any local git history (the SWE-Features setting).

A commit that changes at least three existing source files becomes a task: its message,
with file paths taken out, is the feature request; the source files it changed are the
target; the repository at its parent is the context. Files the commit added are kept
apart: no agent can find a file that does not exist yet. Tests and docs are not source by
default, so a task asks for the code change, not for the test that came with it.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pathspec

from sleeptime.errors import InputError
from sleeptime.repo.gitio import git_text, head_commit, run_git, work_tree_root

_SOURCE_EXTENSIONS = (
    "py c h cc cpp hpp cs go rs java kt scala swift rb php js jsx ts tsx mjs sh lua"
)
SOURCE_PATTERNS: tuple[str, ...] = tuple(f"*.{ext}" for ext in _SOURCE_EXTENSIONS.split())
NOT_SOURCE_PATTERNS: tuple[str, ...] = (
    "tests/",
    "test/",
    "testing/",
    "docs/",
    "build/",
    "dist/",
    "vendor/",
    "node_modules/",
    "test_*",
    "*_test.*",
    "*_tests.*",
    "conftest.py",
)
_EXTENSIONS = (
    "py|pyi|c|h|cc|cpp|hpp|cs|go|rs|java|kt|scala|swift|rb|php|js|jsx|ts|tsx|mjs|sh|lua|"
    "md|rst|txt|toml|cfg|ini|json|ya?ml|html|css|lock"
)
_PATH = re.compile(
    rf"`?(?<![\w@/-])(?:\w[\w.\-]*/)+[\w.\-]*\w`?|`?(?<![\w@/-])[\w\-.]+\.(?:{_EXTENSIONS})\b`?"
)
_URL = re.compile(r"https?://\S+")
_TRAILER = re.compile(
    r"^\s*(?:[A-Z][\w-]*-by:.*|(?:Refs?|Closes|Fixes|See)\b[\s:#\d,]*)$",
    re.MULTILINE | re.IGNORECASE,
)
_BARE = re.compile(r"^\s*[-*+•]?\s*$")


@dataclass(frozen=True, slots=True)
class MinerOptions:
    """Which commits become tasks and which files count as source."""

    min_files: int = 3
    """Least number of existing source files a commit must change."""
    max_files: int | None = 20
    """Most; sweeping refactors say little about where a feature lives (None: no limit)."""
    source: tuple[str, ...] = SOURCE_PATTERNS
    not_source: tuple[str, ...] = NOT_SOURCE_PATTERNS
    merges: bool = False
    """Also take merge commits, diffed against their first parent."""
    min_request_chars: int = 12
    """Commits whose message is shorter than this once paths are removed are skipped."""


@dataclass(frozen=True, slots=True)
class RepoTask:
    """One feature request with the files that really had to change."""

    commit: str
    parent: str
    date: str
    request: str
    targets: tuple[str, ...]
    """Source files that existed at the parent and the commit modified or deleted."""
    added: tuple[str, ...]
    """Source files the commit created (not part of the target)."""

    @property
    def subject(self) -> str:
        """First line of the request."""
        return self.request.splitlines()[0] if self.request else ""


def request_text(message: str, changed: tuple[str, ...] = (), max_chars: int = 1500) -> str:
    """The commit message as a request: no file paths, module names, URLs or trailers."""
    text = _TRAILER.sub("", message)
    text = _URL.sub("", text)
    for path in sorted(changed, key=len, reverse=True):
        stem = path.rsplit(".", 1)[0]
        for name in (path, stem.replace("/", ".")):
            if "." in name or "/" in name:
                text = text.replace(f"`{name}`", "").replace(name, "")
    text = _PATH.sub("", text)
    text = re.sub(r"``", "", text)
    text = re.sub(r"[ \t]+([,.;:)])", r"\1", text)
    text = re.sub(r"\(\s*\)", "", text)
    text = re.sub(r"[ \t]{2,}", " ", text)
    text = _TRAILER.sub("", text)  # again: "Refs <url>" is bare only now
    lines = ["" if _BARE.match(line) else line.rstrip() for line in text.strip().splitlines()]
    text = re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()
    if len(text) > max_chars:
        head = text[:max_chars]
        cut = head.rfind("\n\n")
        text = (head[:cut] if cut > max_chars // 3 else head).rstrip()
    return text


def _spec(patterns: tuple[str, ...]) -> pathspec.GitIgnoreSpec:
    return pathspec.GitIgnoreSpec.from_lines(patterns)


def _log(root: Path, merges: bool) -> str:
    args = ["log", "--format=%x1e%H%x1f%P%x1f%aI%x1f%B%x1d", "--name-status", "--no-renames"]
    args += ["--diff-merges=first-parent"] if merges else ["--no-merges"]
    return git_text(root, *args, "HEAD", timeout_s=120)


def mine_tasks(repo: Path, options: MinerOptions | None = None) -> list[RepoTask]:
    """Return tasks from the history of HEAD in ``repo``, newest first.

    Raises ``InputError`` when ``repo`` is not a git repository or has no commits.
    """
    options = options or MinerOptions()
    if not repo.is_dir() or work_tree_root(repo) is None:
        raise InputError(f"{repo} is not a git repository; give the folder of a git clone")
    if head_commit(repo) is None:
        raise InputError(f"{repo} has no commits yet; there is no history to mine tasks from")
    source, not_source = _spec(options.source), _spec(options.not_source)
    tasks: list[RepoTask] = []
    for chunk in _log(repo, options.merges).split("\x1e"):
        header, _, changes = chunk.partition("\x1d")
        fields = header.split("\x1f")
        if len(fields) != 4 or not fields[1].strip():
            continue  # the empty lead-in, or a root commit with no parent to start from
        sha, parents, date, message = fields
        targets: list[str] = []
        added: list[str] = []
        for line in changes.strip().splitlines():
            status, _, path = line.partition("\t")
            if not path or not source.match_file(path) or not_source.match_file(path):
                continue
            (added if status.startswith("A") else targets).append(path)
        if len(targets) < options.min_files:
            continue
        if options.max_files is not None and len(targets) > options.max_files:
            continue
        request = request_text(message, tuple(targets + added))
        if len(request) < options.min_request_chars:
            continue
        tasks.append(
            RepoTask(
                commit=sha,
                parent=parents.split()[0],
                date=date,
                request=request,
                targets=tuple(sorted(set(targets))),
                added=tuple(sorted(set(added))),
            )
        )
    return tasks


@contextmanager
def parent_checkout(repo: Path, task: RepoTask, dest: Path) -> Iterator[Path]:
    """Check the task's parent commit out at ``dest`` (a git worktree) and remove it after.

    HEAD there is the parent, so the repository tools see the history up to the task and
    not the commit that answers it.
    """
    if dest.exists():
        raise InputError(f"{dest} already exists; give a new folder for the checkout")
    run_git(repo, "worktree", "add", "--quiet", "--detach", str(dest), task.parent, timeout_s=120)
    try:
        yield dest
    finally:
        run_git(repo, "worktree", "remove", "--force", str(dest), check=False)
        if dest.exists():
            shutil.rmtree(dest, ignore_errors=True)
        run_git(repo, "worktree", "prune", check=False)
