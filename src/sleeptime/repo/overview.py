"""A short overview of a snapshot for the first message: folders, counts, some paths.

A model that starts blind spends its first steps listing files; a capped overview saves
those steps without flooding the window on a large repository.

Which paths fill the cap, and why: the sample is spread over the tree, each folder's own
files taking turns with its subfolders at every level, code first and largest first, and
folders without code (fixtures, results) last where code sits beside them. The
shallow-first sample it replaced (``overview/1``) showed no source file at all on a
repository with a ``src/`` layout and many top-level files, so an agent without notes
started from the build scripts; spreading gives every part of the tree a path or two, so
the model sees where each concern lives, and the largest code file of a folder is
usually the one holding most of its code.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cached_property
from itertools import islice

import pathspec

from sleeptime.repo.snapshot import FileEntry, Snapshot
from sleeptime.repo.tasks import SOURCE_PATTERNS

OVERVIEW_PATHS = 60
"""Paths the overview lists by default (and always for an agent without notes)."""
OVERVIEW_VERSION = "overview/2"
"""How the path sample is drawn (recorded by benchmark runs; 1 was shallow-first)."""

_CODE = pathspec.GitIgnoreSpec.from_lines(SOURCE_PATTERNS)


def overview(snapshot: Snapshot, max_paths: int = OVERVIEW_PATHS) -> str:
    """Describe the tree: file count, top-level folders, then up to ``max_paths`` paths.

    ``max_paths=0`` gives the brief form (counts and folders only), for an agent whose
    notes already name the files that matter: the path list is most of the overview's
    tokens, and list_files is one tool call away.
    """
    paths = snapshot.paths
    if not paths:
        return "The repository has no readable files."
    folders = Counter(p.split("/", 1)[0] for p in paths if "/" in p)
    lines = [f"{len(paths)} files, {snapshot.total_bytes:,} bytes."]
    if folders:
        lines.append(
            "Top-level folders: "
            + ", ".join(f"{name}/ ({count})" for name, count in sorted(folders.items()))
        )
    if max_paths <= 0:
        lines.append("The notes name the files that matter; list_files shows the rest.")
        return "\n".join(lines)
    shown = sample_paths(snapshot.files, max_paths)
    lines.append("Files:" if len(shown) == len(paths) else f"Some files ({len(shown)} shown):")
    lines.extend(sorted(shown))
    return "\n".join(lines)


def sample_paths(files: tuple[FileEntry, ...], max_paths: int) -> list[str]:
    """Up to ``max_paths`` paths spread over the tree (see the module docstring)."""
    if max_paths <= 0:
        return []
    root = _Folder()
    for entry in files:
        folder = root
        *parents, _ = entry.path.split("/")
        for name in parents:
            folder = folder.subfolders.setdefault(name, _Folder())
        folder.files.append(entry)
    return list(islice(root.turns(), max_paths))


@dataclass
class _Folder:
    """A folder of the tree being sampled: its own files and its subfolders by name."""

    files: list[FileEntry] = field(default_factory=list)
    subfolders: dict[str, _Folder] = field(default_factory=dict)

    @cached_property
    def has_code(self) -> bool:
        """True if any file at or below this folder is code (by extension)."""
        return any(is_code(e.path) for e in self.files) or any(
            sub.has_code for sub in self.subfolders.values()
        )

    def turns(self) -> Iterator[str]:
        """This folder's paths in sample order.

        Its own files (code first, largest first) take turns with its subfolders, one
        path each per round, each subfolder drawn the same way; where the folder holds
        code, subfolders with none (fixtures, results, assets) wait until the others run
        out, so they cannot crowd the code out of a small sample.
        """
        own = sorted(self.files, key=lambda e: (not is_code(e.path), -e.size, e.path))
        first: list[Iterator[str]] = [iter([e.path for e in own])]
        later: list[Iterator[str]] = []
        for name in sorted(self.subfolders):
            sub = self.subfolders[name]
            (first if sub.has_code or not self.has_code else later).append(sub.turns())
        yield from _round_robin(first)
        yield from _round_robin(later)


def _round_robin(queues: list[Iterator[str]]) -> Iterator[str]:
    """One item from each queue in turn, dropping queues as they run out."""
    while queues:
        alive = []
        for queue in queues:
            path = next(queue, None)
            if path is not None:
                yield path
                alive.append(queue)
        queues = alive


def is_code(path: str) -> bool:
    """A file of code by its extension (``tasks.SOURCE_PATTERNS``), tests included:
    unlike the task miner's targets, an overview shows where tests live too."""
    return bool(_CODE.match_file(path))
