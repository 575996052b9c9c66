"""A snapshot of a folder or git repository: which files a repository context holds.

A code base is not one text: it is a set of files, some of which must never reach a model
(ignored build output, binaries, a 1 GB dump, a symlink to ``/etc``). The snapshot decides
once, with reasons for every file it leaves out, and gives the set a content hash that
later serves as the revision key: it changes when any included file or HEAD changes, and
``diff_snapshots`` names the changed files so a later sleep can redo only those.
"""

from __future__ import annotations

import hashlib
import os
import stat
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Literal

import pathspec

from sleeptime.errors import InputError
from sleeptime.repo.gitio import head_commit, run_git, work_tree_root

SNIFF_BYTES = 8192
"""How much of a file is searched for a NUL byte to call it binary (what git does)."""


@dataclass(frozen=True, slots=True)
class SnapshotOptions:
    """What to include; the defaults suit a source repository or a folder of documents."""

    include: tuple[str, ...] = ()
    """Gitignore-style patterns; when given, only matching files are included."""
    exclude: tuple[str, ...] = ()
    """Gitignore-style patterns left out on top of the ignore rules."""
    max_file_bytes: int = 1_000_000
    """Files larger than this are skipped (and never read)."""
    max_total_bytes: int = 50_000_000
    """Once the included files reach this size, the rest are skipped."""
    max_files: int = 20_000
    """At most this many files are included."""
    use_git: bool = True
    """Inside a git work tree, ask git which files exist (``.gitignore``, info/exclude)."""


@dataclass(frozen=True, slots=True)
class FileEntry:
    """One included file: path relative to the root (``/``-separated), size and content hash."""

    path: str
    size: int
    sha256: str


@dataclass(frozen=True, slots=True)
class Skipped:
    """A file left out for a reason the user may want to know (binary, too large, ...)."""

    path: str
    reason: str


@dataclass(frozen=True)
class Snapshot:
    """The included files of a tree at one moment, with a stable content hash."""

    root: Path
    kind: Literal["git", "folder"]
    head: str | None
    files: tuple[FileEntry, ...]
    skipped: tuple[Skipped, ...] = ()
    excluded: int = 0
    """How many files the include/exclude patterns left out (not reported one by one)."""
    options: SnapshotOptions = field(default_factory=SnapshotOptions)

    @cached_property
    def by_path(self) -> dict[str, FileEntry]:
        """Included files by relative path."""
        return {entry.path: entry for entry in self.files}

    @cached_property
    def skipped_by_path(self) -> dict[str, str]:
        """Why each skipped file was left out, by relative path."""
        return {item.path: item.reason for item in self.skipped}

    @property
    def paths(self) -> tuple[str, ...]:
        """Included relative paths in sorted order."""
        return tuple(entry.path for entry in self.files)

    @property
    def total_bytes(self) -> int:
        """Size of all included files."""
        return sum(entry.size for entry in self.files)

    @cached_property
    def content_hash(self) -> str:
        """A hash of HEAD and every included file's path and content: the revision key."""
        digest = hashlib.sha256(b"sleeptime-snapshot/1\n")
        digest.update(f"head {self.head or '-'}\n".encode())
        for entry in self.files:
            digest.update(f"{entry.sha256} {entry.path}\n".encode())
        return digest.hexdigest()


@dataclass(frozen=True, slots=True)
class SnapshotDiff:
    """Files added, removed and modified between two snapshots of the same tree."""

    added: tuple[str, ...]
    removed: tuple[str, ...]
    modified: tuple[str, ...]

    @property
    def changed(self) -> tuple[str, ...]:
        """Every path that differs, sorted: what an incremental re-sleep must look at."""
        return tuple(sorted({*self.added, *self.removed, *self.modified}))


def diff_snapshots(old: Snapshot, new: Snapshot) -> SnapshotDiff:
    """Compare two snapshots file by file (by content hash, not by time stamps)."""
    before, after = old.by_path, new.by_path
    return SnapshotDiff(
        added=tuple(sorted(set(after) - set(before))),
        removed=tuple(sorted(set(before) - set(after))),
        modified=tuple(
            sorted(p for p in set(before) & set(after) if before[p].sha256 != after[p].sha256)
        ),
    )


def _patterns(lines: tuple[str, ...]) -> pathspec.GitIgnoreSpec | None:
    return pathspec.GitIgnoreSpec.from_lines(lines) if lines else None


def _git_candidates(root: Path) -> list[str]:
    """Tracked and untracked-but-not-ignored files, as git sees them from ``root``."""
    out = run_git(root, "ls-files", "-z", "--cached", "--others", "--exclude-standard").stdout
    names = {name for name in out.decode("utf-8", "surrogateescape").split("\0") if name}
    return sorted(names)


class _IgnoreRules:
    """``.gitignore`` files of a plain folder, each applying below its own directory."""

    def __init__(self) -> None:
        self._specs: list[tuple[str, pathspec.GitIgnoreSpec]] = []

    def load(self, directory: Path, rel_dir: str) -> None:
        path = directory / ".gitignore"
        try:
            lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
        except OSError:
            return
        self._specs.append((rel_dir, pathspec.GitIgnoreSpec.from_lines(lines)))

    def ignored(self, rel: str, is_dir: bool) -> bool:
        # The deepest .gitignore with an opinion wins, as in git.
        for base, spec in sorted(self._specs, key=lambda item: -len(item[0])):
            if base and not rel.startswith(base + "/"):
                continue
            sub = rel[len(base) + 1 :] if base else rel
            result = spec.check_file(sub + ("/" if is_dir else ""))
            if result.include is not None:
                return bool(result.include)
        return False


