"""Retry transient backend failures with exponential backoff, so a busy server is not fatal.

HTTP backends create their SDK clients with retries switched off and wrap each request in
``with_retries``: one retry policy for every backend, driven by ``Settings.max_retries``,
and one message when a server stays unreachable. The loop itself is tenacity's; this
module keeps what is ours: which errors are transient, how long to wait, what to say.
Only failures that can pass by themselves are retried (no connection, timeouts, HTTP
408/429/5xx, a stream cut off midway); a 4xx answer such as 400, 401 or 404 means the
request itself is wrong and is raised at once.
"""

from __future__ import annotations

import email.utils
import logging
import os
import random
import sys
import time
from collections.abc import Awaitable, Callable, Mapping
from typing import TypeVar

from tenacity import (
    AsyncRetrying,
    RetryCallState,
    retry_if_exception,
    stop_after_attempt,
    stop_before_delay,
)
from tenacity.stop import stop_base

from sleeptime.errors import BackendUnavailableError, SleeptimeError

T = TypeVar("T")

log = logging.getLogger(__name__)

# Connection-level error classes of the HTTP stacks in use, by module. openai 1.x and 2.x
# sit on httpx, 3.x on httpx2; both are listed so either SDK generation is understood.
_TRANSIENT_CLASSES = {
    "httpx": ("TransportError",),
    "httpx2": ("TransportError",),
    "openai": ("APIConnectionError",),  # also APITimeoutError, its subclass
}
_TIMEOUT_CLASSES = {
    "httpx": ("TimeoutException",),
    "httpx2": ("TimeoutException",),
    "openai": ("APITimeoutError",),
}
# Transport errors that say the request is malformed, not that the server is away.
_PERMANENT_CLASSES = {
    "httpx": ("UnsupportedProtocol", "LocalProtocolError"),
    "httpx2": ("UnsupportedProtocol", "LocalProtocolError"),
}


class TransientError(Exception):
    """Raise from inside a retried call to say "try again" (e.g. a stream ended early)."""

    def __init__(self, reason: str, *, retry_after_s: float | None = None) -> None:
        super().__init__(reason)
        self.retry_after_s = retry_after_s


class StalledError(TransientError):
    """A server kept the connection open but sent no token in time (keep-alives only)."""


def status_code_of(exc: BaseException) -> int | None:
    """Return the HTTP status an exception carries (openai's ``APIStatusError``, httpx's)."""
    status = getattr(exc, "status_code", None)
    if isinstance(status, int):
        return status
    response = getattr(exc, "response", None)
    status = getattr(response, "status_code", None)
    return status if isinstance(status, int) else None


def is_transient_status(status: int) -> bool:
    """True for statuses worth retrying: timeouts, rate limits and server errors (not 501)."""
    return status in (408, 429) or (status >= 500 and status != 501)


def _causes(exc: BaseException) -> list[BaseException]:
    """``exc`` and the errors behind it, outermost first (cycles cut).

    Both ``raise X from Y`` and an exception raised while handling another count: HTTP
    stacks translate errors both ways (httpcore drops the cause with ``from None``), and
    the root (``ConnectionRefusedError``) is what explains the failure.
    """
    chain: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and current not in chain:
        chain.append(current)
        current = current.__cause__ or current.__context__
    return chain


def _classes(table: Mapping[str, tuple[str, ...]]) -> tuple[type[BaseException], ...]:
    """Exception classes named in ``table``, from modules that are already imported.

    An error from a library nobody imported cannot occur, and importing HTTP stacks here
    would slow down every command for nothing.
    """
    found: list[type[BaseException]] = []
    for module_name, names in table.items():
        module = sys.modules.get(module_name)
        for name in names:
            cls = getattr(module, name, None)
            if isinstance(cls, type) and issubclass(cls, BaseException):
                found.append(cls)
    return tuple(found)


def is_transient(exc: BaseException) -> bool:
    """Decide whether ``exc`` may pass if the same request is sent again.

    SDKs wrap transport errors (openai raises ``APIConnectionError from httpx2.ConnectError``),
    so the whole ``__cause__`` chain is inspected: an error caused by a transient one is
    transient. An HTTP status decides on its own, so a 400 caused by anything stays final.
    """
    chain = _causes(exc)
    for err in chain:
        if isinstance(err, SleeptimeError):
            return False
        if isinstance(err, TransientError):
            return True
        status = status_code_of(err)
        if status is not None:
            return is_transient_status(status)
    permanent = _classes(_PERMANENT_CLASSES)
    if any(isinstance(err, permanent) for err in chain):
        return False
    transient: tuple[type[BaseException], ...] = (
        ConnectionError,
        TimeoutError,
        *_classes(_TRANSIENT_CLASSES),
    )
    return any(isinstance(err, transient) for err in chain)


