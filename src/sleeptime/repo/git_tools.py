"""The git tools: recent history and one commit, bounded to what HEAD can reach.

The benchmark checks a repository out at the parent of the commit it asks about; the
commit itself is still in the object store. Showing only commits that are ancestors of
HEAD keeps the answer out of the model's reach.
"""

from __future__ import annotations

import re
from typing import Any

from sleeptime.repo.gitio import GitError, git_text, run_git
from sleeptime.repo.paths import ToolError, normalize, resolve_inside
from sleeptime.repo.snapshot import Snapshot

_COMMIT = re.compile(r"^(?:[0-9a-fA-F]{4,40}|HEAD(?:~\d{1,4})?)$")


def _require_history(snapshot: Snapshot) -> None:
    if snapshot.kind != "git":
        raise ToolError("this folder is not a git repository, so it has no history to show")
    if snapshot.head is None:
        raise ToolError("this repository has no commits yet")


def git_log(snapshot: Snapshot, arguments: dict[str, Any], cap: int) -> str:
    """Recent commits reachable from HEAD, newest first, optionally touching one path."""
    _require_history(snapshot)
    raw_limit = arguments.get("limit", 10)
    try:
        limit = int(raw_limit) if raw_limit not in (None, "") else 10
    except (TypeError, ValueError):
        raise ToolError(f"limit must be a whole number, got {raw_limit!r}") from None
    limit = min(max(limit, 1), cap)
    path = normalize(arguments.get("path") or "")
    args = ["log", f"-n{limit}", "--date=short", "--format=%h %ad %an: %s", "HEAD"]
    if path:
        resolve_inside(snapshot.root, path)
        args += ["--", path]
    try:
        out = git_text(snapshot.root, *args).strip()
    except GitError as exc:
        raise ToolError(str(exc)) from None
    if not out:
        return f"no commits touch {path}" if path else "no commits"
    return out


def git_show(snapshot: Snapshot, arguments: dict[str, Any], diff_chars: int) -> str:
    """One commit's message, changed files and the start of its diff."""
    _require_history(snapshot)
    ref = str(arguments.get("commit") or "").strip()
    if not _COMMIT.match(ref):
        raise ToolError(f"{ref!r} is not a commit hash; take one from git_log")
    done = run_git(
        snapshot.root, "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}", check=False
    )
    sha = done.stdout.decode("ascii", "replace").strip()
    if done.returncode != 0 or not sha:
        raise ToolError(f"no commit {ref!r} in this history; take a hash from git_log")
    reachable = run_git(snapshot.root, "merge-base", "--is-ancestor", sha, "HEAD", check=False)
    if reachable.returncode != 0:
        raise ToolError(f"no commit {ref!r} in this history; take a hash from git_log")
    try:
        head = git_text(
            snapshot.root,
            "show",
            "--stat=120",
            "--date=short",
            "--format=commit %h%nDate: %ad%nAuthor: %an%n%n%B",
            sha,
        ).strip()
        diff = git_text(snapshot.root, "show", "--format=", "--patch", sha).strip()
    except GitError as exc:
        raise ToolError(str(exc)) from None
    if len(diff) > diff_chars:
        diff = diff[:diff_chars] + f"\n[diff cut at {diff_chars} characters]"
    return f"{head}\n\n{diff}" if diff else head
