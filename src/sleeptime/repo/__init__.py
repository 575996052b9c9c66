"""Code bases as contexts: snapshots of a folder or git repository, how a directory
context is stored (manifests), tools to explore them, a tool-using agent, its recorded
sleep run, a repository index computed without a model, and benchmark tasks mined from
git history (issue 11).
"""

from __future__ import annotations

from sleeptime.repo.agent import AgentBudget, AgentResult, AgentStep, run_agent
from sleeptime.repo.answer_agent import RepoAnswer, answer_request, extract_files
from sleeptime.repo.history import History, read_history
from sleeptime.repo.index import (
    IndexLimits,
    RenderedIndex,
    RepoIndex,
    build_index,
    split_index,
    with_index,
)
from sleeptime.repo.metrics import FileScore, file_f1
from sleeptime.repo.sleep_agent import EarlierNotes, RepoNotes, sleep_on_repository
from sleeptime.repo.sleep_run import TreeChangedError, run_directory_sleep
from sleeptime.repo.snapshot import (
    FileEntry,
    Skipped,
    Snapshot,
    SnapshotDiff,
    SnapshotOptions,
    diff_snapshots,
    take_snapshot,
)
from sleeptime.repo.source import DirectorySource, parse_manifest, render_manifest
from sleeptime.repo.tasks import MinerOptions, RepoTask, mine_tasks, parent_checkout
from sleeptime.repo.tools import RepoTools, ToolLimits, ToolOutput

__all__ = [
    "AgentBudget",
    "AgentResult",
    "AgentStep",
    "DirectorySource",
    "EarlierNotes",
    "FileEntry",
    "FileScore",
    "History",
    "IndexLimits",
    "MinerOptions",
    "RenderedIndex",
    "RepoAnswer",
    "RepoIndex",
    "RepoNotes",
    "RepoTask",
    "RepoTools",
    "Skipped",
    "Snapshot",
    "SnapshotDiff",
    "SnapshotOptions",
    "ToolLimits",
    "ToolOutput",
    "TreeChangedError",
    "answer_request",
    "build_index",
    "diff_snapshots",
    "extract_files",
    "file_f1",
    "mine_tasks",
    "parent_checkout",
    "parse_manifest",
    "read_history",
    "render_manifest",
    "run_agent",
    "run_directory_sleep",
    "sleep_on_repository",
    "split_index",
    "take_snapshot",
    "with_index",
]
