"""What a git history says about each file: how often it changed, with which files, and why.

Where earlier changes landed is the best model-free guess at where the next one will:
in ``simonw/llm`` the command-line module is among the changed files of 59 of the 79
commits ``bench repo`` mines. Files that changed in the same commits (co-change pairs)
point a reader from the file a request names to the files that come with it, and recent
commit subjects say in words what a file is for.

The history is read from the snapshot's own commit (``Snapshot.head``, a hash, never a
branch name), so nothing after it can leak in: the benchmark checks a task's parent out
in a clone whose object store holds every later commit, the answer among them.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from itertools import combinations

from sleeptime.repo.gitio import GitError, git_text
from sleeptime.repo.snapshot import Snapshot


@dataclass(frozen=True, slots=True)
class HistoryLimits:
    """How much history is read and kept per file."""

    max_commits: int = 2000
    """Newest commits read (a huge history is cut, never waited for)."""
    max_commit_files: int = 20
    """Commits that change more files than this (a reformat, a package rename) are left
    out: they say nothing about where a feature lives, and their pairs would drown the rest."""
    subjects: int = 3
    """Recent commit subjects kept per file, newest first."""
    partners: int = 3
    """Co-changed files kept per file, most shared commits first."""
    min_pair: int = 2
    """A pair of files counts as changing together from this many shared commits."""
    timeout_s: float = 60.0


@dataclass(frozen=True, slots=True)
class FileHistory:
    """One file's history: commits that changed it, recent subjects, usual companions."""

    touches: int = 0
    subjects: tuple[str, ...] = ()
    partners: tuple[tuple[str, int], ...] = ()
    """(path, commits changed together), most first."""


@dataclass(frozen=True, slots=True)
class History:
    """The history reachable from one commit, per file of the snapshot."""

    commit: str | None
    """The commit the history ends at (None: no history was read)."""
    commits: int = 0
    """Commits read (merges are not read; oversized commits are counted here)."""
    used: int = 0
    """Commits that counted: not merges, at most ``max_commit_files`` snapshot files."""
    files: dict[str, FileHistory] = field(default_factory=dict)
    note: str = ""
    """Why there is no history, when there is none."""

    def of(self, path: str) -> FileHistory:
        """The history of ``path`` (empty for a file no counted commit changed)."""
        return self.files.get(path, _EMPTY)


_EMPTY = FileHistory()
_REFS = re.compile(
    r"[,;]?\s*\(?(?:\b(?:refs?|closes?|fixes?|see)\b:?\s*)?#\d+(?:\s*,\s*#\d+)*\)?",
    re.IGNORECASE,
)


def clean_subject(subject: str) -> str:
    """A commit subject without issue references ("(#777)", "refs #1003"): they carry no
    words a request could share, and the index is short of room."""
    return re.sub(r"\s{2,}", " ", _REFS.sub("", subject)).strip(" ,;:-")


def _commits(snapshot: Snapshot, head: str, limits: HistoryLimits) -> list[tuple[str, list[str]]]:
    """(subject, changed paths relative to the snapshot root) per commit, newest first."""
    out = git_text(
        snapshot.root,
        "log",
        f"-n{limits.max_commits}",
        "--no-merges",
        "--no-renames",
        "--relative",  # paths relative to the snapshot root, which may be a subfolder
        "--name-only",
        "--format=%x1e%s%x1f",
        head,
        "--",
        timeout_s=limits.timeout_s,
    )
    commits = []
    for chunk in out.split("\x1e")[1:]:
        subject, _, names = chunk.partition("\x1f")
        commits.append((subject.strip(), [n for n in names.splitlines() if n.strip()]))
    return commits


def read_history(snapshot: Snapshot, limits: HistoryLimits | None = None) -> History:
    """Per-file history of ``snapshot`` from its commit back; empty outside git.

    Only files in the snapshot are counted. A git failure gives an empty history with
    the reason in ``note``: the index is an aid, and a sleep run must not fail for it.
    """
    limits = limits or HistoryLimits()
    if snapshot.kind != "git" or snapshot.head is None:
        why = "no commits yet" if snapshot.kind == "git" else "not a git repository"
        return History(commit=None, note=why)
    try:
        commits = _commits(snapshot, snapshot.head, limits)
    except GitError as exc:
        return History(commit=None, note=str(exc))
    known = snapshot.by_path
    touches: Counter[str] = Counter()
    subjects: dict[str, list[str]] = defaultdict(list)
    pairs: dict[str, Counter[str]] = defaultdict(Counter)
    used = 0
    for subject, names in commits:
        files = sorted({n for n in names if n in known})
        if not files or len(files) > limits.max_commit_files:
            continue
        used += 1
        text = clean_subject(subject)
        for path in files:
            touches[path] += 1
            kept = subjects[path]
            if text and len(kept) < limits.subjects and text not in kept:
                kept.append(text)
        for a, b in combinations(files, 2):
            pairs[a][b] += 1
            pairs[b][a] += 1
    per_file = {
        path: FileHistory(
            touches=count,
            subjects=tuple(subjects[path]),
            partners=tuple(
                (other, n)
                for other, n in sorted(pairs[path].items(), key=lambda item: (-item[1], item[0]))
                if n >= limits.min_pair
            )[: limits.partners],
        )
        for path, count in touches.items()
    }
    return History(commit=snapshot.head, commits=len(commits), used=used, files=per_file)
