"""Persistence: contexts, their revisions, sleep runs, artifacts and the query log.

Open with ``Store.open()`` (uses ``SLEEPTIME_DATABASE_URL`` or a SQLite file in the data
directory); the schema is migrated automatically by the Alembic scripts in ``migrations/``.
"""

from sleeptime.store.records import (
    ApiKeyRecord,
    ArtifactRecord,
    ContextRecord,
    ContextSummary,
    QueryRecord,
    RevisionRecord,
    RunRecord,
)
from sleeptime.store.runs import END_STATUSES
from sleeptime.store.store import Store

__all__ = [
    "END_STATUSES",
    "ApiKeyRecord",
    "ArtifactRecord",
    "ContextRecord",
    "ContextSummary",
    "QueryRecord",
    "RevisionRecord",
    "RunRecord",
    "Store",
]
