"""Fixtures for store tests: a real SQLite file per test, migrated by opening a Store."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from helpers.postgres import PostgresServer
from sleeptime.store import RevisionRecord, RunRecord, Store
from sleeptime.values import Usage


@pytest.fixture
def db_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'sleeptime.db'}"


@pytest.fixture
def store(db_url: str) -> Iterator[Store]:
    s = Store(db_url)
    yield s
    s.close()


@pytest.fixture(scope="session")
def pg_template(postgres_server: PostgresServer) -> str:
    """A PostgreSQL database migrated once; ``pg_url`` copies it instead of migrating again."""
    name = "sleeptime_template"
    Store(postgres_server.create_database(name)).close()
    return name


@pytest.fixture
def pg_url(postgres_server: PostgresServer, pg_template: str) -> Iterator[str]:
    """A fresh, already migrated PostgreSQL database for one test."""
    with postgres_server.scratch_database(template=pg_template) as url:
        yield url


@pytest.fixture
def pg_store(pg_url: str) -> Iterator[Store]:
    s = Store(pg_url)
    yield s
    s.close()


@pytest.fixture
def revision(store: Store) -> RevisionRecord:
    _, rev, _ = store.add_context("default", "handbook", "The office opens at 9.")
    return rev


@pytest.fixture
def start(store: Store) -> Callable[..., RunRecord]:
    """Start a run on a revision with plausible defaults; keyword arguments override them."""

    def _start(revision_id: int, **overrides: Any) -> RunRecord:
        args: dict[str, Any] = {
            "recipe": "rethink",
            "recipe_version": "1",
            "prompt_versions": {"rethink": "3"},
            "backend": "scripted",
            "model": "m",
            "settings": {"rounds": 2},
        }
        args.update(overrides)
        return store.start_run(revision_id, **args)

    return _start


@pytest.fixture
def usage() -> Usage:
    return Usage(
        prompt_tokens=10, cached_prompt_tokens=5, completion_tokens=11, wall_time_s=1.5, calls=2
    )
