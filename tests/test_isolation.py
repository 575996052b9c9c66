"""The suite never touches the user's data directory, not even from long-lived fixtures."""

from __future__ import annotations

import pytest

from sleeptime.settings import Settings, default_data_dir


@pytest.fixture(scope="module")
def module_settings() -> Settings:
    """Settings read when a module-scoped fixture is made, before any test's own fixtures."""
    return Settings()


def test_a_module_fixture_gets_a_data_dir_of_the_suite(module_settings: Settings) -> None:
    # The lock file, the KV cache and the database all live under data_dir.
    assert module_settings.data_dir != default_data_dir()
    assert "session-data" in str(module_settings.data_dir)


def test_a_test_gets_its_own_data_dir(module_settings: Settings) -> None:
    assert Settings().data_dir not in (default_data_dir(), module_settings.data_dir)
