"""Fixtures for benchmark tests: the shared data folder, read at run time and never copied."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture
def data_root() -> Path:
    """The ``../shared/data`` folder next to the checkout; skip when it is not there."""
    root = (Path(__file__).parents[2] / ".." / "shared" / "data").resolve()
    if not root.is_dir():
        pytest.skip(f"benchmark data not found at {root} (needs ../shared/data next to the repo)")
    return root
