"""A server that keeps the stream alive but never answers cannot hold a request forever.

The loopback server sends an SSE keep-alive comment every 0.5 s, which resets every
byte-level read timeout, and never a token. Time to first token, time between tokens and
one deadline for the whole request (retries included) must each end the wait.
"""

from __future__ import annotations

import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from helpers.cli_process import child_env, sleeptime_argv
from helpers.scripted_http import Reply, ScriptedHTTPServer
from sleeptime.backends import ChatRequest, Message
from sleeptime.backends.openai_compat import from_settings
from sleeptime.errors import BackendUnavailableError
from sleeptime.settings import Settings

CHAT = "POST /v1/chat/completions"
HELLO = ChatRequest(messages=(Message("user", "hi"),), max_tokens=16)
BASE = {"id": "c", "object": "chat.completion.chunk", "created": 0, "model": "m"}


def _delta(delta: dict[str, Any]) -> dict[str, Any]:
    return {**BASE, "choices": [{"index": 0, "delta": delta, "finish_reason": None}]}


def _silent(*events: dict[str, Any], for_s: float = 60.0) -> Reply:
    """``events``, then keep-alive comments every 0.5 s for ``for_s`` seconds."""
    return Reply(events=list(events), keepalive_every_s=0.5, keepalive_for_s=for_s)


@pytest.fixture
def http() -> Iterator[ScriptedHTTPServer]:
    with ScriptedHTTPServer() as server:
        yield server


async def _fails_within(settings: Settings, limit_s: float) -> tuple[str, float]:
    backend = from_settings(settings, "m", retry_base_delay_s=0.01, retry_max_delay_s=0.01)
    start = time.monotonic()
    try:
        with pytest.raises(BackendUnavailableError) as caught:
            await backend.chat(HELLO)
    finally:
        await backend.aclose()
    took = time.monotonic() - start
    assert took < limit_s, f"took {took:.1f}s"
    return str(caught.value), took


async def test_no_first_token_fails_each_attempt(http: ScriptedHTTPServer) -> None:
    http.script(CHAT, default=_silent(_delta({"role": "assistant"})))
    settings = Settings(openai_base_url=http.base_url, first_token_timeout_s=1, max_retries=1)
    message, took = await _fails_within(settings, limit_s=6)
    assert took >= 2.0  # two attempts of one second each
    assert http.count(CHAT) == 2
    assert "accepted the request but stalled after 2 attempts" in message
    assert "no token within 1 s" in message and "SLEEPTIME_FIRST_TOKEN_TIMEOUT_S" in message
    assert "could not reach" not in message


async def test_a_stream_that_stops_mid_reply_hits_the_idle_limit(
    http: ScriptedHTTPServer,
) -> None:
    http.script(CHAT, default=_silent(_delta({"content": "The answ"})))
    settings = Settings(openai_base_url=http.base_url, request_timeout_s=1, max_retries=0)
    message, _ = await _fails_within(settings, limit_s=5)
    assert "no new token for 1 s" in message and "SLEEPTIME_REQUEST_TIMEOUT_S" in message


async def test_the_deadline_bounds_the_whole_request_with_its_retries(
    http: ScriptedHTTPServer,
) -> None:
    http.script(CHAT, default=_silent())
    settings = Settings(
        openai_base_url=http.base_url,
        request_timeout_s=30,
        request_deadline_s=2,
        max_retries=5,
    )
    message, took = await _fails_within(settings, limit_s=6)
    assert took >= 2.0
    assert "gave no complete answer within 2 s" in message
    assert "SLEEPTIME_REQUEST_DEADLINE_S" in message


def test_ask_against_a_keep_alive_server_fails_within_the_deadline(
    tmp_path: Path, http: ScriptedHTTPServer
) -> None:
    http.script(CHAT, default=_silent(for_s=120))
    env = child_env(
        tmp_path / "data",
        SLEEPTIME_OPENAI_BASE_URL=http.base_url,
        SLEEPTIME_REQUEST_DEADLINE_S="3",
    )
    added = subprocess.run(
        sleeptime_argv("context", "add", "ferry", "-"),
        input="The ferry leaves at 9.", env=env, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert added.returncode == 0, added.stderr
    start = time.monotonic()
    asked = subprocess.run(
        sleeptime_argv("ask", "ferry", "When?", "--mode", "baseline", "--backend", "openai",
                       "--model", "m"),
        env=env, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    took = time.monotonic() - start
    assert asked.returncode == 5, asked.stderr
    assert took < 15, f"ask took {took:.1f}s"
    assert "gave no complete answer within 3 s" in asked.stderr
    assert "Traceback" not in asked.stderr and asked.stdout == ""
