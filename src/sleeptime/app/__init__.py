"""The library's front door: ``Sleeptime`` and the statistics it reports."""

from sleeptime.app.facade import AnswerNotRecordedError, AskResult, ContextView, Sleeptime
from sleeptime.app.inputs import decode_context, read_context
from sleeptime.app.repo_context import (
    AgentAskResult,
    DirectoryRevision,
    add_directory,
    ask_agent,
    refresh_directory,
    sleep_directory,
)
from sleeptime.app.runtime import Runtime
from sleeptime.app.stats import ContextStats, ModeStats

__all__ = [
    "AgentAskResult",
    "AnswerNotRecordedError",
    "AskResult",
    "ContextStats",
    "ContextView",
    "DirectoryRevision",
    "ModeStats",
    "Runtime",
    "Sleeptime",
    "add_directory",
    "ask_agent",
    "decode_context",
    "read_context",
    "refresh_directory",
    "sleep_directory",
]
