"""One writer per output folder: an exclusive lock held for the whole run.

Two processes given the same ``--out`` would both append to ``samples.jsonl`` and
interleave half-lines. Shards are meant to run with separate ``--out`` folders that share
one call log (``--calls``), so the second process is refused with that fix. The lock is an
OS file lock (``flock``): it is released when the process ends, however it ends, so a
killed run never leaves a stale lock behind.
"""

from __future__ import annotations

import os
from pathlib import Path
from types import TracebackType

from sleeptime.errors import InputError

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows: no flock; runs are not locked there
    fcntl = None  # type: ignore[assignment]

LOCK_NAME = ".lock"


class OutputFolderLock:
    """Hold an exclusive lock on ``folder`` while a run writes into it."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._fd: int | None = None

    def acquire(self) -> None:
        """Take the lock, or raise ``InputError`` naming the holder and the fix."""
        if fcntl is None:
            return
        path = self.folder / LOCK_NAME
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.read(fd, 64).decode("ascii", "replace").strip() or "unknown"
            os.close(fd)
            raise InputError(
                f"another benchmark process (pid {holder}) is writing to {self.folder}; two "
                "runs in one folder would corrupt samples.jsonl. Give each shard its own "
                "--out and let them share one call log with --calls (e.g. --calls "
                "runs/calls.db), then run the same command without --shard to merge"
            ) from None
        except BaseException:
            os.close(fd)
            raise
        os.ftruncate(fd, 0)
        os.write(fd, str(os.getpid()).encode("ascii"))
        self._fd = fd

    def release(self) -> None:
        """Let the next run in; the lock file stays (deleting it would race a new holder)."""
        if self._fd is not None and fcntl is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
        self._fd = None

    def __enter__(self) -> OutputFolderLock:
        self.acquire()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.release()
