"""Retry policy: what counts as transient, how long to wait, what the final error says."""

from __future__ import annotations

import asyncio
import email.utils
import time

import httpx2
import openai
import pytest

from helpers.scripted_http import Reply, ScriptedHTTPServer, error_body
from sleeptime.backends.retry import (
    RetryNotices,
    TransientError,
    backoff_delay_s,
    describe,
    is_transient,
    retry_after_s,
    with_retries,
)
from sleeptime.errors import BackendUnavailableError, InputError

FAST = {"base_delay_s": 0.001, "max_delay_s": 0.01}


def status_error(status: int, headers: dict[str, str] | None = None) -> httpx2.HTTPStatusError:
    """A real httpx2 status error, as raised by ``response.raise_for_status()``."""
    request = httpx2.Request("POST", "http://127.0.0.1/v1/chat/completions")
    response = httpx2.Response(status, headers=headers or {}, request=request)
    return httpx2.HTTPStatusError("status", request=request, response=response)


@pytest.mark.parametrize("status", [408, 429, 500, 502, 503, 504])
def test_rate_limits_and_server_errors_are_transient(status: int) -> None:
    assert is_transient(status_error(status))


@pytest.mark.parametrize("status", [400, 401, 403, 404, 422, 501])
def test_client_errors_are_final(status: int) -> None:
    assert not is_transient(status_error(status))


def test_connection_errors_are_transient_through_their_cause() -> None:
    try:
        try:
            raise ConnectionRefusedError(111, "Connection refused")
        except OSError as inner:
            raise RuntimeError("wrapped by some SDK") from inner
    except RuntimeError as outer:
        assert is_transient(outer)
    assert is_transient(TimeoutError())
    assert is_transient(TransientError("stream cut"))
    assert not is_transient(ValueError("bad"))
    assert not is_transient(InputError("bad input"))


async def test_real_refused_connection_is_transient_and_described() -> None:
    client = openai.AsyncOpenAI(base_url="http://127.0.0.1:9/v1", api_key="x", max_retries=0)
    try:
        with pytest.raises(openai.APIConnectionError) as caught:
            await client.models.list()
    finally:
        await client.close()
    assert is_transient(caught.value)
    assert describe(caught.value) == "Connection refused"


def test_retry_after_header_forms() -> None:
    assert retry_after_s(status_error(429, {"retry-after": "3"})) == 3.0
    assert retry_after_s(status_error(429, {"retry-after-ms": "250"})) == 0.25
    date = email.utils.formatdate(time.time() + 30, usegmt=True)
    assert 25 < (retry_after_s(status_error(503, {"retry-after": date})) or 0) <= 30
    assert retry_after_s(status_error(429, {"retry-after": "soon"})) is None
    assert retry_after_s(status_error(429)) is None
    assert retry_after_s(TransientError("x", retry_after_s=1.5)) == 1.5


def test_backoff_grows_with_jitter_and_caps() -> None:
    for attempt, full in [(1, 0.5), (2, 1.0), (3, 2.0), (10, 8.0)]:
        delays = [backoff_delay_s(attempt, base_delay_s=0.5, max_delay_s=8.0) for _ in range(50)]
        assert all(full / 2 <= d <= full for d in delays)
        assert len(set(delays)) > 1  # jittered
    assert backoff_delay_s(1, base_delay_s=0.5, max_delay_s=8.0, retry_after=3.0) == 3.0
    assert backoff_delay_s(1, base_delay_s=0.5, max_delay_s=8.0, retry_after=600.0) == 8.0


async def test_retries_until_success() -> None:
    calls = 0

    async def flaky() -> str:
        nonlocal calls
        calls += 1
        if calls < 3:
            raise TransientError("busy")
        return "ok"

    assert await with_retries(flaky, attempts=3, what="the thing", **FAST) == "ok"
    assert calls == 3


async def test_final_errors_are_not_retried() -> None:
    calls = 0

    async def broken() -> str:
        nonlocal calls
        calls += 1
        raise ValueError("a bug, not a hiccup")

    with pytest.raises(ValueError):
        await with_retries(broken, attempts=5, what="the thing", **FAST)
    assert calls == 1


async def test_gives_up_with_an_actionable_message() -> None:
    calls = 0

    async def down() -> str:
        nonlocal calls
        calls += 1
        raise ConnectionRefusedError(111, "Connection refused")

    with pytest.raises(BackendUnavailableError) as caught:
        await with_retries(down, attempts=4, what="the server at X", hint="Start it.", **FAST)
    assert calls == 4
    assert str(caught.value) == (
        "could not reach the server at X after 4 attempts (last error: Connection refused). "
        "Start it."
    )
    assert isinstance(caught.value.__cause__, ConnectionRefusedError)


async def test_honours_retry_after_from_a_real_server(http: ScriptedHTTPServer) -> None:
    http.script(
        "GET /v1/models",
        Reply(429, error_body("slow down"), headers={"Retry-After": "0.3"}),
        Reply(200, {"object": "list", "data": [{"id": "m", "object": "model"}]}),
    )
    client = openai.AsyncOpenAI(base_url=http.base_url, api_key="x", max_retries=0)
    start = time.perf_counter()
    try:
        page = await with_retries(
            client.models.list, attempts=3, base_delay_s=0.001, max_delay_s=5.0, what="server"
        )
    finally:
        await client.close()
    assert [m.id for m in page.data] == ["m"]
    assert time.perf_counter() - start >= 0.3
    assert http.count("GET /v1/models") == 2


def test_retry_notices_are_throttled_and_counted(caplog: pytest.LogCaptureFixture) -> None:
    notices = RetryNotices(interval_s=0.3)
    with caplog.at_level("WARNING", logger="sleeptime.backends.retry"):
        for n in range(5):
            notices.emit(f"server failed {n}")
        time.sleep(0.35)
        notices.emit("server failed again")
    assert [r.getMessage() for r in caplog.records] == [
        "server failed 0",
        "server failed again (4 more retries not shown)",
    ]


async def test_cancellation_is_never_retried_even_amid_a_transient_error() -> None:
    calls = 0

    async def cancelled_while_reconnecting() -> str:
        nonlocal calls
        calls += 1
        try:
            raise ConnectionRefusedError(111, "Connection refused")
        except OSError:
            raise asyncio.CancelledError() from None  # chain still holds the refusal

    with pytest.raises(asyncio.CancelledError):
        await with_retries(cancelled_while_reconnecting, attempts=5, what="the thing", **FAST)
    assert calls == 1

    started = asyncio.Event()

    async def hangs() -> str:
        started.set()
        await asyncio.sleep(60)
        return "never"

    task = asyncio.create_task(with_retries(hangs, attempts=5, what="the thing", **FAST))
    await started.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task


async def test_a_backoff_past_the_deadline_is_not_waited_for() -> None:
    calls = 0

    async def rate_limited() -> str:
        nonlocal calls
        calls += 1
        raise TransientError("busy", retry_after_s=5.0)

    start = time.perf_counter()
    with pytest.raises(BackendUnavailableError) as caught:
        await with_retries(
            rate_limited,
            attempts=4,
            base_delay_s=0.001,
            max_delay_s=10.0,
            what="the thing",
            deadline_s=2.0,
        )
    assert calls == 1 and time.perf_counter() - start < 1.0
    assert str(caught.value) == (
        "the thing kept breaking off its replies after 1 attempt within the 2 s request "
        "deadline (last error: busy); retry later or check the server"
    )
