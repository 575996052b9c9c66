"""Integration fixtures: the real embedded model (SmolLM2-135M-Instruct via llama.cpp)."""

from __future__ import annotations

import pytest

from sleeptime.backends.llama import LlamaBackend
from sleeptime.backends.model_files import default_model_path


@pytest.fixture(scope="session")
def embedded() -> LlamaBackend:
    """One embedded backend for the session; the model stays loaded between tests."""
    return LlamaBackend(default_model_path(), n_ctx=4096, n_threads=2)
