"""The queue of background runs on a real PostgreSQL server (claims use SKIP LOCKED there)."""

from __future__ import annotations

import pytest
from test_store_jobs import *  # noqa: F403  (the same tests, on PostgreSQL)

from sleeptime.store import Store


@pytest.fixture
def db_url(pg_url: str) -> str:
    return pg_url


@pytest.fixture
def store(pg_store: Store) -> Store:
    return pg_store
