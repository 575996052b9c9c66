"""Fixtures for sleep tests: a real, already migrated SQLite file per test."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from sleeptime.store import RevisionRecord, Store

CONTEXT = (
    "The Elm Street office opens at 9 and closes at 17. It has 3 meeting rooms. "
    "Each room seats 8 people. Coffee costs 2 dollars a cup."
)


@pytest.fixture
def store(tmp_path: Path, migrated_db: Path) -> Iterator[Store]:
    path = tmp_path / "t.db"
    shutil.copy(migrated_db, path)
    s = Store(f"sqlite:///{path}")
    yield s
    s.close()


@pytest.fixture
def revision(store: Store) -> RevisionRecord:
    _, rev, _ = store.add_context("default", "office", CONTEXT)
    return rev
