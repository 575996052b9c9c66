"""Backends by name, imported lazily so ``sleeptime --help`` never loads llama.cpp or openai.

Each backend module exposes ``from_settings(settings, model, **options) -> Backend``.
"""

from __future__ import annotations

import importlib
from typing import Any

from sleeptime.backends.base import Backend
from sleeptime.errors import ConfigError
from sleeptime.settings import Settings

_FACTORIES: dict[str, str] = {
    "llama": "sleeptime.backends.llama",
    "openai": "sleeptime.backends.openai_compat",
    "scripted": "sleeptime.backends.scripted",
}


def backend_names() -> list[str]:
    """Names accepted by ``create_backend`` and the ``--backend`` flag."""
    return sorted(_FACTORIES)


def create_backend(
    name: str | None = None,
    *,
    model: str | None = None,
    settings: Settings | None = None,
    **options: Any,
) -> Backend:
    """Build the backend called ``name`` (default: ``settings.backend``) for ``model``."""
    settings = settings or Settings()
    name = name or settings.backend
    module_path = _FACTORIES.get(name)
    if module_path is None:
        raise ConfigError(f"unknown backend {name!r}; choose one of: {', '.join(backend_names())}")
    module = importlib.import_module(module_path)
    backend: Backend = module.from_settings(settings, model or settings.model, **options)
    return backend
