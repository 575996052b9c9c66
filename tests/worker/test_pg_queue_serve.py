"""The PostgreSQL worker's procrastinate loop is started again after a database error.

The loop itself is procrastinate's; these tests stand in for it to check the logic around
it (how often it is started, what ends it). ``test_worker_postgres.py`` takes a real
server away and back.
"""

from __future__ import annotations

import asyncio
import logging
from types import SimpleNamespace
from typing import Any

import pytest
from procrastinate.exceptions import ConnectorException

from sleeptime.worker.pg_queue import PgDispatch


class _Loop:
    """procrastinate's ``run_worker_async``: fails ``failures`` times, then serves."""

    def __init__(self, failures: int, then: BaseException | None = None) -> None:
        self.failures = failures
        self.then = then
        self.calls: list[dict[str, Any]] = []
        self.serving = asyncio.Event()

    async def run_worker_async(self, **options: Any) -> None:
        self.calls.append(options)
        if len(self.calls) <= self.failures:
            raise ConnectorException("Database error.")
        if self.then is not None:
            raise self.then
        self.serving.set()
        await asyncio.Event().wait()  # until cancelled, as with wait=True


def _dispatch(loop: _Loop) -> PgDispatch:
    dispatch = PgDispatch.__new__(PgDispatch)
    settings = SimpleNamespace(worker_poll_s=0.01)
    dispatch.worker = SimpleNamespace(name="steady", settings=settings, lease_s=3.0)  # type: ignore[assignment]
    dispatch.app = loop  # type: ignore[assignment]
    return dispatch


async def test_a_database_error_starts_the_loop_again_and_says_so(
    caplog: pytest.LogCaptureFixture,
) -> None:
    loop = _Loop(failures=2)
    with caplog.at_level(logging.WARNING, logger="sleeptime.worker"):
        task = asyncio.create_task(_dispatch(loop).serve(2))
        await asyncio.wait_for(loop.serving.wait(), 10)
    assert len(loop.calls) == 3 and not task.done()
    assert all(c["queues"] == ["sleep"] and c["concurrency"] == 2 for c in loop.calls)
    assert caplog.text.count("procrastinate's loop lost the database") == 2
    task.cancel()  # a worker that stops cancels the loop: that ends it, not a restart
    with pytest.raises(asyncio.CancelledError):
        await task
    assert len(loop.calls) == 3


async def test_other_errors_still_end_the_loop() -> None:
    loop = _Loop(failures=0, then=RuntimeError("a bug"))
    with pytest.raises(RuntimeError, match="a bug"):
        await asyncio.wait_for(_dispatch(loop).serve(1), 10)
    assert len(loop.calls) == 1
