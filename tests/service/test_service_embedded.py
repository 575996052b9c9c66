"""The whole path a new user takes, on the real embedded model and a real server process.

``sleeptime serve`` starts with no configuration (a SQLite file, the embedded SmolLM2,
an in-process worker) and prints its first API key; a context is posted over HTTP; the
worker sleeps on it in the background; then the official ``openai`` client, pointed at
the service, gets an answer that used ``c'`` with real usage — and another tenant's key
sees nothing of it.
"""

from __future__ import annotations

import re
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import openai
import pytest

from helpers.cli_process import child_env, sleeptime_argv

pytestmark = pytest.mark.integration

TEXT = (
    "The harbour ferry leaves at 9 in the morning and returns at 5 in the afternoon. "
    "A ticket costs 12 dollars for adults and 6 dollars for children. "
    "The ferry carries at most 80 passengers."
)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def service(tmp_path: Path) -> Iterator[tuple[str, str, dict[str, str]]]:
    port = _free_port()
    env = child_env(
        tmp_path / "data",
        SLEEPTIME_SLEEP_QUIET_S="0",
        SLEEPTIME_WORKER_POLL_S="0.2",
        SLEEPTIME_N_CTX="4096",
    )
    log = tmp_path / "serve.log"
    with log.open("w") as sink:  # a file, not a pipe nobody drains
        child = subprocess.Popen(
            sleeptime_argv("serve", "--port", str(port)), env=env, stderr=sink, text=True
        )
    key = ""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not key and child.poll() is None:
        found = re.search(r"\b(st-[\w-]+)", log.read_text())
        key = found.group(1) if found else key
        time.sleep(0.1)
    assert key, f"serve printed no first API key: {log.read_text()}"
    base = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                break
        except httpx.TransportError:
            time.sleep(0.1)
    try:
        yield base, key, env
    finally:
        child.terminate()
        child.wait(30)


def test_post_sleep_and_ask_with_the_openai_client(
    service: tuple[str, str, dict[str, str]],
) -> None:
    base, key, env = service
    auth = {"Authorization": f"Bearer {key}"}
    posted = httpx.post(f"{base}/v1/contexts", json={"name": "ferry", "text": TEXT}, headers=auth)
    assert posted.status_code == 201, posted.text
    deadline = time.monotonic() + 300
    notes = None
    while time.monotonic() < deadline:
        shown = httpx.get(f"{base}/v1/contexts/ferry", headers=auth, timeout=10).json()
        notes = shown["notes"]
        if notes is not None:
            break
        time.sleep(1)
    assert notes is not None, httpx.get(f"{base}/v1/jobs", headers=auth).text
    [job] = httpx.get(f"{base}/v1/jobs", headers=auth).json()
    assert job["status"] == "complete" and job["origin"] == "worker"

    client = openai.OpenAI(base_url=f"{base}/v1", api_key=key)
    reply = client.chat.completions.create(
        model="sleeptime/ferry",
        messages=[{"role": "user", "content": "How much do two adult tickets cost?"}],
    )
    assert reply.choices[0].message.content
    assert reply.usage is not None and reply.usage.prompt_tokens > 0
    assert reply.usage.completion_tokens > 0
    details = reply.usage.prompt_tokens_details
    # The KV state saved after sleep is restored: most of the prompt is not recomputed.
    assert details is not None and (details.cached_tokens or 0) > reply.usage.prompt_tokens // 2
    extra = reply.model_extra or {}
    assert extra["sleeptime"]["artifact_id"] == notes["id"]
    assert extra["sleeptime"]["notes_revision"] == 1 and not extra["sleeptime"]["stale"]
    models = [m.id for m in client.models.list()]
    assert models == ["sleeptime/ferry"]

    # Streamed, the same question comes token by token and adds up to the same answer.
    stream = client.chat.completions.create(
        model="sleeptime/ferry",
        messages=[{"role": "user", "content": "How much do two adult tickets cost?"}],
        stream=True,
        stream_options={"include_usage": True},
    )
    chunks = list(stream)
    pieces = [
        c.choices[0].delta.content for c in chunks if c.choices and c.choices[0].delta.content
    ]
    assert "".join(pieces) == reply.choices[0].message.content
    assert len(pieces) > 3
    assert chunks[-1].usage is not None
    assert chunks[-1].usage.completion_tokens == reply.usage.completion_tokens

    # Another tenant's key sees nothing of it.
    made = subprocess.run(
        sleeptime_argv("--tenant", "other", "keys", "create"), env=env, capture_output=True,
        text=True, timeout=60,
    )  # fmt: skip
    assert made.returncode == 0, made.stderr
    other = openai.OpenAI(base_url=f"{base}/v1", api_key=made.stdout.strip())
    assert list(other.models.list()) == []
    with pytest.raises(openai.NotFoundError):
        other.chat.completions.create(
            model="sleeptime/ferry", messages=[{"role": "user", "content": "Price?"}]
        )
