"""``BackendPool``: the backends of one process, created once per (name, model) and closed together.

A model loaded by llama.cpp takes seconds and hundreds of megabytes, and an HTTP client
holds connections, so the process keeps one instance per name and model and every tenant
shares it. Which backend does sleep work — including the provider's batch API, which only
sleep may use because answers wait on a user — is decided here, not by callers.
"""

from __future__ import annotations

from typing import Any

from sleeptime.backends.base import Backend
from sleeptime.backends.registry import create_backend
from sleeptime.errors import InputError
from sleeptime.settings import Settings

BackendSpec = Backend | str | None
"""A backend instance (used as is), a backend name, or None for the settings' default."""


class BackendPool:
    """The backends a runtime created; ``aclose`` releases every one of them."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._backends: dict[tuple[str, str | None], Backend] = {}

    def get(self, spec: BackendSpec = None, model: str | None = None, **options: Any) -> Backend:
        """Return a backend; names are created once per process and reused.

        Options make a fresh instance (and replace the cached one): they change how it
        behaves, so an instance built with other options must not be handed out.
        """
        if spec is not None and not isinstance(spec, str):
            return spec
        name = spec or self.settings.backend
        key = (name, model or self.settings.model)
        if key not in self._backends or options:
            self._backends[key] = create_backend(
                name, model=model, settings=self.settings, **options
            )
        return self._backends[key]

    def add(self, name: str, model: str | None, backend: Backend) -> None:
        """Serve ``backend`` for (``name``, ``model``): how a library user gives a worker a
        backend of their own (queued runs name a backend and model, not an instance)."""
        self._backends[(name, model or self.settings.model)] = backend

    def for_sleep(
        self, spec: BackendSpec = None, model: str | None = None, batch: bool | None = None
    ) -> Backend:
        """The backend for sleep work, wrapped for the provider's batch API when asked.

        ``batch`` None follows ``Settings.openai_batch``, which concerns only the openai
        backend; an explicit True with another backend is refused.
        """
        wanted = self.settings.openai_batch if batch is None else batch
        name = spec.info.backend if isinstance(spec, Backend) else spec or self.settings.backend
        if not wanted or (name != "openai" and batch is None):
            return self.get(spec, model)
        if name != "openai":
            raise InputError(
                "batch sleep goes through an OpenAI-compatible provider's batch API, so it "
                f"needs the openai backend (not {name!r}); choose the openai backend or "
                "turn batching off"
            ).hinted("add --backend openai or drop --batch")
        from sleeptime.backends.batch import BatchingBackend, from_settings
        from sleeptime.backends.openai_compat import OpenAICompatBackend

        chosen = self.get(spec, model)
        if isinstance(chosen, BatchingBackend):
            return chosen
        if not isinstance(chosen, OpenAICompatBackend):
            raise InputError(
                f"batch sleep needs an OpenAICompatBackend to wrap, not {type(chosen).__name__}"
            )
        if not isinstance(spec, str | None):
            return from_settings(chosen, self.settings)  # the caller owns this backend
        key = ("openai+batch", model or self.settings.model)
        wrapper = self._backends.get(key)
        if not isinstance(wrapper, BatchingBackend) or wrapper.inner is not chosen:
            wrapper = self._backends[key] = from_settings(chosen, self.settings)
        return wrapper

    async def aclose(self) -> None:
        """Close every backend this pool created (not instances callers passed in)."""
        backends = list(self._backends.values())
        self._backends.clear()
        for backend in backends:
            await backend.aclose()
