"""Progress events a sleep run emits, so a CLI, a log or a service can follow it live."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from sleeptime.backends.base import Usage


@dataclass(frozen=True, slots=True)
class SleepEvent:
    """One step of a run: a round started or ended, a loop finished, the run ended."""

    kind: str
    """``run_start``, ``round_start``, ``round_end``, ``loop_end``, ``run_end``."""
    loop: int = 0
    round: int = 0
    max_rounds: int = 0
    loops: int = 1
    notes_chars: int = 0
    usage: Usage = field(default_factory=Usage)
    """Usage of the whole run so far."""
    message: str = ""


EventSink = Callable[[SleepEvent], None]


def ignore_events(event: SleepEvent) -> None:
    """The default sink: drop events."""
