"""``Store``: the one object the rest of sleeptime uses to read and write the database."""

from __future__ import annotations

from sleeptime.settings import Settings
from sleeptime.store.contexts import ContextsMixin
from sleeptime.store.jobs import JobsMixin
from sleeptime.store.keys import KeysMixin
from sleeptime.store.queries import QueriesMixin
from sleeptime.store.rates import RatesMixin
from sleeptime.store.runs import RunsMixin


class Store(ContextsMixin, RunsMixin, JobsMixin, QueriesMixin, KeysMixin, RatesMixin):
    """Contexts, sleep runs, artifacts and queries in SQLite or PostgreSQL.

    Every method runs one short transaction and returns frozen records, never ORM objects,
    so a ``Store`` can be shared by threads and several processes can share one database.
    Opening a store migrates its database to the newest schema.
    """

    @classmethod
    def open(cls, settings: Settings | None = None) -> Store:
        """Open the database named by settings (default: a SQLite file in the data dir).

        Runs whose process died (no heartbeat for ``settings.stale_run_s``) are marked
        abandoned on the way, so no command ever shows a dead run as running.
        """
        settings = settings or Settings()
        store = cls(settings.resolved_database_url())
        try:
            store.reap_abandoned(settings.stale_run_s)
        except BaseException:
            store.close()
            raise
        return store
