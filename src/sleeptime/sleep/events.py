"""Progress events a sleep run emits, so a CLI, a log or a service can follow it live."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace

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

    def __post_init__(self) -> None:
        # Emitters pass the run's live, still-growing Usage; keep this moment's numbers so
        # a sink that stores events (a log, a service queue) reads what was true then.
        object.__setattr__(self, "usage", replace(self.usage))


EventSink = Callable[[SleepEvent], None]


def ignore_events(event: SleepEvent) -> None:
    """The default sink: drop events."""
