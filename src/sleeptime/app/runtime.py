"""``Runtime``: what a process holds once, whoever it serves — settings, store, backends.

A CLI command, a worker and (later) an HTTP service each open one runtime and hand out
tenant-scoped ``Sleeptime`` views of it (``runtime.tenant(name)``): the database pool and
a loaded model are shared, while every operation a view offers is confined to its tenant.
"""

from __future__ import annotations

from types import TracebackType
from typing import TYPE_CHECKING, Self

from sleeptime.backends.pool import BackendPool
from sleeptime.settings import Settings
from sleeptime.store import Store
from sleeptime.store.aio import AsyncStore

if TYPE_CHECKING:
    from sleeptime.app.facade import Sleeptime


class Runtime:
    """The process-lived part of sleeptime; close it once with ``aclose``."""

    def __init__(self, settings: Settings | None = None, *, store: Store | None = None) -> None:
        self.settings = settings or Settings()
        self._owns_store = store is None
        self.store = store or Store.open(self.settings)
        self.db = AsyncStore(self.store)
        self.backends = BackendPool(self.settings)

    @property
    def database(self) -> str:
        """The database URL, password hidden (for messages)."""
        return self.store.url

    def has_api_keys(self) -> bool:
        """Whether any tenant has an active service API key (a fresh service makes one)."""
        return self.store.count_api_keys() > 0

    def tenant(self, name: str | None = None) -> Sleeptime:
        """Operations confined to tenant ``name`` (default: ``Settings.tenant``)."""
        from sleeptime.app.facade import Sleeptime

        return Sleeptime(self.settings, runtime=self, tenant=name)

    async def aclose(self) -> None:
        """Close backends, the database threads, and the store if this runtime opened it."""
        try:
            await self.backends.aclose()
        finally:
            self.db.close()
            if self._owns_store:
                self.store.close()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()
