"""Fixtures for the service tests: live services on loopback (``helpers.service_server``)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from helpers.service_server import LiveService, ModelScript, Serve, start_service


@pytest.fixture
def serve(db_url: str) -> Iterator[Serve]:
    """Start services: ``serve(script=None, worker=True, **settings)``; stopped after the test."""
    started: list[LiveService] = []

    def _serve(
        script: ModelScript | None = None, *, worker: bool = True, **overrides: Any
    ) -> LiveService:
        service = start_service(db_url, script, worker=worker, **overrides)
        started.append(service)
        return service

    yield _serve
    for service in reversed(started):
        service.stop()


@pytest.fixture
def service(serve: Serve) -> LiveService:
    """A service with the default script, an in-process worker and no rate limit."""
    return serve()
