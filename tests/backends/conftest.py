"""Fixtures for backend tests: a scripted HTTP server, and a real llama.cpp server."""

from __future__ import annotations

import importlib.util
import os
from collections.abc import Iterator

import pytest

# tests/ is on sys.path because tests/conftest.py sits there (pytest's rootdir-style import).
from helpers.llama_server import SMOLLM2_ALIAS, start_llama_server, stop_llama_server
from helpers.scripted_http import ScriptedHTTPServer


@pytest.fixture
def http() -> Iterator[ScriptedHTTPServer]:
    """A scripted OpenAI-style HTTP server on 127.0.0.1, fresh for each test."""
    with ScriptedHTTPServer() as server:
        yield server


@pytest.fixture(scope="session")
def llama_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Base URL of a real ``python -m llama_cpp.server`` serving SmolLM2-135M-Instruct."""
    from sleeptime.backends.model_files import default_model_path
    from sleeptime.errors import ConfigError

    if importlib.util.find_spec("uvicorn") is None or importlib.util.find_spec("fastapi") is None:
        reason = "llama_cpp.server needs the [server] extra: pip install 'llama-cpp-python[server]'"
        if os.environ.get("CI"):
            pytest.fail(reason)  # CI installs everything; a skip there would hide a gap
        pytest.skip(reason)
    try:
        model = default_model_path()
    except ConfigError as exc:
        pytest.skip(str(exc))
    base_url, process = start_llama_server(
        model,
        n_ctx=4096,
        n_threads=2,
        model_alias=SMOLLM2_ALIAS,
        timeout_s=60,
        log_path=tmp_path_factory.mktemp("llama_server") / "server.log",
    )
    try:
        yield base_url
    finally:
        stop_llama_server(process)
