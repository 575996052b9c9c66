"""The scripted and function backends that ship in the package."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sleeptime.backends import (
    Backend,
    ChatRequest,
    ChatResult,
    FunctionBackend,
    Message,
    ScriptedBackend,
    ToolCall,
    Usage,
    create_backend,
)
from sleeptime.backends.scripted import from_settings
from sleeptime.backends.tokens import estimate_tokens
from sleeptime.errors import BackendError, BackendUnavailableError, ConfigError, InputError
from sleeptime.settings import Settings


def _request(text: str = "hello there", max_tokens: int = 64, **kwargs: object) -> ChatRequest:
    return ChatRequest(messages=(Message("user", text),), max_tokens=max_tokens, **kwargs)  # type: ignore[arg-type]


def test_both_satisfy_the_backend_protocol() -> None:
    assert isinstance(ScriptedBackend(), Backend)
    assert isinstance(FunctionBackend(lambda r: "x"), Backend)


async def test_replies_in_order_and_requests_recorded() -> None:
    backend = ScriptedBackend(["one", "two"])
    first = await backend.chat(_request("a"))
    backend.push("three")
    second = await backend.chat(_request("b"))
    third = await backend.chat(_request("c"))
    assert [first.text, second.text, third.text] == ["one", "two", "three"]
    assert [r.messages[0].content for r in backend.requests] == ["a", "b", "c"]


async def test_synthetic_usage() -> None:
    backend = ScriptedBackend(["The answer is 42."], model="m")
    request = _request("How many?")
    result = await backend.chat(request)
    assert result.model == "m"
    assert result.finish_reason == "stop"
    assert result.usage.calls == 1
    assert result.usage.completion_tokens == estimate_tokens("The answer is 42.")
    assert result.usage.prompt_tokens == estimate_tokens("How many?") + 4
    assert result.usage.wall_time_s >= 0


async def test_long_reply_is_cut_at_max_tokens() -> None:
    backend = ScriptedBackend([" ".join(f"w{i}" for i in range(100))])
    result = await backend.chat(_request(max_tokens=5))
    assert result.finish_reason == "length"
    assert result.text == "w0 w1 w2 w3 w4"
    assert result.usage.completion_tokens == 5


async def test_tool_call_reply() -> None:
    call = ToolCall("rethink_memory", {"new_memory": "notes"}, id="c1")
    backend = ScriptedBackend([call], native_tools=True)
    result = await backend.chat(_request())
    assert result.tool_calls == (call,)
    assert result.finish_reason == "tool_calls"
    assert result.text == ""
    assert result.usage.completion_tokens > 0
    assert backend.info.native_tools


async def test_chat_result_reply_is_returned_as_is() -> None:
    reply = ChatResult(text="x", usage=Usage(prompt_tokens=7, completion_tokens=3, calls=1))
    result = await ScriptedBackend([reply]).chat(_request())
    assert result is reply
    assert (result.usage.prompt_tokens, result.usage.completion_tokens) == (7, 3)


async def test_exception_reply_is_raised() -> None:
    backend = ScriptedBackend([BackendUnavailableError("down"), "after"])
    with pytest.raises(BackendUnavailableError, match="down"):
        await backend.chat(_request())
    assert (await backend.chat(_request())).text == "after"


async def test_running_out_of_replies_is_a_backend_error() -> None:
    backend = ScriptedBackend(["only"])
    await backend.chat(_request())
    with pytest.raises(BackendError, match="ran out of replies"):
        await backend.chat(_request())


async def test_default_reply_after_the_queue() -> None:
    backend = ScriptedBackend(["first"], default_reply="again")
    texts = [(await backend.chat(_request())).text for _ in range(3)]
    assert texts == ["first", "again", "again"]


async def test_count_tokens_logprob_and_close() -> None:
    backend = ScriptedBackend()
    assert await backend.count_tokens("one two three") == 3
    assert await backend.logprob("prefix", "a b") == -2.0
    await backend.aclose()


def test_info() -> None:
    info = ScriptedBackend(model="m", context_window=512).info
    assert (info.backend, info.model, info.context_window, info.native_tools) == (
        "scripted",
        "m",
        512,
        False,
    )


async def test_function_backend_sync_and_async() -> None:
    def sync_fn(request: ChatRequest) -> str:
        return f"echo {request.messages[0].content}"

    async def async_fn(request: ChatRequest) -> str:
        return f"async {request.seed}"

    sync = FunctionBackend(sync_fn)
    assert (await sync.chat(_request("hi"))).text == "echo hi"
    assert sync.info.backend == "function"
    assert len(sync.requests) == 1
    assert (await FunctionBackend(async_fn).chat(_request(seed=4))).text == "async 4"


async def test_function_backend_may_return_a_chat_result() -> None:
    reply = ChatResult(text="r", usage=Usage(prompt_tokens=1, completion_tokens=1, calls=1))
    backend = FunctionBackend(lambda request: reply, native_tools=True, context_window=99)
    assert await backend.chat(_request()) is reply
    assert backend.info.native_tools and backend.info.context_window == 99


def test_from_settings_reads_a_json_list(tmp_path: Path) -> None:
    path = tmp_path / "replies.json"
    path.write_text(json.dumps(["a", "b"]), encoding="utf-8")
    backend = from_settings(Settings(), str(path))
    assert list(backend.replies) == ["a", "b"]
    assert backend.info.model == "replies.json"


def test_from_settings_without_a_model_has_no_replies() -> None:
    backend = from_settings(Settings(), None, replies=["x"])
    assert list(backend.replies) == ["x"]
    assert backend.info.model == "scripted"


def test_create_backend_by_name(tmp_path: Path) -> None:
    path = tmp_path / "r.json"
    path.write_text('["hi"]', encoding="utf-8")
    backend = create_backend("scripted", model=str(path), settings=Settings())
    assert isinstance(backend, ScriptedBackend)
    assert list(backend.replies) == ["hi"]


def test_create_unknown_backend_lists_the_names() -> None:
    with pytest.raises(ConfigError, match="llama, openai, scripted"):
        create_backend("nope", settings=Settings())


def test_from_settings_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="is not a file"):
        from_settings(Settings(), str(tmp_path / "missing.json"))


@pytest.mark.parametrize(
    "content", [b"not json", b'{"a": 1}', b'["a", 2]', b"\xff\xfe", b'"just a string"']
)
def test_from_settings_bad_file(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "bad.json"
    path.write_bytes(content)
    with pytest.raises(InputError, match="scripted backend"):
        from_settings(Settings(), str(path))
