"""Test-time budget levels and their token caps."""

from __future__ import annotations

import pytest

from sleeptime.answer import make_budget
from sleeptime.errors import InputError
from sleeptime.prompts import load_prompt


@pytest.mark.parametrize(("level", "default"), [(0, 48), (1, 96), (2, 160), (3, 512), (4, 1024)])
def test_default_max_tokens_per_level(level: int, default: int) -> None:
    budget = make_budget(level)
    assert (budget.level, budget.max_tokens) == (level, default)


def test_default_caps_grow_with_the_level() -> None:
    caps = [make_budget(level).max_tokens for level in range(5)]
    assert caps == sorted(caps)
    assert len(set(caps)) == 5


@pytest.mark.parametrize("max_tokens", [1, 7, 32768])
def test_explicit_max_tokens(max_tokens: int) -> None:
    assert make_budget(2, max_tokens).max_tokens == max_tokens


@pytest.mark.parametrize("level", [-1, 5, 7, 100])
def test_level_out_of_range(level: int) -> None:
    with pytest.raises(InputError, match=r"budget must be 0-4.*got " + str(level)):
        make_budget(level)


@pytest.mark.parametrize("max_tokens", [0, -3, 32769])
def test_max_tokens_out_of_range(max_tokens: int) -> None:
    with pytest.raises(InputError, match="max tokens must be between 1 and 32768"):
        make_budget(1, max_tokens)


def test_budget_prompt_is_the_level_file() -> None:
    for level in range(5):
        assert make_budget(level).prompt == load_prompt(f"budget_{level}")


def test_reasoning_settings_travel_with_the_budget() -> None:
    budget = make_budget(4, effort="high", thinking_tokens=2048, min_thinking_tokens=256)
    assert (budget.effort, budget.thinking_tokens, budget.min_thinking_tokens) == (
        "high",
        2048,
        256,
    )
    assert budget.reasoning_label == "high+2048"
    assert budget.reasoning_fields() == {
        "reasoning_effort": "high",
        "thinking_tokens": 2048,
        "min_thinking_tokens": 256,
    }
    assert make_budget(1).reasoning_label is None
    assert make_budget(1, thinking_tokens=512).reasoning_label == "512"


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"effort": "extreme"}, "effort must be one of low, medium, high"),
        ({"thinking_tokens": 0}, "thinking tokens must be between 1 and 131072"),
        ({"thinking_tokens": 64, "min_thinking_tokens": 65}, "above the thinking budget"),
        ({"min_thinking_tokens": -1}, "must not be negative"),
    ],
)
def test_bad_reasoning_settings_say_what_to_change(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(InputError, match=message):
        make_budget(2, **kwargs)  # type: ignore[arg-type]
