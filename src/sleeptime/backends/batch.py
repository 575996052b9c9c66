"""Send chat requests through an OpenAI-compatible provider's Batch API, for cheaper sleep.

Sleep-time work is latency-insensitive, and hosted providers charge about half for batched
requests that may take hours. ``BatchingBackend`` wraps an ``OpenAICompatBackend``: chat
calls that arrive within ``batch_window_s`` of each other (the k parallel loops of a sleep
run ask at the same moment) go into one JSONL batch, and each caller waits for its own line
of the output. A provider without the batch endpoints (llama.cpp and most self-hosted
servers) answers 404 or 405; the wrapper then sends requests directly through the wrapped
backend and says so once, in the log and in ``info.details["batch"]``.
"""

from __future__ import annotations

import asyncio
import dataclasses
import functools
import json
import logging
import time
import uuid
from collections.abc import Awaitable, Callable
from typing import Any, Final, TypeVar

import openai
from openai.types import Batch
from openai.types.chat import ChatCompletion

from sleeptime.backends._openai_wire import ChatAccumulator, batch_line_error, chat_body
from sleeptime.backends.base import BackendInfo, ChatRequest, ChatResult, Stopwatch
from sleeptime.backends.openai_compat import OpenAICompatBackend
from sleeptime.backends.retry import server_message, status_code_of, with_retries
from sleeptime.errors import BackendError, BackendUnavailableError, SleeptimeError
from sleeptime.settings import Settings

T = TypeVar("T")

log = logging.getLogger(__name__)

ENDPOINT: Final = "/v1/chat/completions"
ENABLED = "enabled"
UNSUPPORTED = "unsupported, fell back"
_NO_BATCH_STATUSES = (404, 405)
_FAILED_STATUSES = ("failed", "expired", "cancelled", "cancelling")
_TURN_OFF = "or sleep without --batch (SLEEPTIME_OPENAI_BATCH=false)"


class _NoBatchAPI(Exception):
    """The provider answered 404/405 on a batch endpoint: it has no batch interface."""


@dataclasses.dataclass(slots=True)
class _Pending:
    """One chat call waiting for its batch: its line of the input file and its caller."""

    custom_id: str
    body: dict[str, Any]
    request: ChatRequest
    watch: Stopwatch
    future: asyncio.Future[ChatResult]


