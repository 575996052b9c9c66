"""Progress events a sleep run emits, so a CLI, a log or a service can follow it live."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from enum import StrEnum

from sleeptime.values import Usage


class SleepEventKind(StrEnum):
    """What a ``SleepEvent`` reports; a ``StrEnum`` so logs and JSON keep the plain names."""

    RUN_START = "run_start"
    ROUND_START = "round_start"
    ROUND_END = "round_end"
    LOOP_END = "loop_end"
    """One rethink loop finished (``message``: why it stopped)."""
    RUN_END = "run_end"


@dataclass(frozen=True, slots=True)
class SleepEvent:
    """One step of a run: a round started or ended, a loop finished, the run ended."""

    kind: SleepEventKind
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
