"""Fixtures for anticipated answers: the evaluation question set and a migrated database."""

from __future__ import annotations

import json
from importlib import resources
from typing import Any

import pytest


@pytest.fixture(scope="session")
def eval_set() -> dict[str, Any]:
    """The packaged question set: three contexts with ten answered questions each."""
    text = resources.files("sleeptime.examples").joinpath("anticipated_eval.json").read_text()
    data: dict[str, Any] = json.loads(text)
    return data


@pytest.fixture(scope="session")
def natural_set() -> dict[str, Any]:
    """The hand-written set: contexts with stored questions, rewordings and near-misses."""
    text = resources.files("sleeptime.examples").joinpath("anticipated_natural.json").read_text()
    data: dict[str, Any] = json.loads(text)
    return data


FRESH_SETS = [
    "anticipated_fresh.json",
    "anticipated_fresh2.json",
    "anticipated_fresh3.json",
    "anticipated_fresh4.json",
    "anticipated_fresh5.json",
    "anticipated_fresh6.json",
    "anticipated_fresh7.json",
    "anticipated_fresh8.json",
    "anticipated_fresh9.json",
    "anticipated_fresh10.json",
    "anticipated_fresh11.json",
    "anticipated_fresh12.json",
]
"""The fresh sets, oldest first; the matcher is held to floors on the measured ones only."""


def _load(name: str) -> dict[str, Any]:
    text = resources.files("sleeptime.examples").joinpath(name).read_text()
    data: dict[str, Any] = json.loads(text)
    return data


@pytest.fixture(scope="session", params=FRESH_SETS[:2])
def fresh_set(request: pytest.FixtureRequest) -> dict[str, Any]:
    """A fresh hand-written set: contexts of new kinds, committed before a round of tuning."""
    return _load(request.param)


@pytest.fixture(scope="session", params=FRESH_SETS)
def any_fresh_set(request: pytest.FixtureRequest) -> dict[str, Any]:
    """Every fresh set, including ones not measured yet: their shape is checked, not the matcher."""
    return _load(request.param)


@pytest.fixture(scope="session")
def fresh_sets() -> list[dict[str, Any]]:
    """All fresh sets, to check that a newer one repeats no kind or question of an older one."""
    return [_load(name) for name in FRESH_SETS]
