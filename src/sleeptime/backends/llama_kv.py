"""Saved KV states of prompt prefixes for the embedded backend (llama.cpp sequence state).

After a sleep run, the fixed part of the answer prompt (instructions + ``c'``) is prefilled
once and its KV state written to disk. A later query whose tokens start with a saved
prefix restores that state and prefills only the rest, so time to first token no longer
grows with the notes. Files are keyed by the model file hash, the llama.cpp version and
the context settings, and are only used on an exact token-prefix match: any mismatch
means a normal prefill, never a wrong answer. Disk use is bounded; least recently used
states are evicted first.
"""

from __future__ import annotations

import contextlib
import ctypes
import hashlib
import json
import os
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from sleeptime.errors import StoreError

_INDEX = "index.json"
_TOUCH_SAVE_INTERVAL_S = 60.0


def tokens_digest(tokens: list[int]) -> str:
    """A stable hash of a token sequence."""
    return hashlib.sha256(",".join(map(str, tokens)).encode("ascii")).hexdigest()


@dataclass(slots=True)
class StateEntry:
    """One saved prefix state."""

    digest: str
    n_tokens: int
    n_bytes: int
    created_at: float
    last_used_at: float
    label: str = ""
    owners: dict[str, str] = field(default_factory=dict)
    """Tenant -> its label for this state: a listing shows a tenant only its own states."""


class PrefixStateStore:
    """A folder of KV state files for one model configuration, with an LRU size bound.

    Not safe across processes writing the same folder at the same instant (the index is
    rewritten atomically, so the worst case is a forgotten entry, whose file is then
    removed by the next eviction pass); safe across threads of one process.
    """

    def __init__(self, root: Path, model_key: str, max_bytes: int) -> None:
        self.folder = root / model_key
        self.max_bytes = max_bytes
        self._lock = threading.Lock()
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreError(
                f"cannot create the KV cache folder {self.folder}: {exc.strerror}; set "
                "SLEEPTIME_DATA_DIR to a writable place or disable it with SLEEPTIME_KV_CACHE_MB=0"
            ) from exc
        self._entries = self._read_index()

    # index --------------------------------------------------------------------------------
    def _read_index(self) -> dict[str, StateEntry]:
        path = self.folder / _INDEX
        try:
            raw: Any = json.loads(path.read_text(encoding="utf-8"))
            entries = {e["digest"]: StateEntry(**e) for e in raw}
        except (OSError, ValueError, TypeError, KeyError):
            return {}
        return {d: e for d, e in entries.items() if self.path(d).is_file()}

    def _write_index(self) -> None:
        tmp = self.folder / f"{_INDEX}.{os.getpid()}.tmp"
        tmp.write_text(json.dumps([asdict(e) for e in self._entries.values()]), encoding="utf-8")
        tmp.replace(self.folder / _INDEX)

    def path(self, digest: str) -> Path:
        """Where the state of a prefix with this digest lives."""
        return self.folder / f"{digest}.kv"

    # queries ------------------------------------------------------------------------------
    def entries(self) -> list[StateEntry]:
        """Saved states, most recently used first."""
        with self._lock:
            return sorted(self._entries.values(), key=lambda e: -e.last_used_at)

    def total_bytes(self) -> int:
        """Bytes on disk for this model configuration."""
        with self._lock:
            return sum(e.n_bytes for e in self._entries.values())

    def has(self, digest: str) -> bool:
        """Whether a state for this digest is indexed and its file exists."""
        with self._lock:
            return digest in self._entries and self.path(digest).is_file()

    def best_match(self, tokens: list[int], min_tokens: int) -> StateEntry | None:
        """The longest saved prefix of ``tokens`` that is at least ``min_tokens`` long."""
        with self._lock:
            lengths = sorted({e.n_tokens for e in self._entries.values()}, reverse=True)
            for length in lengths:
                if length < min_tokens or length > len(tokens):
                    continue
                entry = self._entries.get(tokens_digest(tokens[:length]))
                if entry is not None and entry.n_tokens == length:
                    return entry
        return None

    # writes -------------------------------------------------------------------------------
    def record(self, digest: str, n_tokens: int, label: str, tenant: str = "") -> StateEntry:
        """Register a state file just written at ``path(digest)``, then evict if needed."""
        now = time.time()
        entry = StateEntry(
            digest=digest,
            n_tokens=n_tokens,
            n_bytes=self.path(digest).stat().st_size,
            created_at=now,
            last_used_at=now,
            label=label,
            owners={tenant: label},
        )
        with self._lock:
            old = self._entries.get(digest)
            if old is not None:
                entry.owners = {**old.owners, tenant: label}
            self._entries[digest] = entry
            self._evict_locked(keep=digest)
            self._write_index()
        return entry

    def claim(self, digest: str, tenant: str, label: str) -> None:
        """Mark an existing state as used by ``tenant`` too (two tenants warmed the same text)."""
        with self._lock:
            entry = self._entries.get(digest)
            if entry is None:
                return
            entry.last_used_at = time.time()
            if entry.owners.get(tenant) != label:
                entry.owners[tenant] = label
                self._write_index()

    def owned(self, tenant: str) -> list[StateEntry]:
        """States ``tenant`` warmed, most recently used first."""
        return [e for e in self.entries() if tenant in e.owners]

    def release(self, tenant: str) -> int:
        """Drop ``tenant``'s claim on every state; delete states nobody else holds.

        Returns how many states ``tenant`` held. Files no index entry points to (left by
        a crash between writing a file and the index) are deleted too.
        """
        with self._lock:
            count = 0
            for digest, entry in list(self._entries.items()):
                if entry.owners.pop(tenant, None) is not None:
                    count += 1
                if not entry.owners:
                    self._entries.pop(digest)
                    with contextlib.suppress(OSError):
                        self.path(digest).unlink()
            for stray in self.folder.glob("*.kv"):
                if stray.stem not in self._entries:
                    with contextlib.suppress(OSError):
                        stray.unlink()
            self._write_index()
            return count

    def touch(self, digest: str) -> None:
        """Mark a state as just used (for LRU eviction).

        This runs on every restored query, so the index file is rewritten at most once a
        minute per state; other writes (record, forget, clear) save it at once anyway.
        """
        with self._lock:
            entry = self._entries.get(digest)
            if entry is not None:
                now = time.time()
                stale = now - entry.last_used_at > _TOUCH_SAVE_INTERVAL_S
                entry.last_used_at = now
                if stale:
                    self._write_index()

    def forget(self, digest: str) -> None:
        """Drop a state whose file turned out unusable."""
        with self._lock:
            self._entries.pop(digest, None)
            with contextlib.suppress(OSError):
                self.path(digest).unlink()
            self._write_index()

    def clear(self) -> int:
        """Delete every saved state of this configuration; return how many."""
        with self._lock:
            count = len(self._entries)
            for digest in list(self._entries):
                with contextlib.suppress(OSError):
                    self.path(digest).unlink()
            self._entries.clear()
            self._write_index()
            return count

    def _evict_locked(self, keep: str) -> None:
        total = sum(e.n_bytes for e in self._entries.values())
        for entry in sorted(self._entries.values(), key=lambda e: e.last_used_at):
            if total <= self.max_bytes:
                break
            if entry.digest == keep:
                continue
            total -= entry.n_bytes
            self._entries.pop(entry.digest)
            with contextlib.suppress(OSError):
                self.path(entry.digest).unlink()


