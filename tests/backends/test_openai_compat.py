"""The OpenAI-compatible backend against a scripted HTTP server on loopback.

The server is real (sockets, HTTP, SSE); only its answers are scripted, so every path from
the SDK's parsing to our error messages runs for real. Tests against a real model server
are in test_openai_compat_server.py.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from typing import Any

import pytest

from helpers.llama_server import free_port
from helpers.scripted_http import Reply, ScriptedHTTPServer, error_body
from sleeptime.backends import ChatRequest, Message, ToolCall, ToolSpec, create_backend
from sleeptime.backends.openai_compat import NO_KEY, OpenAICompatBackend, from_settings
from sleeptime.errors import (
    BackendError,
    BackendUnavailableError,
    ConfigError,
    ContextTooLargeError,
    InputError,
)
from sleeptime.settings import Settings

CHAT = "POST /v1/chat/completions"
COMPLETIONS = "POST /v1/completions"
MODELS = "GET /v1/models"
HELLO = ChatRequest(messages=(Message("user", "hi"),), max_tokens=16)
WEATHER = ToolSpec(
    "get_weather", "Weather for a city", {"type": "object", "properties": {"city": {}}}
)


def chunk(
    delta: dict[str, Any] | None = None,
    finish: str | None = None,
    usage: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """One ``chat.completion.chunk`` event."""
    choices = [] if delta is None else [{"index": 0, "delta": delta, "finish_reason": finish}]
    event: dict[str, Any] = {
        "id": "c1",
        "object": "chat.completion.chunk",
        "created": 0,
        "model": "m",
        "choices": choices,
    }
    if usage is not None:
        event["usage"] = usage
    return event


def text_events(*pieces: str, finish: str = "stop") -> list[dict[str, Any] | str]:
    events: list[dict[str, Any] | str] = [chunk({"role": "assistant"})]
    events += [chunk({"content": p}) for p in pieces]
    events.append(chunk({}, finish=finish))
    return events


def completion(message: dict[str, Any], finish: str = "stop") -> dict[str, Any]:
    return {
        "id": "c1",
        "object": "chat.completion",
        "created": 0,
        "model": "m",
        "choices": [{"index": 0, "message": message, "finish_reason": finish}],
        "usage": {"prompt_tokens": 11, "completion_tokens": 3, "total_tokens": 14},
    }


def models(*ids: str) -> Reply:
    return Reply(200, {"object": "list", "data": [{"id": i, "object": "model"} for i in ids]})


@pytest.fixture
async def backend(http: ScriptedHTTPServer) -> AsyncIterator[OpenAICompatBackend]:
    settings = Settings(openai_base_url=http.base_url, max_retries=2)
    b = from_settings(settings, "m", retry_base_delay_s=0.001, retry_max_delay_s=0.01)
    yield b
    await b.aclose()


# -- configuration ---------------------------------------------------------------------


def test_needs_a_base_url_or_a_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OPENAI_BASE_URL", raising=False)
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    with pytest.raises(ConfigError, match=r"SLEEPTIME_OPENAI_BASE_URL.*llama_cpp.server"):
        from_settings(Settings(openai_base_url=None, openai_api_key=None), None)


def test_rejects_unknown_options_and_bad_urls() -> None:
    with pytest.raises(ConfigError, match="invalid options"):
        from_settings(Settings(openai_base_url="http://127.0.0.1:1/v1"), None, colour="red")
    with pytest.raises(ConfigError, match="not an http"):
        from_settings(Settings(openai_base_url="127.0.0.1:8000/v1"), None)


async def test_key_precedence_and_dummy_key(
    http: ScriptedHTTPServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    http.script(CHAT, default=Reply(events=text_events("ok")))
    keys = []
    for settings, options in [
        (Settings(openai_base_url=http.base_url), {}),
        (Settings(openai_base_url=http.base_url, openai_api_key="from-settings"), {}),
        (
            Settings(openai_base_url="http://wrong:1/v1"),
            {"base_url": http.base_url, "api_key": "from-options"},
        ),
    ]:
        b = from_settings(settings, "m", **options)
        await b.chat(HELLO)
        await b.aclose()
        keys.append(http.seen[-1].headers["authorization"])
    assert keys == [f"Bearer {NO_KEY}", "Bearer from-settings", "Bearer from-options"]


async def test_env_fallback_and_registry(
    http: ScriptedHTTPServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENAI_BASE_URL", http.base_url)
    monkeypatch.setenv("OPENAI_API_KEY", "from-env")
    http.script(CHAT, Reply(events=text_events("ok")))
    b = create_backend("openai", model="m", settings=Settings(openai_base_url=None))
    try:
        assert (await b.chat(HELLO)).text == "ok"
    finally:
        await b.aclose()
    assert http.seen[-1].headers["authorization"] == "Bearer from-env"


# -- chat ---------------------------------------------------------------------------------


async def test_streamed_text_with_server_usage(
    http: ScriptedHTTPServer, backend: OpenAICompatBackend
) -> None:
    usage = {
        "prompt_tokens": 40,
        "completion_tokens": 2,
        "total_tokens": 42,
        "prompt_tokens_details": {"cached_tokens": 32},
    }
    http.script(CHAT, Reply(events=[*text_events("Hel", "lo"), chunk(None, usage=usage)]))
    request = ChatRequest(
        messages=(Message("system", "be brief"), Message("user", "hi")),
        max_tokens=7,
        temperature=0.5,
        seed=3,
        stop=("\n",),
    )
    result = await backend.chat(request)
    assert (result.text, result.finish_reason, result.model) == ("Hello", "stop", "m")
    assert (result.usage.prompt_tokens, result.usage.completion_tokens) == (40, 2)
    assert result.usage.cached_prompt_tokens == 32
    assert result.usage.first_token_s is not None
    assert 0 < result.usage.first_token_s <= result.usage.wall_time_s
    assert backend.info.details["usage"] == "server"
    sent = http.seen[-1].body
    assert sent["stream"] is True and sent["stream_options"] == {"include_usage": True}
    assert (sent["max_tokens"], sent["temperature"], sent["seed"]) == (7, 0.5, 3)
    assert sent["stop"] == ["\n"] and "tools" not in sent
    assert sent["messages"] == [
        {"role": "system", "content": "be brief"},
        {"role": "user", "content": "hi"},
    ]


async def test_stream_without_usage_is_estimated(
    http: ScriptedHTTPServer, backend: OpenAICompatBackend
) -> None:
    http.script(CHAT, Reply(events=text_events("one two three", finish="length")))
    result = await backend.chat(HELLO)
    assert result.finish_reason == "length"
    assert result.usage.completion_tokens == 3 and result.usage.prompt_tokens > 0
    assert result.usage.cached_prompt_tokens == 0
    assert backend.info.details["usage"] == "estimated"


async def test_streamed_tool_calls_and_malformed_arguments(
    http: ScriptedHTTPServer, backend: OpenAICompatBackend
) -> None:
    def call(index: int, **fields: Any) -> dict[str, Any]:
        return chunk({"tool_calls": [{"index": index, **fields}]})

    http.script(
        CHAT,
        Reply(
            events=[
                chunk({"role": "assistant"}),
                call(0, id="a", type="function", function={"name": "get_weather", "arguments": ""}),
                call(0, function={"arguments": '{"city": '}),
                call(0, function={"arguments": '"Paris"}'}),
                call(
                    1,
                    id="b",
                    type="function",
                    function={"name": "get_weather", "arguments": "{city: Rome"},
                ),
                chunk({}, finish="tool_calls"),
            ]
        ),
    )
    result = await backend.chat(
        ChatRequest(messages=(Message("user", "weather?"),), tools=(WEATHER,))
    )
    assert result.finish_reason == "tool_calls"
    assert result.tool_calls == (
        ToolCall("get_weather", {"city": "Paris"}, id="a"),
        ToolCall("get_weather", {}, id="b", raw="{city: Rome"),
    )
    assert result.usage.first_token_s is not None
    sent = http.seen[-1].body
    assert sent["tools"] == [
        {
            "type": "function",
            "function": {
                "name": "get_weather",
                "description": "Weather for a city",
                "parameters": WEATHER.parameters,
            },
        }
    ]


async def test_tool_conversation_is_sent_with_matching_ids(
    http: ScriptedHTTPServer, backend: OpenAICompatBackend
) -> None:
    http.script(CHAT, Reply(events=text_events("sunny")))
    await backend.chat(
        ChatRequest(
            messages=(
                Message("user", "weather?"),
                Message(
                    "assistant",
                    "",
                    tool_calls=(
                        ToolCall("get_weather", {"city": "Paris"}),
                        ToolCall("get_weather", {}, raw="{bad"),
                    ),
                ),
                Message("tool", "sunny", tool_call_id=None),
                Message("tool", "error: bad arguments", tool_call_id=None),
            )
        )
    )
    sent = http.seen[-1].body["messages"]
    assert sent[1]["tool_calls"] == [
        {
            "id": "call_1",
            "type": "function",
            "function": {"name": "get_weather", "arguments": '{"city": "Paris"}'},
        },
        {
            "id": "call_2",
            "type": "function",
            "function": {"name": "get_weather", "arguments": "{bad"},
        },
    ]
    assert [m["tool_call_id"] for m in sent[2:]] == ["call_1", "call_2"]


async def test_native_tools_off_sends_no_tools(http: ScriptedHTTPServer) -> None:
    http.script(CHAT, Reply(events=text_events("ok")))
    b = from_settings(Settings(openai_base_url=http.base_url), "m", native_tools=False)
    try:
        assert b.info.native_tools is False
        await b.chat(ChatRequest(messages=(Message("user", "x"),), tools=(WEATHER,)))
    finally:
        await b.aclose()
    assert "tools" not in http.seen[-1].body


async def test_non_streaming_mode(http: ScriptedHTTPServer) -> None:
    http.script(
        CHAT,
        Reply(
            200,
            completion(
                {
                    "role": "assistant",
                    "content": None,
                    "tool_calls": [
                        {
                            "id": "t",
                            "type": "function",
                            "function": {"name": "get_weather", "arguments": '{"city":"Oslo"}'},
                        }
                    ],
                },
                finish="tool_calls",
            ),
        ),
    )
    b = from_settings(Settings(openai_base_url=http.base_url), "m", stream=False)
    try:
        result = await b.chat(HELLO)
    finally:
        await b.aclose()
    assert result.tool_calls == (ToolCall("get_weather", {"city": "Oslo"}, id="t"),)
    assert (result.usage.prompt_tokens, result.usage.completion_tokens) == (11, 3)
    assert result.usage.first_token_s is None
    assert "stream" not in http.seen[-1].body


async def test_model_comes_from_the_server_when_not_given(http: ScriptedHTTPServer) -> None:
    http.script(MODELS, models("first", "second"))
    http.script(CHAT, default=Reply(events=text_events("ok")))
    b = from_settings(Settings(openai_base_url=http.base_url), None)
    try:
        assert b.info.model == ""
        await b.chat(HELLO)
        await b.chat(HELLO)
    finally:
        await b.aclose()
    assert b.info.model == "first"
    assert http.seen[-1].body["model"] == "first"
    assert http.count(MODELS) == 1


async def test_server_without_models(http: ScriptedHTTPServer) -> None:
    http.script(MODELS, models())
    b = from_settings(Settings(openai_base_url=http.base_url), None)
    try:
        with pytest.raises(BackendError, match="lists no models"):
            await b.chat(HELLO)
    finally:
        await b.aclose()


def test_usable_from_successive_event_loops(http: ScriptedHTTPServer) -> None:
    # A sync wrapper calls asyncio.run per call; pooled connections must not outlive a loop.
    http.script(CHAT, default=Reply(events=text_events("ok")))
    b = from_settings(Settings(openai_base_url=http.base_url, max_retries=0), "m")
    assert asyncio.run(b.chat(HELLO)).text == "ok"
    assert asyncio.run(b.chat(HELLO)).text == "ok"
    asyncio.run(b.aclose())


# -- failures ----------------------------------------------------------------------------


async def test_rate_limit_then_success(
    http: ScriptedHTTPServer, backend: OpenAICompatBackend
) -> None:
    http.script(
        CHAT,
        Reply(429, error_body("slow down"), headers={"Retry-After": "0"}),
        Reply(503, error_body("overloaded")),
        Reply(events=text_events("ok")),
    )
    assert (await backend.chat(HELLO)).text == "ok"
    assert http.count(CHAT) == 3


async def test_server_errors_exhaust_retries(
    http: ScriptedHTTPServer, backend: OpenAICompatBackend
) -> None:
    http.script(CHAT, default=Reply(500, error_body("boom", type_="internal_server_error")))
    with pytest.raises(BackendUnavailableError, match=r"after 3 attempts \(last error: .*boom"):
        await backend.chat(HELLO)
    assert http.count(CHAT) == 3


async def test_cut_stream_is_retried(
    http: ScriptedHTTPServer, backend: OpenAICompatBackend
) -> None:
    http.script(
        CHAT,
        Reply(events=[chunk({"content": "Hel"})], cut=True),
        Reply(events=[chunk({"content": "partial"})]),  # [DONE] but no finish reason
        Reply(events=text_events("Hello")),
    )
    assert (await backend.chat(HELLO)).text == "Hello"
    assert http.count(CHAT) == 3


@pytest.mark.parametrize(
    "empty",
    [
        Reply(events=[]),  # only [DONE]
        Reply(events=[], cut=True),  # nothing at all, then a dropped connection
    ],
    ids=["done-only", "dropped"],
)
async def test_empty_stream_asks_again_without_streaming(
    http: ScriptedHTTPServer, backend: OpenAICompatBackend, empty: Reply
) -> None:
    # What llama_cpp.server does when a streamed request fails before its first token.
    http.script(
        CHAT,
        empty,
        Reply(
            400,
            error_body(
                "This model's maximum context length is 4096 tokens", code="context_length_exceeded"
            ),
        ),
    )
    with pytest.raises(ContextTooLargeError):
        await backend.chat(HELLO)
    assert [s.body.get("stream") for s in http.seen] == [True, None]


async def test_stream_that_always_dies(
    http: ScriptedHTTPServer, backend: OpenAICompatBackend
) -> None:
    http.script(CHAT, default=Reply(events=[chunk({"content": "Hel"})], cut=True))
    with pytest.raises(BackendUnavailableError, match="after 3 attempts"):
        await backend.chat(HELLO)


async def test_slow_server_times_out(http: ScriptedHTTPServer) -> None:
    http.script(CHAT, default=Reply(events=text_events("late"), delay_s=0.5))
    b = from_settings(
        Settings(openai_base_url=http.base_url, request_timeout_s=0.1, max_retries=1),
        "m",
        retry_base_delay_s=0.001,
    )
    try:
        with pytest.raises(
            BackendUnavailableError, match=r"stalled after 2 attempts.*no token within 0.1 s"
        ):
            await b.chat(HELLO)
    finally:
        await b.aclose()


async def test_unreachable_server_fails_fast() -> None:
    url = f"http://127.0.0.1:{free_port()}/v1"
    b = from_settings(
        Settings(openai_base_url=url, max_retries=3),
        "m",
        retry_base_delay_s=0.01,
        retry_max_delay_s=0.05,
    )
    start = time.perf_counter()
    try:
        with pytest.raises(BackendUnavailableError) as caught:
            await b.chat(HELLO)
    finally:
        await b.aclose()
    assert str(caught.value) == (
        f"could not reach the OpenAI-compatible server at {url} after 4 attempts "
        "(last error: Connection refused). Start the server or fix SLEEPTIME_OPENAI_BASE_URL."
    )
    assert time.perf_counter() - start < 2.0


@pytest.mark.parametrize("status", [401, 403])
async def test_bad_key_is_not_retried(
    http: ScriptedHTTPServer, backend: OpenAICompatBackend, status: int
) -> None:
    http.script(CHAT, default=Reply(status, error_body("Incorrect API key provided")))
    with pytest.raises(BackendError, match=r"rejected the API key.*OPENAI_API_KEY") as caught:
        await backend.chat(HELLO)
    assert not isinstance(caught.value, BackendUnavailableError)
    assert http.count(CHAT) == 1


async def test_context_too_large(http: ScriptedHTTPServer, backend: OpenAICompatBackend) -> None:
    http.script(
        CHAT,
        Reply(
            400,
            error_body(
                "This model's maximum context length is 4096 tokens. However, you requested 5000",
                code="context_length_exceeded",
            ),
        ),
    )
    with pytest.raises(ContextTooLargeError, match="shorten the context or use a model"):
        await backend.chat(HELLO)
    assert http.count(CHAT) == 1


async def test_other_bad_request(http: ScriptedHTTPServer, backend: OpenAICompatBackend) -> None:
    http.script(CHAT, Reply(400, error_body("temperature must be <= 2")))
    with pytest.raises(BackendError, match=r"HTTP 400: temperature must be <= 2") as caught:
        await backend.chat(HELLO)
    assert not isinstance(caught.value, ContextTooLargeError)


async def test_unknown_model_lists_the_served_ones(
    http: ScriptedHTTPServer, backend: OpenAICompatBackend
) -> None:
    http.script(
        CHAT, Reply(404, error_body("The model `m` does not exist", code="model_not_found"))
    )
    http.script(MODELS, models("llama-3", "qwen"))
    with pytest.raises(BackendError, match=r"has no model 'm' \(it has: llama-3, qwen\)"):
        await backend.chat(HELLO)


async def test_wrong_base_path(http: ScriptedHTTPServer, backend: OpenAICompatBackend) -> None:
    # Nothing scripted: every route answers 404, as a server under a different path would.
    with pytest.raises(BackendError, match=r"404 Not Found.*ending in /v1"):
        await backend.chat(HELLO)


@pytest.mark.parametrize(
    "reply",
    [
        Reply(200, "<html>not an API</html>"),
        Reply(200, {"unexpected": "shape"}),
        Reply(events=["{this is not json"]),
        Reply(events=[{"error": {"message": "model crashed"}}]),
    ],
    ids=["html", "wrong-json", "garbage-sse", "sse-error"],
)
async def test_garbage_becomes_backend_error(http: ScriptedHTTPServer, reply: Reply) -> None:
    http.script(CHAT, default=reply)
    stream = reply.events is not None
    b = from_settings(Settings(openai_base_url=http.base_url, max_retries=0), "m", stream=stream)
    try:
        with pytest.raises(BackendError):
            await b.chat(HELLO)
    finally:
        await b.aclose()


# -- logprob -----------------------------------------------------------------------------


def echoed(tokens: list[str], logprobs: list[float | None], offsets: bool = True) -> Reply:
    lp: dict[str, Any] = {"tokens": tokens, "token_logprobs": logprobs}
    if offsets:
        lp["text_offset"] = [sum(len(t) for t in tokens[:i]) for i in range(len(tokens))]
    return Reply(
        200,
        {
            "id": "x",
            "object": "text_completion",
            "created": 0,
            "model": "m",
            "choices": [
                {"index": 0, "text": "".join(tokens), "logprobs": lp, "finish_reason": "length"}
            ],
        },
    )


@pytest.mark.parametrize("offsets", [True, False])
async def test_logprob_sums_continuation_tokens(
    http: ScriptedHTTPServer, backend: OpenAICompatBackend, offsets: bool
) -> None:
    # "The sky is" + " blue", then one generated token that must not count.
    http.script(
        COMPLETIONS,
        echoed(
            ["The", " sky", " is", " bl", "ue", "."], [None, -3.0, -1.0, -0.5, -0.25, -2.0], offsets
        ),
    )
    assert await backend.logprob("The sky is", " blue") == pytest.approx(-0.75)
    sent = http.seen[-1].body
    assert sent["prompt"] == "The sky is blue" and sent["echo"] is True
    assert sent["max_tokens"] == 1 and sent["logprobs"] == 1


async def test_logprob_needs_a_prefix(
    http: ScriptedHTTPServer, backend: OpenAICompatBackend
) -> None:
    http.script(COMPLETIONS, echoed(["Hi"], [None]))
    with pytest.raises(InputError, match="give a prefix"):
        await backend.logprob("", "Hi")
    assert await backend.logprob("anything", "") == 0.0


@pytest.mark.parametrize(
    "reply",
    [
        Reply(404, error_body("Not Found")),
        Reply(
            500, error_body("logprobs is not supported for models created with logits_all=False")
        ),
        echoed(["."], [-1.0]),  # echo ignored: only the generated token came back
    ],
    ids=["no-endpoint", "no-logits", "no-echo"],
)
async def test_logprob_unsupported(
    http: ScriptedHTTPServer, backend: OpenAICompatBackend, reply: Reply
) -> None:
    http.script(COMPLETIONS, reply)
    http.script(MODELS, models("m"))
    with pytest.raises(BackendError, match=r"cannot score prompts.*vLLM.*logits_all"):
        await backend.logprob("The sky is", " blue")
    assert http.count(COMPLETIONS) == 1
