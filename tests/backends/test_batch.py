"""Sleep through the OpenAI Batch API: a real batch server on loopback executes every line.

``helpers.batch_server`` implements files + batches over HTTP and runs each line against
a scripted chat server (fast tests) or a real ``llama_cpp.server`` (the integration test),
so the SDK calls, the JSONL, the polling and the result mapping all run for real.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from helpers.batch_server import BatchServer
from helpers.llama_server import SMOLLM2_ALIAS
from helpers.scripted_http import Reply, ScriptedHTTPServer, error_body
from sleeptime.app import Sleeptime
from sleeptime.backends import ChatRequest, Message, ToolSpec
from sleeptime.backends.batch import UNSUPPORTED, BatchingBackend
from sleeptime.backends.openai_compat import OpenAICompatBackend
from sleeptime.errors import BackendError, BackendUnavailableError, InputError
from sleeptime.settings import Settings
from sleeptime.sleep import SleepBudget

CHAT = "POST /v1/chat/completions"
NOTES = "<notes>The ferry leaves at 8:15. A child ticket costs 12 pounds.</notes><finish/>"
CONTEXT = "The ferry leaves at 8:15 and 14:30. Adults pay 24 pounds, children 12 pounds."


def completion(
    text: str = "", *, prompt_tokens: int = 11, tool_calls: list[Any] | None = None
) -> dict[str, Any]:
    """A non-streamed ``chat.completion`` body."""
    message: dict[str, Any] = {"role": "assistant", "content": text}
    if tool_calls:
        message["tool_calls"] = tool_calls
    return {
        "id": "cc",
        "object": "chat.completion",
        "created": 0,
        "model": "m",
        "choices": [
            {
                "index": 0,
                "message": message,
                "finish_reason": "tool_calls" if tool_calls else "stop",
            }
        ],
        "usage": {
            "prompt_tokens": prompt_tokens,
            "completion_tokens": 3,
            "total_tokens": prompt_tokens + 3,
        },
    }


def streamed(text: str) -> Reply:
    """The same answer as server-sent events, for direct (non-batch) calls."""
    base = {"id": "c", "object": "chat.completion.chunk", "created": 0, "model": "m"}
    return Reply(
        events=[
            {**base, "choices": [{"index": 0, "delta": {"content": text}}]},
            {**base, "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]},
            {**base, "choices": [], "usage": {"prompt_tokens": 5, "completion_tokens": 2}},
        ]
    )


def ask(text: str, seed: int | None = None, tools: tuple[ToolSpec, ...] = ()) -> ChatRequest:
    return ChatRequest(messages=(Message("user", text),), max_tokens=32, seed=seed, tools=tools)


@pytest.fixture
def batch(http: ScriptedHTTPServer) -> Iterator[BatchServer]:
    """A batch API in front of the scripted chat server."""
    with BatchServer(http.base_url) as server:
        yield server


def batching(server: BatchServer, **options: Any) -> BatchingBackend:
    inner = OpenAICompatBackend(base_url=server.base_url, api_key="k", model="m", max_retries=0)
    settings: dict[str, Any] = {"batch_window_s": 0.05, "poll_interval_s": 0.02, **options}
    return BatchingBackend(inner, max_retries=0, **settings)


async def test_concurrent_calls_share_one_batch_and_map_back_by_custom_id(
    http: ScriptedHTTPServer, batch: BatchServer
) -> None:
    http.script(
        CHAT, Reply(body=completion("first", prompt_tokens=7)), Reply(body=completion("2nd"))
    )
    backend = batching(batch)
    one, two = await asyncio.gather(backend.chat(ask("a", seed=0)), backend.chat(ask("b", seed=1)))
    # The server writes its output in reverse order; results still reach their callers.
    assert (one.text, two.text) == ("first", "2nd")
    assert (one.usage.prompt_tokens, one.usage.completion_tokens, one.usage.calls) == (7, 3, 1)
    assert one.usage.first_token_s is None
    assert len(backend.batch_ids) == 1
    job = batch.batches[backend.batch_ids[0]]
    assert job.record["endpoint"] == "/v1/chat/completions"
    assert job.record["completion_window"] == "24h"
    assert [line["body"]["seed"] for line in job.lines] == [0, 1]
    assert all(line["url"] == "/v1/chat/completions" for line in job.lines)
    assert all("stream" not in line["body"] for line in job.lines)
    assert [
        s.body["messages"][0]["content"] for s in http.seen if s.path.endswith("/chat/completions")
    ] == ["a", "b"]
    assert backend.info.details["batch"] == "enabled"
    await backend.aclose()


async def test_tools_pass_through_and_tool_calls_come_back(
    http: ScriptedHTTPServer, batch: BatchServer
) -> None:
    call = {
        "id": "call_1",
        "type": "function",
        "function": {"name": "finish", "arguments": '{"done": true}'},
    }
    http.script(CHAT, Reply(body=completion(tool_calls=[call])))
    tool = ToolSpec("finish", "Stop", {"type": "object", "properties": {}})
    result = await batching(batch).chat(ask("x", tools=(tool,)))
    assert result.finish_reason == "tool_calls"
    assert result.tool_calls[0].name == "finish"
    assert result.tool_calls[0].arguments == {"done": True}
    line = next(iter(batch.batches.values())).lines[0]
    assert line["body"]["tools"][0]["function"]["name"] == "finish"


async def test_a_failed_line_fails_only_its_request(
    http: ScriptedHTTPServer, batch: BatchServer
) -> None:
    http.script(
        CHAT,
        Reply(body=completion("fine")),
        Reply(status=400, body=error_body("max_tokens is too large")),
    )
    backend = batching(batch)
    good, bad = await asyncio.gather(
        backend.chat(ask("a")), backend.chat(ask("b")), return_exceptions=True
    )
    assert not isinstance(good, BaseException) and good.text == "fine"
    assert isinstance(bad, BackendError)
    assert "max_tokens is too large" in str(bad) and "HTTP 400" in str(bad)
    assert backend.batch_ids[0] in str(bad)


@pytest.mark.parametrize("status", ["failed", "expired", "cancelled"])
async def test_a_failed_batch_names_its_id_and_status(batch: BatchServer, status: str) -> None:
    batch.behaviour.end_status = status
    backend = batching(batch)
    with pytest.raises(BackendError) as caught:
        await asyncio.gather(backend.chat(ask("a")), backend.chat(ask("b")))
    message = str(caught.value)
    assert backend.batch_ids[0] in message and repr(status) in message
    assert "the batch worker crashed" in message and "--batch" in message


async def test_a_batch_that_outlives_the_wait_limit_is_cancelled(batch: BatchServer) -> None:
    batch.behaviour.hold = True
    backend = batching(batch, max_wait_s=0.3)
    with pytest.raises(BackendUnavailableError, match=r"still 'in_progress' after 0\.3s"):
        await backend.chat(ask("a"))
    assert batch.batches[backend.batch_ids[0]].record["status"] == "cancelled"


async def test_no_batch_api_falls_back_to_direct_calls_once(
    http: ScriptedHTTPServer, batch: BatchServer
) -> None:
    batch.behaviour.no_batches = True
    http.script(CHAT, streamed("direct"), streamed("again"))
    backend = batching(batch)
    await backend.prepare()
    assert backend.info.details["batch"] == UNSUPPORTED
    assert (await backend.chat(ask("a"))).text == "direct"
    assert (await backend.chat(ask("b"))).text == "again"
    assert "POST /v1/files" not in batch.requests
    assert batch.requests.count("GET /v1/batches") == 1  # asked once, then remembered


async def test_an_upload_refused_with_405_falls_back_at_submission(
    http: ScriptedHTTPServer, batch: BatchServer
) -> None:
    batch.behaviour.no_files = True
    http.script(CHAT, streamed("one"), streamed("two"))
    backend = batching(batch)
    await backend.prepare()
    assert backend.supported
    texts = sorted(
        r.text for r in await asyncio.gather(backend.chat(ask("a")), backend.chat(ask("b")))
    )
    assert texts == ["one", "two"]
    assert backend.info.details["batch"] == UNSUPPORTED
    assert backend.batch_ids == []


async def test_full_batches_are_sent_without_waiting_for_the_window(
    http: ScriptedHTTPServer, batch: BatchServer
) -> None:
    http.script(CHAT, default=Reply(body=completion("ok")))
    backend = batching(batch, batch_window_s=30.0, max_batch_size=2)
    results = await asyncio.wait_for(
        asyncio.gather(backend.chat(ask("a")), backend.chat(ask("b"))), timeout=10
    )
    assert [r.text for r in results] == ["ok", "ok"]
    assert len(backend.batch_ids) == 1


# whole sleep runs ---------------------------------------------------------------------------
def app_for(server: BatchServer, tmp_path: Path, **overrides: Any) -> Sleeptime:
    settings = Settings(
        database_url=f"sqlite:///{tmp_path / 'batch.db'}",
        backend="openai",
        model=overrides.pop("model", "m"),
        openai_base_url=server.base_url,
        openai_native_tools=False,
        openai_batch_window_s=0.05,
        openai_batch_poll_s=0.02,
        max_retries=0,
        **overrides,
    )
    app = Sleeptime(settings)
    app.add_context("ferry", CONTEXT)
    return app


async def test_a_parallel_sleep_run_goes_through_one_batch_per_round(
    http: ScriptedHTTPServer, batch: BatchServer, tmp_path: Path
) -> None:
    http.script(CHAT, default=Reply(body=completion(NOTES, prompt_tokens=50)))
    app = app_for(batch, tmp_path, openai_batch=True)  # the setting, no argument
    try:
        result = await app.sleep("ferry", recipe="parallel:2", budget=SleepBudget(max_rounds=2))
        run = app.store.get_run(result.run_id)
    finally:
        await app.aclose()
    assert run.status == "complete"
    assert run.settings["backend_details"]["batch"] == "enabled"
    first = next(iter(batch.batches.values()))
    assert sorted(line["body"]["seed"] for line in first.lines) == [0, 1]
    assert run.prompt_tokens == result.usage.prompt_tokens == 50 * result.usage.calls
    assert "ferry leaves at 8:15" in result.artifact.text


async def test_a_failed_batch_fails_the_run_without_an_artifact(
    batch: BatchServer, tmp_path: Path
) -> None:
    batch.behaviour.end_status = "failed"
    app = app_for(batch, tmp_path)
    try:
        with pytest.raises(BackendError, match="ended with status 'failed'"):
            await app.sleep("ferry", recipe="parallel:2", batch=True)
        _, revision = app.context("ferry")
        runs = app.store.list_runs(revision_id=revision.id)
        assert [r.status for r in runs] == ["failed"]
        assert "batch-" in (runs[0].error or "")
        assert app.store.latest_artifact(revision.id) is None
    finally:
        await app.aclose()


async def test_a_server_without_batches_still_sleeps(
    http: ScriptedHTTPServer, batch: BatchServer, tmp_path: Path
) -> None:
    batch.behaviour.no_batches = True
    http.script(CHAT, default=streamed(NOTES))
    app = app_for(batch, tmp_path)
    try:
        result = await app.sleep("ferry", batch=True)
        run = app.store.get_run(result.run_id)
    finally:
        await app.aclose()
    assert run.status == "complete"
    assert run.settings["backend_details"]["batch"] == UNSUPPORTED
    assert not batch.batches


async def test_batch_needs_the_openai_backend(tmp_path: Path) -> None:
    app = Sleeptime(Settings(database_url=f"sqlite:///{tmp_path / 'x.db'}", backend="scripted"))
    app.add_context("ferry", CONTEXT)
    try:
        with pytest.raises(InputError, match="needs the openai backend"):
            await app.sleep("ferry", batch=True)
    finally:
        await app.aclose()


# a real model server ------------------------------------------------------------------------
@pytest.mark.server
@pytest.mark.integration
async def test_parallel_sleep_through_a_batch_of_real_llama_server_calls(
    tmp_path: Path, llama_server: str
) -> None:
    with BatchServer(llama_server) as server:
        app = app_for(server, tmp_path, model=SMOLLM2_ALIAS)
        try:
            result = await app.sleep(
                "ferry",
                recipe="parallel:2",
                batch=True,
                budget=SleepBudget(max_rounds=2, round_max_tokens=96),
            )
            run = app.store.get_run(result.run_id)
        finally:
            await app.aclose()
    assert run.status == "complete" and result.artifact.text
    jobs = list(server.batches.values())
    assert jobs and all(job.record["status"] == "completed" for job in jobs)
    assert sorted(line["body"]["seed"] for line in jobs[0].lines) == [0, 1]
    assert run.prompt_tokens > 0 and run.completion_tokens > 0
    assert run.prompt_tokens == result.usage.prompt_tokens
    bodies = [json.dumps(line["body"]) for job in jobs for line in job.lines]
    assert all('"tools"' not in body for body in bodies)


def test_the_cli_sleeps_through_a_batch_only_with_the_openai_backend(
    http: ScriptedHTTPServer, batch: BatchServer, tmp_path: Path
) -> None:
    from click.testing import CliRunner

    from sleeptime.cli.main import cli

    http.script(CHAT, default=Reply(body=completion(NOTES)))
    env = {
        "SLEEPTIME_DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}",
        "SLEEPTIME_OPENAI_BASE_URL": batch.base_url,
        "SLEEPTIME_OPENAI_NATIVE_TOOLS": "false",
        "SLEEPTIME_OPENAI_BATCH_WINDOW_S": "0.05",
        "SLEEPTIME_OPENAI_BATCH_POLL_S": "0.02",
        "SLEEPTIME_MODEL": "m",
    }
    runner = CliRunner()
    added = runner.invoke(cli, ["context", "add", "ferry", "-"], input=CONTEXT, env=env)
    assert added.exit_code == 0, added.output
    wrong = runner.invoke(cli, ["sleep", "ferry", "--batch", "--backend", "scripted"], env=env)
    assert wrong.exit_code == 2 and "needs the openai backend" in wrong.output
    slept = runner.invoke(
        cli, ["sleep", "ferry", "--batch", "--backend", "openai", "--quiet"], env=env
    )
    assert slept.exit_code == 0, slept.output
    assert "slept on 'ferry'" in slept.output
    assert len(batch.batches) >= 1