def save_sequence(ctx: Any, path: Path, tokens: list[int]) -> bool:
    """Write sequence 0's KV state for ``tokens`` (already evaluated) to ``path``."""
    from llama_cpp import llama_cpp as lib

    array = (lib.llama_token * len(tokens))(*tokens)
    tmp = path.with_suffix(f".{os.getpid()}.tmp")
    written = lib.llama_state_seq_save_file(ctx, str(tmp).encode(), 0, array, len(tokens))
    if not written:
        with contextlib.suppress(OSError):
            tmp.unlink()
        return False
    tmp.replace(path)
    return True


def load_sequence(ctx: Any, path: Path, expected: list[int]) -> bool:
    """Restore sequence 0 from ``path`` if its tokens equal ``expected``; else leave it."""
    from llama_cpp import llama_cpp as lib

    capacity = len(expected)
    out = (lib.llama_token * capacity)()
    count = ctypes.c_size_t(0)
    read = lib.llama_state_seq_load_file(
        ctx, str(path).encode(), 0, out, capacity, ctypes.byref(count)
    )
    return bool(read) and count.value == capacity and list(out) == expected


def snapshot_sequence(ctx: Any) -> Any | None:
    """Copy sequence 0's KV state into memory (a ctypes buffer), or None if it is empty."""
    from llama_cpp import llama_cpp as lib

    size = int(lib.llama_state_seq_get_size(ctx, 0))
    if size <= 0:
        return None
    buffer = (ctypes.c_uint8 * size)()
    written = int(lib.llama_state_seq_get_data(ctx, buffer, size, 0))
    return buffer if 0 < written <= size else None


def restore_sequence(ctx: Any, buffer: Any) -> bool:
    """Put a ``snapshot_sequence`` copy back as sequence 0 (which must be empty)."""
    from llama_cpp import llama_cpp as lib

    return int(lib.llama_state_seq_set_data(ctx, buffer, len(buffer), 0)) == len(buffer)