def _folder_candidates(root: Path) -> list[str]:
    """Walk a plain folder honouring nested ``.gitignore`` files, never following links."""
    rules = _IgnoreRules()
    found: list[str] = []
    for current, dirnames, filenames in os.walk(root, followlinks=False):
        here = Path(current)
        rel_dir = here.relative_to(root).as_posix()
        rel_dir = "" if rel_dir == "." else rel_dir
        rules.load(here, rel_dir)
        kept: list[str] = []
        for name in sorted(dirnames):
            rel = f"{rel_dir}/{name}" if rel_dir else name
            if name == ".git" or rules.ignored(rel, is_dir=True):
                continue
            if (here / name).is_symlink():
                found.append(rel)  # judged like any symlink below: outside, or a directory
                continue
            kept.append(name)
        dirnames[:] = kept
        for name in sorted(filenames):
            rel = f"{rel_dir}/{name}" if rel_dir else name
            if not rules.ignored(rel, is_dir=False):
                found.append(rel)
    return sorted(found)


def _within(path: Path, root: Path) -> bool:
    return path == root or path.is_relative_to(root)


def _read_candidate(root: Path, rel: str, options: SnapshotOptions) -> FileEntry | Skipped:
    """Decide about one path: an entry, or the reason it is skipped."""
    full = root / rel
    try:
        info = full.lstat()
    except OSError:
        return Skipped(rel, "listed by git but missing on disk")
    if stat.S_ISLNK(info.st_mode):
        target = full.resolve()
        if not _within(target, root):
            return Skipped(rel, "symlink that leaves the tree (not followed)")
        try:
            info = target.stat()
        except OSError:
            return Skipped(rel, "broken symlink")
        full = target
    if stat.S_ISDIR(info.st_mode):
        return Skipped(rel, "directory link or submodule (not followed)")
    if not stat.S_ISREG(info.st_mode):
        return Skipped(rel, "not a regular file")
    if info.st_size > options.max_file_bytes:
        return Skipped(rel, f"too large: {info.st_size:,} bytes (cap {options.max_file_bytes:,})")
    try:
        with full.open("rb") as handle:
            data = handle.read(options.max_file_bytes + 1)
    except OSError as exc:
        return Skipped(rel, f"unreadable: {exc.strerror or exc}")
    if len(data) > options.max_file_bytes:
        return Skipped(rel, f"too large: grew past the cap of {options.max_file_bytes:,} bytes")
    if b"\0" in data[:SNIFF_BYTES]:
        return Skipped(rel, "binary (NUL byte)")
    return FileEntry(rel, len(data), hashlib.sha256(data).hexdigest())


def _check_root(path: Path) -> Path:
    if not path.exists():
        raise InputError(f"{path} does not exist; give the path of a folder or git repository")
    if not path.is_dir():
        raise InputError(
            f"{path} is not a directory; give a folder or git repository "
            "(a single text file is added as an ordinary context)"
        )
    return path.resolve()


def _candidates(root: Path, options: SnapshotOptions) -> tuple[Literal["git", "folder"], list[str]]:
    """Return the kind of tree and its candidate paths, before caps and sniffing."""
    if options.use_git and work_tree_root(root) is not None:
        return "git", _git_candidates(root)
    return "folder", _folder_candidates(root)


def take_snapshot(path: Path, options: SnapshotOptions | None = None) -> Snapshot:
    """Snapshot the files of ``path`` (a folder or git work tree) under ``options``.

    Raises ``InputError`` when ``path`` is missing or not a directory. Files that cannot
    be included are listed in ``skipped`` with a reason; nothing outside the tree is read.
    """
    options = options or SnapshotOptions()
    root = _check_root(path)
    kind, candidates = _candidates(root, options)
    skipped: list[Skipped] = []
    include, exclude = _patterns(options.include), _patterns(options.exclude)
    files: list[FileEntry] = []
    excluded = 0
    total = 0
    for rel in _filtered(candidates, include, exclude):
        if rel is None:
            excluded += 1
            continue
        if len(files) >= options.max_files:
            skipped.append(Skipped(rel, f"file count cap reached ({options.max_files:,})"))
            continue
        outcome = _read_candidate(root, rel, options)
        if isinstance(outcome, Skipped):
            skipped.append(outcome)
        elif total + outcome.size > options.max_total_bytes:
            skipped.append(
                Skipped(rel, f"total size cap reached ({options.max_total_bytes:,} bytes)")
            )
        else:
            files.append(outcome)
            total += outcome.size
    head = head_commit(root) if kind == "git" else None
    return Snapshot(
        root=root,
        kind=kind,
        head=head,
        files=tuple(files),
        skipped=tuple(skipped),
        excluded=excluded,
        options=options,
    )


def _filtered(
    candidates: list[str],
    include: pathspec.GitIgnoreSpec | None,
    exclude: pathspec.GitIgnoreSpec | None,
) -> Iterator[str | None]:
    """Yield each candidate, or None for one the patterns leave out."""
    for rel in candidates:
        # git's own files (a worktree's .git file too) are never content.
        left_out = (
            ".git" in rel.split("/")
            or (include is not None and not include.match_file(rel))
            or (exclude is not None and exclude.match_file(rel))
        )
        yield None if left_out else rel
