"""Reasoning dialects: which model ids speak which, and the request body each one gets.

Pure functions, no server: the bodies are checked against the providers' rules in
test_reasoning_server.py, where a loopback server refuses what the real APIs refuse.
"""

from __future__ import annotations

import pytest

from sleeptime.backends import ChatRequest, Message
from sleeptime.backends._openai_wire import chat_body
from sleeptime.backends.reasoning import (
    REMOTE_THINKING_ROOM,
    detect_dialect,
    effort_label,
    parse_effort,
    resolve_dialect,
    split_thinking,
)
from sleeptime.errors import ConfigError, InputError

SYSTEM_AND_USER = (Message("system", "Be brief."), Message("user", "What is 6 x 7?"))


@pytest.mark.parametrize(
    ("model", "dialect"),
    [
        ("o1", "openai"),
        ("o1-mini", "openai"),
        ("o3-mini-2025-01-31", "openai"),
        ("o4-mini", "openai"),
        ("openai/o3", "openai"),
        ("gpt-5-mini", "openai"),
        ("gpt-5-chat-latest", "chat"),
        ("gpt-4o", "chat"),
        ("omni-small", "chat"),
        ("deepseek-reasoner", "deepseek"),
        ("deepseek-ai/DeepSeek-R1-Distill-Qwen-7B", "deepseek"),
        ("Qwen/QwQ-32B", "deepseek"),
        ("claude-3-7-sonnet-20250219", "claude"),
        ("smollm2-135m-instruct", "chat"),
    ],
)
def test_dialect_is_guessed_from_the_model_id(model: str, dialect: str) -> None:
    assert detect_dialect(model) == dialect
    assert resolve_dialect(model, "auto") == dialect


def test_a_setting_overrides_the_guess() -> None:
    assert resolve_dialect("house-reasoner", "openai") == "openai"
    assert resolve_dialect("o3-mini", "none") == "none"
    with pytest.raises(InputError, match="auto, openai, deepseek, claude, none"):
        resolve_dialect("o3-mini", "o-series")


def test_plain_chat_bodies_are_unchanged_without_reasoning() -> None:
    request = ChatRequest(messages=SYSTEM_AND_USER, max_tokens=48, stop=("\n\n",), seed=3)
    body = chat_body(request, "smollm2", native_tools=False)
    assert body == {
        "model": "smollm2",
        "messages": [
            {"role": "system", "content": "Be brief."},
            {"role": "user", "content": "What is 6 x 7?"},
        ],
        "max_tokens": 48,
        "temperature": 0.0,
        "seed": 3,
        "stop": ["\n\n"],
    }


def test_o_series_bodies_have_no_max_tokens_and_no_temperature() -> None:
    request = ChatRequest(messages=SYSTEM_AND_USER, max_tokens=48, reasoning_effort="low")
    body = chat_body(request, "o3-mini", native_tools=False, dialect="openai")
    assert "max_tokens" not in body and "temperature" not in body
    assert body["reasoning_effort"] == "low"
    # The answer's cap plus room to think, so thinking cannot starve the answer.
    assert body["max_completion_tokens"] == 48 + REMOTE_THINKING_ROOM["low"]
    assert body["messages"][0]["role"] == "system"


def test_o_series_always_get_room_to_think_and_a_budget_sizes_it() -> None:
    plain = ChatRequest(messages=SYSTEM_AND_USER, max_tokens=48)
    body = chat_body(plain, "o1", native_tools=False, dialect="openai")
    assert body["max_completion_tokens"] == 48 + REMOTE_THINKING_ROOM["medium"]
    assert "reasoning_effort" not in body
    budgeted = ChatRequest(messages=SYSTEM_AND_USER, max_tokens=48, thinking_tokens=500)
    assert chat_body(budgeted, "o1", native_tools=False, dialect="openai")[
        "max_completion_tokens"
    ] == (48 + 500)


def test_o_series_quirks_stop_and_system_messages() -> None:
    request = ChatRequest(messages=SYSTEM_AND_USER, max_tokens=48, stop=("END",))
    assert "stop" not in chat_body(request, "o4-mini", native_tools=False, dialect="openai")
    assert chat_body(request, "o3-mini", native_tools=False, dialect="openai")["stop"] == ["END"]
    roles = [
        m["role"]
        for m in chat_body(request, "o1-mini", native_tools=False, dialect="openai")["messages"]
    ]
    assert roles == ["user", "user"]


