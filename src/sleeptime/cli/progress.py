"""A live progress display for sleep runs, driven by the run's events."""

from __future__ import annotations

from types import TracebackType

from rich.console import Console
from rich.progress import BarColumn, Progress, TaskID, TextColumn, TimeElapsedColumn

from sleeptime.sleep import SleepEvent, SleepEventKind


class SleepProgress:
    """One bar per rethink loop: rounds done, notes size and tokens so far."""

    def __init__(self, console: Console | None = None, enabled: bool = True) -> None:
        self.console = console or Console(stderr=True)
        self.enabled = enabled
        self._progress = Progress(
            TextColumn("[bold]loop {task.fields[loop]}[/]"),
            BarColumn(),
            TextColumn("round {task.completed:.0f}/{task.total:.0f}"),
            TextColumn("notes {task.fields[chars]} chars"),
            TextColumn("{task.fields[tokens]} tokens"),
            TimeElapsedColumn(),
            console=self.console,
            transient=False,
            disable=not enabled,
        )
        self._tasks: dict[int, TaskID] = {}

    def __enter__(self) -> SleepProgress:
        self._progress.__enter__()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._progress.__exit__(kind, value, tb)

    def __call__(self, event: SleepEvent) -> None:
        """Update the bars from one event."""
        if event.kind == SleepEventKind.RUN_START:
            for loop in range(event.loops):
                self._tasks[loop] = self._progress.add_task(
                    "sleep", total=event.max_rounds, loop=loop + 1, chars=0, tokens=0
                )
            return
        task = self._tasks.get(event.loop)
        if task is None:
            return
        if event.kind == SleepEventKind.ROUND_END:
            self._progress.update(
                task,
                completed=event.round,
                chars=event.notes_chars,
                tokens=event.usage.total_tokens,
            )
            if event.message in ("finish",):
                self._progress.update(task, total=event.round)
