"""Every model call of an experiment, recorded in a SQLite file and replayed on re-runs.

A call is keyed by the model's identity and the full request, so re-running a finished or
interrupted experiment pays only for calls it has not made yet. That one mechanism gives
resumability and cheap re-rendering of reports, and keeps each prompt, output, usage and
latency for inspection.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import sqlite3
import threading
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from sleeptime.backends.base import Backend, BackendInfo, ChatRequest, ChatResult, ToolCall
from sleeptime.errors import StoreError
from sleeptime.values import Usage

_SCHEMA = """
CREATE TABLE IF NOT EXISTS calls (
    key TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    backend TEXT NOT NULL,
    model TEXT NOT NULL,
    request TEXT NOT NULL,
    result TEXT NOT NULL,
    created_at REAL NOT NULL
)
"""


def model_identity(info: BackendInfo) -> dict[str, Any]:
    """What makes two calls comparable: backend, model, and the model file hash if known."""
    identity = {
        "backend": info.backend,
        "model": info.model,
        "sha256": info.details.get("sha256"),
        "repeat_penalty": info.details.get("repeat_penalty"),
    }
    dialect = info.details.get("reasoning")
    if dialect not in (None, "chat"):  # what the request turns into on the wire
        identity["reasoning"] = dialect
    return identity


def request_payload(request: ChatRequest) -> dict[str, Any]:
    """A canonical JSON-able form of a request (the part of the cache key it contributes).

    Reasoning fields appear only when set, so calls recorded before they existed still
    replay.
    """
    payload: dict[str, Any] = {
        "messages": [
            {
                "role": m.role,
                "content": m.content,
                "tool_call_id": m.tool_call_id,
                "tool_calls": [[c.name, c.arguments] for c in m.tool_calls],
            }
            for m in request.messages
        ],
        "max_tokens": request.max_tokens,
        "temperature": request.temperature,
        "tools": [[t.name, t.parameters] for t in request.tools],
        "stop": list(request.stop),
        "seed": request.seed,
    }
    if request.reasoning_effort is not None:
        payload["reasoning_effort"] = request.reasoning_effort
    if request.thinking_tokens is not None:
        payload["thinking_tokens"] = request.thinking_tokens
    if request.min_thinking_tokens:
        payload["min_thinking_tokens"] = request.min_thinking_tokens
    return payload


def _key(kind: str, identity: dict[str, Any], payload: dict[str, Any]) -> str:
    blob = json.dumps([kind, identity, payload], sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


def _result_to_json(result: ChatResult) -> str:
    return json.dumps(
        {
            "text": result.text,
            "usage": asdict(result.usage),
            "tool_calls": [[c.name, c.arguments, c.id, c.raw] for c in result.tool_calls],
            "finish_reason": result.finish_reason,
            "model": result.model,
            "reasoning": result.reasoning,
        },
        ensure_ascii=False,
    )


def _result_from_json(raw: str) -> ChatResult:
    data = json.loads(raw)
    return ChatResult(
        text=data["text"],
        usage=Usage(**data["usage"]),
        tool_calls=tuple(
            ToolCall(name=n, arguments=a, id=i, raw=r) for n, a, i, r in data["tool_calls"]
        ),
        finish_reason=data["finish_reason"],
        model=data["model"],
        reasoning=data.get("reasoning", ""),
    )


@dataclass(slots=True)
class CacheStats:
    """How many calls were served from the record and how many were paid for."""

    hits: int = 0
    misses: int = 0


class CallLog:
    """A SQLite file of calls; safe to share between tasks of one process."""

    def __init__(self, path: Path) -> None:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(str(path), check_same_thread=False, timeout=30)
            self._db.execute("PRAGMA journal_mode=WAL")
            # In WAL mode NORMAL survives a killed process (Ctrl-C, OOM); only a power cut
            # can drop the newest calls, which a re-run then pays for again. FULL would
            # fsync every call, which is most of the log's cost in a large sweep.
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.execute(_SCHEMA)
            self._db.commit()
        except (OSError, sqlite3.Error) as exc:
            raise StoreError(
                f"cannot open the call log {path}: {exc}; check the output folder is writable"
            ) from exc
        self.path = path
        self._lock = threading.Lock()

    def get(self, key: str) -> str | None:
        """The stored result JSON for ``key``, if any."""
        with self._lock:
            row = self._db.execute("SELECT result FROM calls WHERE key = ?", (key,)).fetchone()
        return None if row is None else str(row[0])

    def put(
        self, key: str, kind: str, identity: dict[str, Any], request: dict[str, Any], result: str
    ) -> None:
        """Store one call (first write wins: a replayed call never overwrites)."""
        with self._lock:
            self._db.execute(
                "INSERT OR IGNORE INTO calls VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    key,
                    kind,
                    str(identity["backend"]),
                    str(identity["model"]),
                    json.dumps(request, ensure_ascii=False),
                    result,
                    time.time(),
                ),
            )
            self._db.commit()

    def count(self) -> int:
        """Number of recorded calls."""
        with self._lock:
            return int(self._db.execute("SELECT COUNT(*) FROM calls").fetchone()[0])

    def close(self) -> None:
        """Close the file."""
        with self._lock:
            self._db.close()


class RecordingBackend:
    """Wraps a backend: answers from the call log when it can, records every new call.

    Replayed results carry the usage and latency of the original call, so an experiment's
    numbers are the same whether it ran in one go or was resumed. Identical requests in
    flight at once are made once (the others wait and replay it): under ``--layout auto`` a
    sleep answer and the baseline's are the same request, and two live calls would give
    two latencies where a resumed run replays one.
    """

    def __init__(self, inner: Backend, log: CallLog) -> None:
        self.inner = inner
        self.log = log
        self.stats = CacheStats()
        self._inflight: dict[str, asyncio.Future[str]] = {}

    @property
    def info(self) -> BackendInfo:
        """The wrapped backend's description."""
        return self.inner.info

    async def prepare(self) -> None:
        """Prepare the wrapped backend (loads the model or resolves its id)."""
        await self.inner.prepare()

    async def chat(self, request: ChatRequest) -> ChatResult:
        """Replay a recorded result or make and record the call."""
        identity = model_identity(self.inner.info)
        payload = request_payload(request)
        key = _key("chat", identity, payload)
        while True:
            cached = self.log.get(key)
            if cached is not None:
                self.stats.hits += 1
                return _result_from_json(cached)
            pending = self._inflight.get(key)
            if pending is None:
                break
            try:
                text = await asyncio.shield(pending)
            except asyncio.CancelledError:
                if pending.cancelled():
                    continue  # the caller making it was cancelled, not this one: make it here
                raise
            self.stats.hits += 1
            return _result_from_json(text)
        future: asyncio.Future[str] = asyncio.get_running_loop().create_future()
        # Mark a failure as seen even when nobody waited for it.
        future.add_done_callback(lambda f: f.cancelled() or f.exception())
        self._inflight[key] = future
        try:
            result = await self.inner.chat(request)
            self.stats.misses += 1
            text = _result_to_json(result)
            self.log.put(key, "chat", identity, payload, text)
        except Exception as exc:
            future.set_exception(exc)
            raise
        except BaseException:  # cancelled or interrupted: a waiter makes the call itself
            future.cancel()
            raise
        else:
            future.set_result(text)
        finally:
            self._inflight.pop(key, None)
        return result

    async def count_tokens(self, text: str) -> int:
        """Token counts are cheap and deterministic; not recorded."""
        return await self.inner.count_tokens(text)

    async def logprob(self, prefix: str, continuation: str) -> float:
        """Replay or compute and record log P(continuation | prefix)."""
        identity = model_identity(self.inner.info)
        payload = {"prefix": prefix, "continuation": continuation}
        key = _key("logprob", identity, payload)
        cached = self.log.get(key)
        if cached is not None:
            self.stats.hits += 1
            return float(json.loads(cached))
        value = await self.inner.logprob(prefix, continuation)
        self.stats.misses += 1
        self.log.put(key, "logprob", identity, payload, json.dumps(value))
        return value

    async def aclose(self) -> None:
        """Close the wrapped backend (the log is closed by its owner)."""
        await self.inner.aclose()