def test_claude_gets_a_thinking_budget_above_its_minimum() -> None:
    request = ChatRequest(messages=SYSTEM_AND_USER, max_tokens=100, thinking_tokens=300)
    body = chat_body(request, "claude-3-7-sonnet", native_tools=False, dialect="claude")
    assert body["thinking"] == {"type": "enabled", "budget_tokens": 1024}
    assert body["max_tokens"] == 100 + 1024
    assert "temperature" not in body
    plain = chat_body(
        ChatRequest(messages=SYSTEM_AND_USER, max_tokens=100),
        "claude-3-7-sonnet",
        native_tools=False,
        dialect="claude",
    )
    assert "thinking" not in plain and plain["max_tokens"] == 100


def test_deepseek_gets_room_but_no_effort_parameter() -> None:
    request = ChatRequest(messages=SYSTEM_AND_USER, max_tokens=64, reasoning_effort="high")
    body = chat_body(request, "deepseek-reasoner", native_tools=False, dialect="deepseek")
    assert body["max_tokens"] == 64 + REMOTE_THINKING_ROOM["high"]
    assert "reasoning_effort" not in body


def test_chat_models_pass_an_asked_effort_on_and_none_refuses_it() -> None:
    request = ChatRequest(messages=SYSTEM_AND_USER, max_tokens=64, reasoning_effort="medium")
    body = chat_body(request, "gpt-oss-20b", native_tools=False, dialect="chat")
    assert body["reasoning_effort"] == "medium"
    assert body["max_tokens"] == 64 + REMOTE_THINKING_ROOM["medium"]
    with pytest.raises(ConfigError, match="SLEEPTIME_OPENAI_REASONING=none"):
        chat_body(request, "gpt-oss-20b", native_tools=False, dialect="none")


@pytest.mark.parametrize(
    ("text", "opened", "expected"),
    [
        ("<think>\nadd them\n</think>\n\n42", False, ("add them", "42")),
        ("  <think>a</think>b", False, ("a", "b")),
        ("no thinking here", False, ("", "no thinking here")),
        ("add them</think>42", True, ("add them", "42")),
        ("<think>still thinking when cut", False, ("still thinking when cut", "")),
    ],
)
def test_split_thinking(text: str, opened: bool, expected: tuple[str, str]) -> None:
    assert split_thinking(text, opened=opened) == expected


@pytest.mark.parametrize(
    ("text", "parsed", "label"),
    [
        ("high", ("high", None), "high"),
        (" Low ", ("low", None), "low"),
        ("1024", (None, 1024), "1024"),
        ("none", (None, None), None),
    ],
)
def test_effort_axis_values(text: str, parsed: tuple[str | None, int | None], label: str) -> None:
    assert parse_effort(text) == parsed
    assert effort_label(*parse_effort(text)) == label


@pytest.mark.parametrize("text", ["extreme", "0", "-3", "999999"])
def test_bad_effort_values_say_what_is_allowed(text: str) -> None:
    with pytest.raises(InputError, match="low, medium, high, none or a thinking budget"):
        parse_effort(text)


def test_the_embedded_backend_plans_a_span_only_when_asked() -> None:
    from sleeptime.backends.llama_think import thinking_plan
    from sleeptime.backends.reasoning import LOCAL_THINKING_BUDGET

    ask = ChatRequest(messages=SYSTEM_AND_USER, max_tokens=8)
    assert thinking_plan(ask, "<|im_start|>assistant\n") is None
    by_effort = thinking_plan(
        ChatRequest(messages=SYSTEM_AND_USER, reasoning_effort="low", min_thinking_tokens=999),
        "<|im_start|>assistant\n",
    )
    assert by_effort is not None
    assert by_effort.budget == LOCAL_THINKING_BUDGET["low"]
    assert by_effort.minimum == LOCAL_THINKING_BUDGET["low"]  # never above the budget
    assert not by_effort.opened
    opened = thinking_plan(
        ChatRequest(messages=SYSTEM_AND_USER, thinking_tokens=64), "<｜Assistant｜><think>\n"
    )
    assert opened is not None and opened.opened and opened.budget == 64
