"""Fixtures for worker tests: a runtime on a real SQLite file with a backend of the test's own."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from sleeptime.app import Runtime
from sleeptime.settings import Settings


@pytest.fixture
async def runtime(db_url: str) -> AsyncIterator[Runtime]:
    rt = Runtime(
        Settings(
            database_url=db_url,
            backend="function",
            sleep_quiet_s=0,
            worker_poll_s=0.05,
            worker_lease_s=2,
        )
    )
    yield rt
    await rt.aclose()
