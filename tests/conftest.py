"""Suite-wide fixtures: isolate every test from the user's data directory and database."""

from __future__ import annotations

import asyncio
import importlib.util
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from helpers.llama_server import SMOLLM2_ALIAS, start_llama_server, stop_llama_server
from helpers.postgres import postgres_server, postgres_url  # noqa: F401  (fixtures)
from sleeptime.app import Sleeptime
from sleeptime.settings import Settings
from sleeptime.store import Store

_TERMINAL_VARIABLES = ("COLUMNS", "LINES", "FORCE_COLOR", "TTY_COMPATIBLE", "TTY_INTERACTIVE")
_KEPT = ("SLEEPTIME_DATA_ROOT",)


def _isolate(patch: pytest.MonkeyPatch, data_dir: Path) -> None:
    """Clear settings from the environment and point SLEEPTIME_DATA_DIR at ``data_dir``.

    Every ``SLEEPTIME_*`` and ``OPENAI_*`` variable goes, not a list of known ones, so a
    developer's ``SLEEPTIME_MAX_RETRIES=0`` cannot change a result; so do the variables
    that change how rich lays out and colours tables when output is not a terminal.
    """
    for name in list(os.environ):
        if name in _KEPT:
            continue  # where the benchmark data lives: it locates inputs, changes no result
        if name.startswith(("SLEEPTIME_", "OPENAI_")) or name in _TERMINAL_VARIABLES:
            patch.delenv(name, raising=False)
    patch.setenv("SLEEPTIME_DATA_DIR", str(data_dir))


@pytest.fixture(scope="session", autouse=True)
def _isolated_session(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """The same isolation for fixtures that outlive one test (a module's embedded backend).

    Without it they read the user's data directory. Seen: a module-scoped embedded
    backend shared ``interactive.lock`` with a benchmark running beside the suite, and a
    background sleep round in the suite waited on that benchmark's questions for as long
    as it ran.
    """
    with pytest.MonkeyPatch.context() as patch:
        _isolate(patch, tmp_path_factory.mktemp("session-data"))
        yield


@pytest.fixture(autouse=True)
def _isolated_data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Each test gets its own data directory and a cleared environment (``_isolate``)."""
    _isolate(monkeypatch, tmp_path / "data")
    yield


@pytest.fixture(scope="session")
def migrated_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One migrated database file; tests copy it instead of migrating again."""
    path = tmp_path_factory.mktemp("template") / "template.db"
    Store(f"sqlite:///{path}").close()
    return path


@pytest.fixture
def db_url(tmp_path: Path, migrated_db: Path) -> str:
    """A fresh, already migrated SQLite file for one test."""
    path = tmp_path / "t.db"
    shutil.copy(migrated_db, path)
    return f"sqlite:///{path}"


@pytest.fixture
def app(db_url: str) -> Iterator[Sleeptime]:
    """A ``Sleeptime`` facade on the test's database."""
    a = Sleeptime(Settings(database_url=db_url))
    yield a
    asyncio.run(a.aclose())


@pytest.fixture(scope="session")
def llama_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Base URL of one real ``python -m llama_cpp.server`` (SmolLM2-135M) for the session."""
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
        timeout_s=90,
        log_path=tmp_path_factory.mktemp("llama_server") / "server.log",
        # By default llama_cpp.server cuts off a streaming reply when another request
        # arrives; parallel sleep loops and the bench harness keep several in flight.
        extra_args=("--interrupt_requests", "false"),
    )
    try:
        yield base_url
    finally:
        stop_llama_server(process)
