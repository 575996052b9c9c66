"""Fixtures for the facade: a ``Sleeptime`` on a real, already migrated SQLite file."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from sleeptime.app import Sleeptime
from sleeptime.settings import Settings
from sleeptime.store import Store


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
