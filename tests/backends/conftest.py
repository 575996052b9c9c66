"""Fixtures for backend tests: a scripted HTTP server, and a real llama.cpp server."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

# tests/ is on sys.path because tests/conftest.py sits there (pytest's rootdir-style import).
from helpers.scripted_http import ScriptedHTTPServer


@pytest.fixture
def http() -> Iterator[ScriptedHTTPServer]:
    """A scripted OpenAI-style HTTP server on 127.0.0.1, fresh for each test."""
    with ScriptedHTTPServer() as server:
        yield server
