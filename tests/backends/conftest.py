"""Fixtures for backend tests: a scripted HTTP server, and a real llama.cpp server."""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

# The shared helpers live in tests/helpers; make them importable from any test folder
# even when no conftest higher up has put tests/ on the path.
_TESTS = str(Path(__file__).resolve().parents[1])
if _TESTS not in sys.path:
    sys.path.insert(0, _TESTS)

from helpers.llama_server import start_llama_server, stop_llama_server  # noqa: E402
from helpers.scripted_http import ScriptedHTTPServer  # noqa: E402

MODEL_ALIAS = "smollm2-135m-instruct"


@pytest.fixture
def http() -> Iterator[ScriptedHTTPServer]:
    """A scripted OpenAI-style HTTP server on 127.0.0.1, fresh for each test."""
    with ScriptedHTTPServer() as server:
        yield server


@pytest.fixture(scope="session")
def llama_server() -> Iterator[str]:
    """Base URL of a real ``python -m llama_cpp.server`` serving SmolLM2-135M-Instruct."""
    from sleeptime.backends.model_files import default_model_path
    from sleeptime.errors import ConfigError

    if importlib.util.find_spec("uvicorn") is None or importlib.util.find_spec("fastapi") is None:
        pytest.skip("llama_cpp.server needs the [server] extra: pip install 'llama-cpp-python[server]'")
    try:
        model = default_model_path()
    except ConfigError as exc:
        pytest.skip(str(exc))
    base_url, process = start_llama_server(
        model, n_ctx=4096, n_threads=2, model_alias=MODEL_ALIAS, timeout_s=60
    )
    try:
        yield base_url
    finally:
        stop_llama_server(process)
