"""Fixtures for anticipated answers: the evaluation question set and a migrated database."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from importlib import resources
from pathlib import Path
from typing import Any

import pytest

from sleeptime.app import Sleeptime
from sleeptime.settings import Settings
from sleeptime.store import Store


@pytest.fixture(scope="session")
def eval_set() -> dict[str, Any]:
    """The packaged question set: three contexts with ten answered questions each."""
    text = resources.files("sleeptime.examples").joinpath("anticipated_eval.json").read_text()
    data: dict[str, Any] = json.loads(text)
    return data


@pytest.fixture(scope="session")
def migrated_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One migrated database file; tests copy it instead of migrating again."""
    path = tmp_path_factory.mktemp("template") / "template.db"
    Store(f"sqlite:///{path}").close()
    return path


@pytest.fixture
def db_url(tmp_path: Path, migrated_db: Path) -> str:
    path = tmp_path / "t.db"
    shutil.copy(migrated_db, path)
    return f"sqlite:///{path}"


@pytest.fixture
def app(db_url: str) -> Iterator[Sleeptime]:
    a = Sleeptime(Settings(database_url=db_url))
    yield a
    a.store.close()
