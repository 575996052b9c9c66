"""``PriorityGate``: one model, two kinds of caller — a user waiting, and sleep that can wait.

The embedded model serves one request at a time. A plain lock would make a question that
arrives while a sleep run generates wait for the whole round (tens of seconds on a CPU).
The gate gives waiting interactive callers precedence: a background holder checks
``should_yield`` between tokens (and between prompt chunks) and, when someone is waiting,
``pause``s — it lets the question through and resumes after it, re-reading its own
prompt from where the KV cache still matches. Background callers never overtake a
waiting interactive one; interactive callers queue among themselves as a lock would.

The same holds across processes on one machine (``use_file``): an ``ask`` in one process
holds a shared ``flock`` on a file in the data directory while it answers, and a worker
process generating in the background probes that file between tokens and steps aside.
Both compete for the same CPU cores, so precedence has to cross the process boundary.
"""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

try:
    import fcntl
except ImportError:  # pragma: no cover - not POSIX: precedence stays within the process
    fcntl = None  # type: ignore[assignment]


class PriorityGate:
    """A lock where interactive acquirers go before background ones and may preempt them."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._held = False
        self._interactive_waiting = 0
        self.pauses = 0
        """How many times background holders stepped aside (for tests and benchmarks)."""
        self._shared_fd: int | None = None
        self._probe_fd: int | None = None

    def use_file(self, path: Path) -> None:
        """Also give way to interactive callers of other processes that use ``path``.

        The first file set stays: all backends of a process share one gate per model.
        """
        if fcntl is None or self._shared_fd is not None:
            return
        with contextlib.suppress(OSError):  # an unwritable data dir: in-process only
            path.parent.mkdir(parents=True, exist_ok=True)
            self._shared_fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
            self._probe_fd = os.open(path, os.O_RDWR)

    def other_process_interactive(self) -> bool:
        """Whether another process holds the file for an interactive request (a probe)."""
        if fcntl is None or self._probe_fd is None:
            return False
        try:
            fcntl.flock(self._probe_fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        except OSError:
            return False
        fcntl.flock(self._probe_fd, fcntl.LOCK_UN)
        return False

    def _wait_other_processes(self) -> None:
        if fcntl is None or self._probe_fd is None:
            return
        with contextlib.suppress(OSError):
            fcntl.flock(self._probe_fd, fcntl.LOCK_EX)
            fcntl.flock(self._probe_fd, fcntl.LOCK_UN)

    def _acquire(self, background: bool) -> None:
        with self._cond:
            if not background:
                self._interactive_waiting += 1
            try:
                while self._held or (background and self._interactive_waiting > 0):
                    self._cond.wait()
            finally:
                if not background:
                    self._interactive_waiting -= 1
            self._held = True

    def _release(self) -> None:
        with self._cond:
            self._held = False
            self._cond.notify_all()

    def locked(self) -> bool:
        """Whether someone holds the model now."""
        return self._held

    @property
    def interactive_waiting(self) -> bool:
        """Whether an interactive caller waits for the model (read without the lock: a hint)."""
        return self._interactive_waiting > 0

    @contextmanager
    def hold(self, *, background: bool = False) -> Iterator[Hold]:
        """Hold the model for one request; background holds may be paused (``Hold``)."""
        self._acquire(background)
        shared = not background and fcntl is not None and self._shared_fd is not None
        if shared:
            with contextlib.suppress(OSError):
                fcntl.flock(self._shared_fd, fcntl.LOCK_SH)  # type: ignore[arg-type]
        try:
            yield Hold(self, background)
        finally:
            if shared:
                with contextlib.suppress(OSError):
                    fcntl.flock(self._shared_fd, fcntl.LOCK_UN)  # type: ignore[arg-type]
            self._release()


class Hold:
    """One caller's hold on the gate."""

    def __init__(self, gate: PriorityGate, background: bool) -> None:
        self.gate = gate
        self.background = background
        self.paused = 0

    def should_yield(self) -> bool:
        """True for a background hold while an interactive caller waits (here or in
        another process using the same file)."""
        return self.background and (
            self.gate.interactive_waiting or self.gate.other_process_interactive()
        )

    def pause(self) -> None:
        """Let waiting interactive callers use the model, then take it back."""
        self.paused += 1
        self.gate.pauses += 1
        self.gate._release()
        self.gate._wait_other_processes()
        self.gate._acquire(background=True)
