"""Suite-wide fixtures: isolate every test from the user's data directory and database."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def _isolated_data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Point SLEEPTIME_DATA_DIR at a fresh folder and clear settings from the environment."""
    monkeypatch.setenv("SLEEPTIME_DATA_DIR", str(tmp_path / "data"))
    for name in (
        "SLEEPTIME_DATABASE_URL",
        "SLEEPTIME_BACKEND",
        "SLEEPTIME_MODEL",
        "SLEEPTIME_TENANT",
        "SLEEPTIME_OPENAI_BASE_URL",
        "SLEEPTIME_OPENAI_API_KEY",
        "OPENAI_BASE_URL",
        "OPENAI_API_KEY",
    ):
        monkeypatch.delenv(name, raising=False)
    yield
