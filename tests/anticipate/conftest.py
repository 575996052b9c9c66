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


@pytest.fixture(scope="session", params=["anticipated_fresh.json", "anticipated_fresh2.json"])
def fresh_set(request: pytest.FixtureRequest) -> dict[str, Any]:
    """A fresh hand-written set: contexts of new kinds, committed before a round of tuning."""
    name: str = request.param
    text = resources.files("sleeptime.examples").joinpath(name).read_text()
    data: dict[str, Any] = json.loads(text)
    return data