def _parse_retry_after(headers: Mapping[str, str]) -> float | None:
    """Seconds from ``retry-after-ms``, or ``retry-after`` as seconds or an HTTP date."""
    value = headers.get("retry-after-ms")
    if value is not None:
        try:
            return max(0.0, float(value) / 1000.0)
        except ValueError:
            pass
    value = headers.get("retry-after")
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def retry_after_s(exc: BaseException) -> float | None:
    """The server's requested wait in seconds (``Retry-After``), if it gave one."""
    for err in _causes(exc):
        if isinstance(err, TransientError) and err.retry_after_s is not None:
            return err.retry_after_s
        response = getattr(err, "response", None)
        headers = getattr(response, "headers", None)
        if isinstance(headers, Mapping):
            found = _parse_retry_after(headers)
            if found is not None:
                return found
    return None


def server_message(exc: BaseException, limit: int = 300) -> str:
    """The server's own words for a failed request: the OpenAI-style ``error.message``."""
    body = getattr(exc, "body", None)
    if isinstance(body, dict):
        inner = body.get("error", body)
        message = inner.get("message") if isinstance(inner, dict) else inner
        if isinstance(message, str) and message:
            return message[:limit]
    if isinstance(body, str) and body.strip():
        return body.strip()[:limit]
    message = getattr(exc, "message", None)
    if not (isinstance(message, str) and message):
        message = getattr(getattr(exc, "response", None), "reason_phrase", None)
    if isinstance(message, str) and message:
        return message[:limit]
    return str(exc)[:limit] or type(exc).__name__


def describe(exc: BaseException) -> str:
    """A short reason for messages: ``HTTP 503: overloaded``, ``Connection refused``."""
    chain = _causes(exc)
    for err in chain:
        status = status_code_of(err)
        if status is not None:
            return f"HTTP {status}: {server_message(err)}"
    for err in chain:
        if isinstance(err, TransientError) and str(err):
            return str(err)  # our own words, e.g. which limit a stalled stream hit
    timeouts: tuple[type[BaseException], ...] = (TimeoutError, *_classes(_TIMEOUT_CLASSES))
    if any(isinstance(err, timeouts) for err in chain):
        return "timed out"
    for err in reversed(chain):
        if isinstance(err, OSError) and err.errno:
            # errno's text ("Connection refused") beats the library's wording of it.
            return os.strerror(err.errno)
    for err in reversed(chain):
        text = str(err).strip()
        if text:
            return text[:300]
    return type(exc).__name__


def backoff_delay_s(
    attempt: int, *, base_delay_s: float, max_delay_s: float, retry_after: float | None = None
) -> float:
    """Seconds to wait after failed ``attempt`` (1-based).

    Exponential with "equal jitter" (half fixed, half random) so many clients that failed
    together do not retry together. A server's ``Retry-After`` replaces the computed delay,
    capped at ``max_delay_s`` so a bad header cannot stall a run.
    """
    if retry_after is not None:
        return min(retry_after, max_delay_s)
    delay = min(max_delay_s, base_delay_s * 2.0 ** (attempt - 1))
    return delay / 2 + random.uniform(0.0, delay / 2)


class RetryNotices:
    """At most one retry line per ``interval_s``; the retries in between are counted, not shown.

    A benchmark with hundreds of requests in flight against a rate-limited provider retries
    thousands of times; one line per retry would bury the progress bar and any real error.
    """

    def __init__(self, interval_s: float = 10.0) -> None:
        self.interval_s = interval_s
        self._next = 0.0
        self._held = 0

    def emit(self, message: str) -> None:
        """Log ``message`` now, with the count of retries held back since the last line."""
        now = time.monotonic()
        if now < self._next:
            self._held += 1
            return
        if self._held:
            message += f" ({self._held} more retr{'ies' if self._held > 1 else 'y'} not shown)"
        self._held = 0
        self._next = now + self.interval_s
        log.warning("%s", message)


NOTICES = RetryNotices()
"""The process-wide retry notice throttle."""


