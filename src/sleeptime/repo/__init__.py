"""Code bases as contexts: snapshots of a folder or git repository, tools to explore them,
a tool-using agent, and benchmark tasks mined from git history (issue 11, in progress).
"""

from __future__ import annotations

from sleeptime.repo.snapshot import (
    FileEntry,
    Skipped,
    Snapshot,
    SnapshotDiff,
    SnapshotOptions,
    diff_snapshots,
    take_snapshot,
)
from sleeptime.repo.tools import RepoTools, ToolLimits, ToolOutput

__all__ = [
    "FileEntry",
    "RepoTools",
    "Skipped",
    "Snapshot",
    "SnapshotDiff",
    "SnapshotOptions",
    "ToolLimits",
    "ToolOutput",
    "diff_snapshots",
    "take_snapshot",
]