class BatchingBackend:
    """An OpenAI-compatible backend whose chat calls go through the provider's Batch API.

    Everything but ``chat`` (token counts, log-probabilities, model id) is the wrapped
    backend's. Per-request failures inside a batch fail only that request; a batch that
    fails, expires, is cancelled or outlives ``max_wait_s`` fails every request in it with
    an error naming the batch.
    """

    def __init__(
        self,
        inner: OpenAICompatBackend,
        *,
        batch_window_s: float = 2.0,
        max_batch_size: int = 100,
        poll_interval_s: float = 10.0,
        max_poll_interval_s: float = 300.0,
        max_wait_s: float = 86400.0,
        max_retries: int = 3,
    ) -> None:
        self.inner = inner
        self.batch_window_s = batch_window_s
        self.max_batch_size = max(1, max_batch_size)
        self.poll_interval_s = poll_interval_s
        self.max_poll_interval_s = max(poll_interval_s, max_poll_interval_s)
        self.max_wait_s = max_wait_s
        self._attempts = max(0, max_retries) + 1
        self.batch_ids: list[str] = []
        """Ids of the batches submitted so far, oldest first."""
        self._state = ENABLED
        self._probed = False
        self._loop: asyncio.AbstractEventLoop | None = None
        self._pending: list[_Pending] = []
        self._timer: asyncio.TimerHandle | None = None
        self._tasks: set[asyncio.Task[None]] = set()

    @property
    def info(self) -> BackendInfo:
        """The wrapped backend's description, plus whether batching is in effect."""
        inner = self.inner.info
        details = {**inner.details, "batch": self._state, "batch_window_s": self.batch_window_s}
        return dataclasses.replace(inner, details=details)

    @property
    def supported(self) -> bool:
        """False once the provider showed it has no batch interface (calls go direct)."""
        return self._state == ENABLED

    async def prepare(self) -> None:
        """Resolve the model, and ask once whether the provider lists batches at all.

        Asking before a run starts means the run's record already says when batching fell
        back. Only a clear 404/405 counts; other failures are left to the first submission,
        which reports them properly.
        """
        await self.inner.prepare()
        if self._probed or not self.supported:
            return
        self._probed = True
        try:
            await self.inner.client.batches.list(limit=1)
        except openai.APIStatusError as exc:
            if exc.status_code in _NO_BATCH_STATUSES:
                self._fall_back(f"GET /batches answered HTTP {exc.status_code}")
        except Exception:  # a probe: the real submission reports errors properly
            pass

    async def chat(self, request: ChatRequest) -> ChatResult:
        """Queue ``request`` for the next batch and wait for its result."""
        if not self.supported:
            return await self.inner.chat(request)
        watch = Stopwatch()
        model = await self.inner.model_id()
        loop = asyncio.get_running_loop()
        if self._loop is not loop:  # a new event loop: the old one's queue died with it
            self._loop, self._pending, self._timer = loop, [], None
        item = _Pending(
            custom_id=f"sleeptime-{uuid.uuid4().hex}",
            body=chat_body(
                request,
                model,
                native_tools=self.inner.info.native_tools,
                dialect=self.inner.dialect(model),
            ),
            request=request,
            watch=watch,
            future=loop.create_future(),
        )
        self._pending.append(item)
        if len(self._pending) >= self.max_batch_size:
            self._flush()
        elif self._timer is None:
            self._timer = loop.call_later(self.batch_window_s, self._flush)
        return await item.future

    async def count_tokens(self, text: str) -> int:
        """Delegate to the wrapped backend."""
        return await self.inner.count_tokens(text)

    async def logprob(self, prefix: str, continuation: str) -> float:
        """Delegate to the wrapped backend (scoring is not batched)."""
        return await self.inner.logprob(prefix, continuation)

    async def aclose(self) -> None:
        """Stop waiting on open batches and close the connections."""
        if self._timer is not None:
            self._timer.cancel()
        self._timer, pending, self._pending, tasks = None, self._pending, [], list(self._tasks)
        for item in pending:
            item.future.cancel()
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await self.inner.aclose()

    # batching ---------------------------------------------------------------------------
    def _fall_back(self, reason: str) -> None:
        if self.supported:
            log.warning(
                "%s has no batch API (%s); sending sleep-time calls directly",
                self.inner.base_url,
                reason,
            )
        self._state = UNSUPPORTED

    def _flush(self) -> None:
        """Submit what is queued as one batch, in a task that settles each caller."""
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        items = [i for i in self._pending if not i.future.done()]
        self._pending = []
        if not items or self._loop is None:
            return
        task = self._loop.create_task(self._settle(items))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _settle(self, items: list[_Pending]) -> None:
        try:
            batch_id, lines = await self._run_batch(items)
        except _NoBatchAPI as exc:
            self._fall_back(str(exc))
            await self._direct(items)
            return
        except asyncio.CancelledError:
            for item in items:
                item.future.cancel()
            raise
        except Exception as exc:
            error = exc if isinstance(exc, SleeptimeError) else BackendError(f"batch: {exc!r}")
            for item in items:
                _resolve(item, error)
            return
        for item in items:
            _resolve(item, self._outcome(item, lines.get(item.custom_id), batch_id))

    async def _direct(self, items: list[_Pending]) -> None:
        """Answer queued calls with ordinary requests (the provider has no batch API)."""

        async def one(item: _Pending) -> None:
            try:
                outcome: ChatResult | Exception = await self.inner.chat(item.request)
            except Exception as exc:
                outcome = exc
            _resolve(item, outcome)

        await asyncio.gather(*(one(item) for item in items))

    async def _run_batch(self, items: list[_Pending]) -> tuple[str, dict[str, dict[str, Any]]]:
        """Upload, create, wait, download; return the batch id and its lines by custom id."""
        client = self.inner.client
        jsonl = "".join(
            json.dumps(
                {"custom_id": i.custom_id, "method": "POST", "url": ENDPOINT, "body": i.body},
                ensure_ascii=False,
            )
            + "\n"
            for i in items
        ).encode()
        upload = await self._call(
            functools.partial(
                client.files.create,
                file=("sleeptime-batch.jsonl", jsonl, "application/jsonl"),
                purpose="batch",
            ),
            "upload the batch input (POST /files)",
            creating=True,
        )
        batch = await self._call(
            functools.partial(
                client.batches.create,
                endpoint=ENDPOINT,
                completion_window="24h",
                input_file_id=upload.id,
            ),
            "create a batch (POST /batches)",
            creating=True,
        )
        self.batch_ids.append(batch.id)
        log.info("submitted batch %s with %d requests", batch.id, len(items))
        finished = await self._wait(batch, items)
        lines: dict[str, dict[str, Any]] = {}
        if finished is None:
            return batch.id, lines
        for file_id in (finished.output_file_id, finished.error_file_id):
            if not file_id:
                continue
            content = await self._call(
                functools.partial(client.files.content, file_id),
                f"download file {file_id} of batch {batch.id}",
            )
            for raw in content.text.splitlines():
                try:  # a line that cannot be read leaves its request with "no result"
                    entry = json.loads(raw)
                except ValueError:
                    continue
                if isinstance(entry, dict) and isinstance(entry.get("custom_id"), str):
                    lines[entry["custom_id"]] = entry
        return batch.id, lines

    async def _wait(self, batch: Batch, items: list[_Pending]) -> Batch | None:
        """Poll with growing intervals until the batch ends; None if every caller left."""
        deadline = time.monotonic() + self.max_wait_s
        delay = self.poll_interval_s
        while batch.status != "completed" and batch.status not in _FAILED_STATUSES:
            if all(i.future.done() for i in items):
                await self._cancel(batch.id)
                return None
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                await self._cancel(batch.id)
                raise BackendUnavailableError(
                    f"batch {batch.id} was still {batch.status!r} after {self.max_wait_s:g}s, "
                    "the wait limit, so it was cancelled; raise "
                    f"SLEEPTIME_OPENAI_BATCH_MAX_WAIT_S {_TURN_OFF}"
                )
            await asyncio.sleep(min(delay, remaining))
            delay = min(delay * 1.5, self.max_poll_interval_s)
            batch = await self._call(
                functools.partial(self.inner.client.batches.retrieve, batch.id),
                f"check batch {batch.id}",
            )
        if batch.status != "completed":
            errors = batch.errors.data if batch.errors and batch.errors.data else []
            reasons = "; ".join(e.message for e in errors if e.message)
            raise BackendError(
                f"the provider's batch {batch.id} ended with status {batch.status!r}"
                f"{f' ({reasons})' if reasons else ''}, so its requests got no answers; "
                f"try again {_TURN_OFF}"
            )
        return batch

    async def _cancel(self, batch_id: str) -> None:
        """Ask the provider to stop a batch nobody waits for (best effort)."""
        try:
            await self.inner.client.batches.cancel(batch_id)
        except Exception as exc:
            log.info("could not cancel batch %s: %s", batch_id, exc)

    def _outcome(
        self, item: _Pending, entry: dict[str, Any] | None, batch_id: str
    ) -> ChatResult | SleeptimeError:
        """Turn one output line into the result a direct, non-streamed call would give."""
        if entry is None:
            return BackendError(
                f"batch {batch_id} returned no result for request {item.custom_id}; "
                f"try again {_TURN_OFF}"
            )
        response = entry.get("response") or {}
        status = response.get("status_code")
        body = response.get("body")
        if entry.get("error") or status != 200 or not isinstance(body, dict):
            return BackendError(
                f"the provider failed request {item.custom_id} of batch {batch_id} "
                f"(HTTP {status}: {batch_line_error(entry)}); the other requests are unaffected"
            )
        try:
            accumulator = ChatAccumulator(dialect=self.inner.dialect(str(item.body["model"])))
            accumulator.add_completion(ChatCompletion.construct(**body))
            result, _ = accumulator.result(item.request, item.watch.elapsed())
        except Exception as exc:
            return BackendError(
                f"request {item.custom_id} of batch {batch_id} did not return a chat "
                f"completion ({str(exc)[:200]}); is the provider OpenAI-compatible?"
            )
        result.model = result.model or str(item.body["model"])
        return result

    async def _call(
        self, fn: Callable[[], Awaitable[T]], what: str, *, creating: bool = False
    ) -> T:
        """Run one batch-API request with retries; 404/405 on creation means no batch API."""
        where = f"the batch API at {self.inner.base_url}"
        try:
            return await with_retries(
                fn,
                attempts=self._attempts,
                base_delay_s=0.5,
                max_delay_s=20.0,
                what=where,
                hint=f"Start the server or fix SLEEPTIME_OPENAI_BASE_URL, {_TURN_OFF}.",
            )
        except SleeptimeError:
            raise
        except Exception as exc:
            status = status_code_of(exc)
            if creating and status in _NO_BATCH_STATUSES:
                raise _NoBatchAPI(f"{what} answered HTTP {status}") from exc
            if status in (401, 403):
                raise BackendError(
                    f"{where} rejected the API key (HTTP {status}: {server_message(exc)}); "
                    "check SLEEPTIME_OPENAI_API_KEY or OPENAI_API_KEY"
                ) from exc
            raise BackendError(
                f"{where} could not {what} ({f'HTTP {status}: ' if status else ''}"
                f"{server_message(exc)}); {_TURN_OFF}"
            ) from exc


def _resolve(item: _Pending, outcome: ChatResult | Exception) -> None:
    """Hand ``outcome`` to the caller, unless it stopped waiting."""
    if item.future.done():
        return
    if isinstance(outcome, ChatResult):
        item.future.set_result(outcome)
    else:
        item.future.set_exception(outcome)


def from_settings(inner: OpenAICompatBackend, settings: Settings) -> BatchingBackend:
    """Wrap ``inner`` with the batch window, polling and wait limit from ``settings``."""
    return BatchingBackend(
        inner,
        batch_window_s=settings.openai_batch_window_s,
        poll_interval_s=settings.openai_batch_poll_s,
        max_wait_s=settings.openai_batch_max_wait_s,
        max_retries=settings.max_retries,
    )


__all__ = ["BatchingBackend", "from_settings"]
