"""``create_app``: the FastAPI application over one ``Runtime``, with an optional worker.

One runtime per process holds the database pool and any loaded model; each request works
on ``runtime.tenant(...)`` of its API key. With SQLite (the default) the service runs
one worker in its own event loop, so sleep happens with no other process; with
PostgreSQL, separate ``sleeptime worker`` processes (on any hosts) do it, and several
service processes can share the database — nothing one needs lives in another's memory.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from typing import Any

from fastapi import FastAPI

from sleeptime.app import Runtime
from sleeptime.service import errors, openai_api, routes
from sleeptime.service.auth import make_limiter
from sleeptime.service.limits import BodyLimit, Utf8Path
from sleeptime.worker import Worker

log = logging.getLogger("sleeptime.service")


def create_app(
    runtime: Runtime, *, worker: bool | None = None, close_runtime: bool = False
) -> FastAPI:
    """The service app. ``worker`` None runs an in-process worker only on SQLite;
    ``close_runtime`` closes the runtime when the app shuts down (``sleeptime serve``)."""
    settings = runtime.settings
    run_worker = runtime.store.dialect == "sqlite" if worker is None else worker

    @contextlib.asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        stop = asyncio.Event()
        task: asyncio.Task[Any] | None = None
        if run_worker:
            task = asyncio.create_task(Worker(runtime, name=None).run(stop=stop))
        try:
            yield
        finally:
            stop.set()
            if task is not None:
                try:
                    await asyncio.wait_for(task, timeout=5)
                except (TimeoutError, asyncio.CancelledError):
                    task.cancel()
                    await asyncio.gather(task, return_exceptions=True)
            if close_runtime:
                await runtime.aclose()

    app = FastAPI(
        title="sleeptime",
        summary="Sleep-time compute as a service: contexts, background sleep, answers from c'.",
        version="1",
        lifespan=lifespan,
    )
    app.state.runtime = runtime
    app.state.limiter = make_limiter(runtime)
    app.state.worker = run_worker
    app.add_middleware(BodyLimit, max_bytes=settings.service_max_body_bytes)
    app.add_middleware(Utf8Path)
    errors.install(app)
    app.include_router(routes.router)
    app.include_router(openai_api.router)

    @app.get("/healthz", tags=["service"])
    async def health() -> dict[str, Any]:
        """Liveness and whether the database answers (no API key needed)."""
        await runtime.db.call(runtime.store.count_api_keys)
        return {"status": "ok", "worker": run_worker, "database": runtime.store.dialect}

    return app
