"""The library's front door: ``Sleeptime`` and the statistics it reports."""

from sleeptime.app.facade import AnswerNotRecordedError, AskResult, ContextView, Sleeptime
from sleeptime.app.inputs import decode_context, read_context
from sleeptime.app.runtime import Runtime
from sleeptime.app.stats import ContextStats, ModeStats

__all__ = [
    "AnswerNotRecordedError",
    "AskResult",
    "ContextStats",
    "ContextView",
    "ModeStats",
    "Runtime",
    "Sleeptime",
    "decode_context",
    "read_context",
]
