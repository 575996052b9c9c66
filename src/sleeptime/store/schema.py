"""The database tables as SQLAlchemy ORM classes; the migrations in ``migrations/`` mirror them.

A test compares a freshly migrated database with this metadata, so the hand-written
migrations and these classes cannot drift apart.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    Dialect,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

VERSION_TABLE = "sleeptime_alembic_version"
"""Alembic's bookkeeping table, named so it cannot clash with another app's in a shared database."""

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


ACTIVE_SQL = "status IN ('queued', 'running')"
"""The runs a worker still owes work on (a partial index's condition)."""


def utcnow() -> datetime:
    """Return the current time as a timezone-aware UTC datetime."""
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp that is always timezone-aware UTC in Python, whatever the database keeps.

    SQLite has no time zones, so values are stored there as naive UTC (which also keeps
    text comparison in ``WHERE heartbeat_at < ?`` correct) and made aware again on load.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class Base(DeclarativeBase):
    """Declarative base holding the shared metadata and constraint naming convention."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class Context(Base):
    """A named persistent context, unique per tenant; its text lives in revisions."""

    __tablename__ = "contexts"
    __table_args__ = (UniqueConstraint("tenant", "name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    tenant: Mapped[str] = mapped_column(String(200))
    name: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    source: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    """None for a text context; for a directory context its root and what to include
    (``repo/source.py``): its revisions' texts are manifests of the folder's snapshots."""


class Revision(Base):
    """One version of a context's text; the current revision is the one with the highest seq."""

    __tablename__ = "revisions"
    __table_args__ = (
        UniqueConstraint("context_id", "seq"),
        Index("ix_revisions_context_id_sha256", "context_id", "sha256"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    context_id: Mapped[int] = mapped_column(ForeignKey("contexts.id", ondelete="CASCADE"))
    seq: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    text: Mapped[str] = mapped_column(Text)
    n_chars: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class SleepRun(Base):
    """One attempt to turn a revision into an artifact, with everything that shaped it."""

    __tablename__ = "sleep_runs"
    __table_args__ = (
        Index("ix_sleep_runs_status_heartbeat_at", "status", "heartbeat_at"),
        Index("ix_sleep_runs_status_not_before", "status", "not_before"),
        # At most one queued or running run per job: two enqueues of the same work
        # (same revision, recipe and settings) cannot both wait for a worker.
        Index(
            "ix_sleep_runs_active_job_key",
            "job_key",
            unique=True,
            sqlite_where=text(ACTIVE_SQL),
            postgresql_where=text(ACTIVE_SQL),
        ),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    revision_id: Mapped[int] = mapped_column(
        ForeignKey("revisions.id", ondelete="CASCADE"), index=True
    )
    recipe: Mapped[str] = mapped_column(String(200))
    recipe_version: Mapped[str] = mapped_column(String(50))
    prompt_versions: Mapped[dict[str, Any]] = mapped_column(JSON)
    backend: Mapped[str] = mapped_column(String(100))
    model: Mapped[str] = mapped_column(String(500))
    settings: Mapped[dict[str, Any]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(20))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    heartbeat_at: Mapped[datetime] = mapped_column(UTCDateTime)
    rounds: Mapped[int] = mapped_column(Integer, default=0)
    prompt_tokens: Mapped[int] = mapped_column(Integer, default=0)
    cached_prompt_tokens: Mapped[int] = mapped_column(Integer, default=0)
    completion_tokens: Mapped[int] = mapped_column(Integer, default=0)
    wall_time_s: Mapped[float] = mapped_column(Float, default=0.0)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    partial_text: Mapped[str | None] = mapped_column(Text, nullable=True)
    details: Mapped[dict[str, Any]] = mapped_column(JSON)
    origin: Mapped[str] = mapped_column(String(20), server_default="foreground")
    """``foreground`` (``sleeptime sleep``) or ``worker`` (queued for a background worker)."""
    queued_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    not_before: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    """A queued run is not claimed before this time (the debounce quiet period)."""
    priority: Mapped[float] = mapped_column(Float, server_default="0")
    attempt: Mapped[int] = mapped_column(Integer, server_default="1")
    """Raised at every claim; a worker may write only while the attempt is its own (fencing)."""
    max_attempts: Mapped[int] = mapped_column(Integer, server_default="1")
    lease_owner: Mapped[str | None] = mapped_column(String(200), nullable=True)
    lease_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    job_key: Mapped[str | None] = mapped_column(String(64), nullable=True)
    """Hash of (revision, recipe, settings) for background runs: one artifact per job."""
    stop_status: Mapped[str | None] = mapped_column(String(20), nullable=True)
    """A stop asked of the process running it (superseded, failed); it ends the run so."""
    stop_reason: Mapped[str | None] = mapped_column(Text, nullable=True)


class Artifact(Base):
    """The enriched context c' of a complete run; written in the transaction that completes it."""

    __tablename__ = "artifacts"
    __table_args__ = (Index("ix_artifacts_job_key", "job_key", unique=True),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    run_id: Mapped[str] = mapped_column(
        ForeignKey("sleep_runs.id", ondelete="CASCADE"), unique=True
    )
    revision_id: Mapped[int] = mapped_column(
        ForeignKey("revisions.id", ondelete="CASCADE"), index=True
    )
    text: Mapped[str] = mapped_column(Text)
    sha256: Mapped[str] = mapped_column(String(64))
    n_chars: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    anticipated: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    format_version: Mapped[str] = mapped_column(String(20))
    job_key: Mapped[str | None] = mapped_column(String(64), nullable=True)
    """Set for background runs: two workers racing on one job cannot both commit."""


class Query(Base):
    """One answered question, with the mode, budget and cost that produced the answer."""

    __tablename__ = "queries"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    context_id: Mapped[int] = mapped_column(
        ForeignKey("contexts.id", ondelete="CASCADE"), index=True
    )
    revision_id: Mapped[int] = mapped_column(
        ForeignKey("revisions.id", ondelete="CASCADE"), index=True
    )
    artifact_id: Mapped[int | None] = mapped_column(
        ForeignKey("artifacts.id", ondelete="SET NULL"), nullable=True, index=True
    )
    text: Mapped[str] = mapped_column(Text)
    mode: Mapped[str] = mapped_column(String(20))
    budget: Mapped[int] = mapped_column(Integer)
    layout: Mapped[str | None] = mapped_column(String(50), nullable=True)
    max_tokens: Mapped[int | None] = mapped_column(Integer, nullable=True)
    answer: Mapped[str] = mapped_column(Text)
    backend: Mapped[str] = mapped_column(String(100))
    model: Mapped[str] = mapped_column(String(500))
    prompt_version: Mapped[str] = mapped_column(Text)
    prompt_tokens: Mapped[int] = mapped_column(Integer, default=0)
    cached_prompt_tokens: Mapped[int] = mapped_column(Integer, default=0)
    completion_tokens: Mapped[int] = mapped_column(Integer, default=0)
    latency_s: Mapped[float] = mapped_column(Float, default=0.0)
    first_token_s: Mapped[float | None] = mapped_column(Float, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    details: Mapped[dict[str, Any]] = mapped_column(JSON)


class ApiKey(Base):
    """A service API key of one tenant; only the SHA-256 of the secret is stored."""

    __tablename__ = "api_keys"
    __table_args__ = (UniqueConstraint("sha256"), Index("ix_api_keys_tenant", "tenant"))

    id: Mapped[str] = mapped_column(String(16), primary_key=True)
    tenant: Mapped[str] = mapped_column(String(200))
    name: Mapped[str] = mapped_column(String(200))
    sha256: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class RateBucket(Base):
    """A token bucket of one API key, shared by every service process on the database.

    ``tokens`` is what was left at ``updated_at`` (seconds since the epoch); the bucket
    refills at the configured rate up to the burst. ``allowed`` is the verdict of the
    last take, written by the same statement so one round trip both decides and records.
    """

    __tablename__ = "rate_buckets"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    tokens: Mapped[float] = mapped_column(Float)
    updated_at: Mapped[float] = mapped_column(Float)
    allowed: Mapped[bool] = mapped_column(Boolean)
