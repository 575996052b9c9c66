"""Recipe names and the budget that bounds a sleep run."""

from __future__ import annotations

from typing import Any

import pytest

from sleeptime.errors import InputError
from sleeptime.sleep import Recipe, SleepBudget, parse_recipe


@pytest.mark.parametrize(
    ("text", "k", "name"),
    [
        ("rethink", 1, "rethink"),
        ("  Rethink ", 1, "rethink"),
        ("parallel:1", 1, "rethink"),
        ("parallel:3", 3, "parallel:3"),
        ("PARALLEL:3", 3, "parallel:3"),
        ("parallel:32", 32, "parallel:32"),
    ],
)
def test_valid_recipes(text: str, k: int, name: str) -> None:
    recipe = parse_recipe(text)
    assert recipe == Recipe(k=k)
    assert recipe.name == name


@pytest.mark.parametrize(
    "text",
    [
        "parallel:0",
        "parallel:33",
        "foo",
        "",
        "parallel:",
        "parallel:-1",
        "parallel: 3",
        "parallel:3x",
        "parallel:x",
        "rethink:2",
    ],
)
def test_invalid_recipes_say_what_is_accepted(text: str) -> None:
    with pytest.raises(InputError) as info:
        parse_recipe(text)
    message = str(info.value)
    assert repr(text) in message
    assert "rethink" in message and "parallel:K" in message and "32" in message


def test_budget_defaults_are_the_papers() -> None:
    budget = SleepBudget()
    assert budget.max_rounds == 10
    assert budget.memory_chars == 5000
    assert budget.max_sleep_tokens is None
    assert budget.temperature is None
    assert not budget.strict_protocol


def test_budget_to_dict_records_every_field() -> None:
    budget = SleepBudget(
        max_rounds=3,
        max_sleep_tokens=999,
        temperature=0.2,
        strict_protocol=True,
        reasoning_effort="high",
        thinking_tokens=2048,
        rephrase=True,
    )
    assert budget.to_dict() == {
        "max_rounds": 3,
        "max_sleep_tokens": 999,
        "round_max_tokens": 1024,
        "memory_chars": 5000,
        "temperature": 0.2,
        "strict_protocol": True,
        "check_arithmetic": True,
        "anticipate": "notes",
        "rephrase": True,
        "reasoning_effort": "high",
        "thinking_tokens": 2048,
    }


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("max_rounds", 0),
        ("max_rounds", 101),
        ("max_sleep_tokens", 0),
        ("max_sleep_tokens", -5),
        ("round_max_tokens", 15),
        ("round_max_tokens", 32769),
        ("memory_chars", 199),
        ("memory_chars", 200_001),
        ("reasoning_effort", "extreme"),
        ("thinking_tokens", 0),
    ],
)
def test_budget_out_of_range_is_input_error(field: str, value: int | str) -> None:
    with pytest.raises(InputError):
        SleepBudget(**{field: value})


@pytest.mark.parametrize(
    "kwargs",
    [
        {"max_rounds": 1},
        {"max_rounds": 100},
        {"max_sleep_tokens": 1},
        {"round_max_tokens": 16},
        {"round_max_tokens": 32768},
        {"memory_chars": 200},
        {"memory_chars": 200_000},
    ],
)
def test_budget_bounds_are_inclusive(kwargs: dict[str, Any]) -> None:
    SleepBudget(**kwargs)