def gave_up_message(
    exc: BaseException, *, what: str, attempts: int, hint: str = "", deadline_s: float | None = None
) -> str:
    """Say what kept going wrong, and what to do about it, after the last attempt.

    A server that answered 500 or 429 was reached; only a connection failure is "could
    not reach", and only then does ``hint`` (start the server, fix the URL) apply.
    ``deadline_s`` is set when the request deadline, not the attempt count, ended the retries.
    """
    reason = describe(exc)
    within = f" within the {deadline_s:g} s request deadline" if deadline_s is not None else ""
    tries = f"after {attempts} attempt{'s' if attempts != 1 else ''}{within} (last error: {reason})"
    status = next((s for e in _causes(exc) if (s := status_code_of(e)) is not None), None)
    if status == 429:
        return (
            f"{what} kept refusing requests as rate-limited (HTTP 429) {tries}; wait and "
            "retry, send fewer requests at once, or raise SLEEPTIME_MAX_RETRIES"
        )
    if status is not None:
        return (
            f"{what} was reached but kept failing with HTTP {status} {tries}; check the "
            "server's log or status page, then retry"
        )
    chain = _causes(exc)
    if any(isinstance(e, StalledError) for e in chain):
        return (
            f"{what} accepted the request but stalled {tries}; if the model is just slow, "
            "raise the setting named there, else check the server"
        )
    timeouts: tuple[type[BaseException], ...] = (TimeoutError, *_classes(_TIMEOUT_CLASSES))
    if any(isinstance(e, timeouts) for e in chain):
        return (
            f"{what} did not answer in time {tries}; raise SLEEPTIME_REQUEST_TIMEOUT_S for a "
            "slow model, or check whether the server is overloaded"
        )
    if any(isinstance(e, TransientError) for e in chain):
        return f"{what} kept breaking off its replies {tries}; retry later or check the server"
    return f"could not reach {what} {tries}. {hint}".strip()


def _should_retry(exc: BaseException) -> bool:
    """Retry ``Exception``s that may pass; never ``CancelledError`` or ``KeyboardInterrupt``.

    The ``Exception`` check comes first because a cancellation raised while a transient
    error was being handled carries that error in its chain, and Ctrl-C must still win.
    """
    return isinstance(exc, Exception) and is_transient(exc)


def _failure(state: RetryCallState) -> BaseException:
    """The exception of the attempt that just ended (only failed attempts reach callers)."""
    outcome = state.outcome
    exc = outcome.exception() if outcome is not None else None
    if exc is None:  # pragma: no cover - tenacity only waits/stops after a failure
        raise AssertionError("retry callback without a failed attempt")
    return exc


async def with_retries(
    fn: Callable[[], Awaitable[T]],
    *,
    attempts: int,
    base_delay_s: float,
    max_delay_s: float,
    what: str,
    hint: str = "",
    deadline_s: float | None = None,
) -> T:
    """Await ``fn()`` up to ``attempts`` times while it fails transiently (tenacity does the loop).

    ``what`` names the thing being reached ("the OpenAI-compatible server at URL") and
    ``hint`` says what to do about it; both go into the ``BackendUnavailableError`` raised
    after the last attempt. Errors that are not transient are re-raised unchanged at once,
    so the caller can map them to precise messages. With ``deadline_s``, a retry whose
    backoff would end past the deadline is not waited for: the caller's own timeout would
    cut it off anyway, and the last real error says more than "out of time".
    """
    attempts = max(1, attempts)

    def wait(state: RetryCallState) -> float:
        return backoff_delay_s(
            state.attempt_number,
            base_delay_s=base_delay_s,
            max_delay_s=max_delay_s,
            retry_after=retry_after_s(_failure(state)),
        )

    def notice(state: RetryCallState) -> None:
        NOTICES.emit(
            f"{what} failed (attempt {state.attempt_number} of {attempts}: "
            f"{describe(_failure(state))}); retrying in {state.upcoming_sleep:.2f}s"
        )

    def give_up(state: RetryCallState) -> T:
        exc = _failure(state)
        cut_short = deadline_s is not None and state.attempt_number < attempts
        raise BackendUnavailableError(
            gave_up_message(
                exc,
                what=what,
                attempts=state.attempt_number,
                hint=hint,
                deadline_s=deadline_s if cut_short else None,
            )
        ) from exc

    stop: stop_base = stop_after_attempt(attempts)
    if deadline_s is not None:
        stop = stop | stop_before_delay(deadline_s)
    retrying = AsyncRetrying(
        stop=stop,
        wait=wait,
        retry=retry_if_exception(_should_retry),
        before_sleep=notice,
        retry_error_callback=give_up,
    )

    async def attempt() -> T:
        # A coroutine function: tenacity would not await a plain callable's awaitable
        # (``client.models.list`` returns an awaitable paginator, not a coroutine).
        return await fn()

    return await retrying(attempt)
