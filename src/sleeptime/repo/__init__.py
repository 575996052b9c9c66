"""Code bases as contexts: snapshots of a folder or git repository, tools to explore them,
a tool-using agent, and benchmark tasks mined from git history (issue 11, in progress).
"""

from __future__ import annotations

from sleeptime.repo.agent import AgentBudget, AgentResult, AgentStep, run_agent
from sleeptime.repo.answer_agent import RepoAnswer, answer_request, extract_files
from sleeptime.repo.metrics import FileScore, file_f1
from sleeptime.repo.sleep_agent import RepoNotes, sleep_on_repository
from sleeptime.repo.snapshot import (
    FileEntry,
    Skipped,
    Snapshot,
    SnapshotDiff,
    SnapshotOptions,
    diff_snapshots,
    take_snapshot,
)
from sleeptime.repo.tasks import MinerOptions, RepoTask, mine_tasks, parent_checkout
from sleeptime.repo.tools import RepoTools, ToolLimits, ToolOutput

__all__ = [
    "AgentBudget",
    "AgentResult",
    "AgentStep",
    "FileEntry",
    "FileScore",
    "MinerOptions",
    "RepoAnswer",
    "RepoNotes",
    "RepoTask",
    "RepoTools",
    "Skipped",
    "Snapshot",
    "SnapshotDiff",
    "SnapshotOptions",
    "ToolLimits",
    "ToolOutput",
    "answer_request",
    "diff_snapshots",
    "extract_files",
    "file_f1",
    "mine_tasks",
    "parent_checkout",
    "run_agent",
    "sleep_on_repository",
    "take_snapshot",
]
