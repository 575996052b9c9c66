"""Retry transient backend failures with exponential backoff, so a busy server is not fatal.

HTTP backends create their SDK clients with retries switched off and wrap each request in
``with_retries``: one retry policy for every backend, driven by ``Settings.max_retries``,
and one message when a server stays unreachable. Only failures that can pass by themselves
are retried (no connection, timeouts, HTTP 408/429/5xx, a stream cut off midway); a 4xx
answer such as 400, 401 or 404 means the request itself is wrong and is raised at once.
"""

from __future__ import annotations

import asyncio
import email.utils
import logging
import random
import time
from collections.abc import Awaitable, Callable, Mapping
from typing import TypeVar

import httpx

from sleeptime.errors import BackendUnavailableError, SleeptimeError

T = TypeVar("T")

log = logging.getLogger(__name__)

# Transport errors that say the request is malformed, not that the server is away.
_PERMANENT_TRANSPORT = (httpx.UnsupportedProtocol, httpx.LocalProtocolError)


class TransientError(Exception):
    """Raise from inside a retried call to say "try again" (e.g. a stream ended early)."""

    def __init__(self, reason: str, *, retry_after_s: float | None = None) -> None:
        super().__init__(reason)
        self.retry_after_s = retry_after_s


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
    """``exc`` and the errors it was raised ``from``, outermost first (cycles cut).

    Only explicit causes count: an unrelated error raised while handling a connection
    failure must not inherit its transience.
    """
    chain: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and current not in chain:
        chain.append(current)
        current = current.__cause__
    return chain


def is_transient(exc: BaseException) -> bool:
    """Decide whether ``exc`` may pass if the same request is sent again.

    SDKs wrap transport errors (openai raises ``APIConnectionError from httpx.ConnectError``),
    so the whole ``__cause__`` chain is inspected: an error caused by a transient one is
    transient. An HTTP status decides on its own, so a 400 caused by anything stays final.
    """
    for err in _causes(exc):
        if isinstance(err, SleeptimeError):
            return False
        if isinstance(err, TransientError):
            return True
        status = status_code_of(err)
        if status is not None:
            return is_transient_status(status)
        if isinstance(err, _PERMANENT_TRANSPORT):
            return False
        if isinstance(err, httpx.TransportError | ConnectionError | TimeoutError):
            return True
    return False


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


def describe(exc: BaseException) -> str:
    """A short reason for messages: the root cause's text (``Connection refused``)."""
    for err in reversed(_causes(exc)):
        if isinstance(err, OSError) and err.strerror:
            return err.strerror
        text = str(err).strip()
        if text:
            status = status_code_of(err)
            if status is not None and str(status) not in text:
                return f"HTTP {status}: {text}"
            return text
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


async def with_retries(
    fn: Callable[[], Awaitable[T]],
    *,
    attempts: int,
    base_delay_s: float,
    max_delay_s: float,
    what: str,
    hint: str = "",
) -> T:
    """Await ``fn()`` up to ``attempts`` times while it fails transiently.

    ``what`` names the thing being reached ("the OpenAI-compatible server at URL") and
    ``hint`` says what to do about it; both go into the ``BackendUnavailableError`` raised
    after the last attempt. Errors that are not transient are re-raised unchanged at once,
    so the caller can map them to precise messages.
    """
    attempts = max(1, attempts)
    for attempt in range(1, attempts + 1):
        try:
            return await fn()
        except Exception as exc:
            if not is_transient(exc):
                raise
            reason = describe(exc)
            if attempt == attempts:
                message = (
                    f"could not reach {what} after {attempts} attempt"
                    f"{'s' if attempts != 1 else ''} (last error: {reason})."
                )
                raise BackendUnavailableError(f"{message} {hint}".strip()) from exc
            delay = backoff_delay_s(
                attempt,
                base_delay_s=base_delay_s,
                max_delay_s=max_delay_s,
                retry_after=retry_after_s(exc),
            )
            log.warning(
                "%s failed (attempt %d of %d: %s); retrying in %.2fs",
                what,
                attempt,
                attempts,
                reason,
                delay,
            )
            await asyncio.sleep(delay)
    raise AssertionError("unreachable")  # pragma: no cover
