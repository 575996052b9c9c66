"""Running git as a subprocess, with a timeout and errors that say what to do.

Everything in ``repo/`` that needs git goes through ``run_git`` so that a hung git (a
lock, a credential prompt, a huge history) can never hang a sleep run or a query.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from sleeptime.errors import InputError

GIT_TIMEOUT_S = 30.0
"""Default limit for one git command; history walks of big repositories stay well under."""

_ENV = {
    # Never prompt for credentials or open an editor or pager: nobody is there to answer.
    "GIT_TERMINAL_PROMPT": "0",
    "GIT_PAGER": "cat",
    "GIT_EDITOR": "true",
    "LC_ALL": "C",
}


class GitError(InputError):
    """A git command failed or timed out on a repository the user gave."""


def run_git(
    root: Path, *args: str, timeout_s: float = GIT_TIMEOUT_S, check: bool = True
) -> subprocess.CompletedProcess[bytes]:
    """Run ``git -C root ARGS`` and return the finished process (stdout as bytes).

    Raises ``GitError`` when git is missing, times out, or (with ``check``) exits non-zero.
    """
    env = {**os.environ, **_ENV}
    command = ["git", "-c", "core.quotePath=false", "-C", str(root), *args]
    try:
        done = subprocess.run(command, capture_output=True, timeout=timeout_s, env=env, check=False)
    except FileNotFoundError as exc:
        raise GitError("git is not installed or not on PATH; install git and retry") from exc
    except subprocess.TimeoutExpired as exc:
        raise GitError(
            f"git {' '.join(args[:2])} took longer than {timeout_s:.0f} s in {root}; "
            "check the repository is not locked or on a slow network drive"
        ) from exc
    if check and done.returncode != 0:
        message = done.stderr.decode("utf-8", "replace").strip().splitlines()
        detail = message[-1] if message else f"exit code {done.returncode}"
        raise GitError(f"git {' '.join(args[:2])} failed in {root}: {detail}")
    return done


def git_text(root: Path, *args: str, timeout_s: float = GIT_TIMEOUT_S) -> str:
    """Run git and return its standard output as text (undecodable bytes replaced)."""
    return run_git(root, *args, timeout_s=timeout_s).stdout.decode("utf-8", "replace")


def work_tree_root(path: Path) -> Path | None:
    """Return the top of the git work tree containing ``path``, or None if it is not in one."""
    done = run_git(path, "rev-parse", "--show-toplevel", check=False)
    if done.returncode != 0:
        return None
    top = done.stdout.decode("utf-8", "replace").strip()
    return Path(top) if top else None


def head_commit(root: Path) -> str | None:
    """Return the full hash HEAD points at, or None for a repository with no commits yet."""
    done = run_git(root, "rev-parse", "--verify", "--quiet", "HEAD^{commit}", check=False)
    if done.returncode != 0:
        return None
    return done.stdout.decode("ascii", "replace").strip() or None
