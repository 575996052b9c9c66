"""``AsyncStore``: the store for coroutines, so no database call ever blocks the event loop.

Every store method is a short synchronous transaction (SQLAlchemy Core/ORM on one pooled
connection). Coroutines must not run those on the event loop: one SQLite write that waits
on another process's lock can take the whole busy timeout (30 s), and during that time a
worker would miss its heartbeats and a service would stop answering. So async code calls
the same methods through ``await db.call(db.sync.method, ...)``, which runs them on a small
thread pool owned by this adapter. There is one implementation of every operation (the
synchronous one); this is the one well-placed thread adapter in front of it, typed so a
wrong argument is a type error at the call site.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import ParamSpec, TypeVar

from sleeptime.store.store import Store

P = ParamSpec("P")
T = TypeVar("T")

DB_THREADS = 4
"""Threads for database calls: SQLite serialises writers anyway, and reads are short."""


class AsyncStore:
    """Runs ``Store`` methods off the event loop; owns its thread pool, not the store."""

    def __init__(self, store: Store, *, threads: int = DB_THREADS) -> None:
        self.sync = store
        self._pool = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="sleeptime-db")

    async def call(self, method: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> T:
        """Run ``method(*args, **kwargs)`` on the database threads and return its result.

        When the awaiting task is cancelled the call still finishes in its thread (a
        transaction is never cut in half); only the wait for it is abandoned.
        """
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._pool, functools.partial(method, *args, **kwargs))

    def close(self) -> None:
        """Stop the threads after the calls in flight; the store itself stays open."""
        self._pool.shutdown(wait=True)
