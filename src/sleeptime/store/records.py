"""Frozen records returned by ``Store``: plain values, detached from any database session.

A record's fields are named after its table's columns and copied by name (``_copy``), so
the only hand-written list of columns is the schema itself; a test checks that every
record has exactly its table's columns (plus the few it derives, such as a run's
revision number).
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any, TypeVar

from sleeptime.store import schema
from sleeptime.values import Usage

R = TypeVar("R")

DERIVED: dict[str, frozenset[str]] = {"RunRecord": frozenset({"context_id", "revision_seq"})}
"""Record fields that are not columns of the record's own table."""


def _detach(value: Any) -> Any:
    """Copy JSON containers, so a record never shares a mutable value with a session."""
    if isinstance(value, dict):
        return dict(value)
    if isinstance(value, list):
        return list(value)
    return value


def _copy(cls: type[R], row: schema.Base, **derived: Any) -> R:
    """Build record ``cls`` from an ORM row: every field not in ``derived`` is a column."""
    names = [f.name for f in fields(cls)]  # type: ignore[arg-type]
    values = {name: _detach(getattr(row, name)) for name in names if name not in derived}
    return cls(**values, **derived)


def _calls(details: dict[str, Any]) -> int:
    calls = details.get("calls", 0)
    return calls if isinstance(calls, int) else 0


def _reasoning(details: dict[str, Any]) -> int:
    tokens = details.get("reasoning_tokens", 0)
    return tokens if isinstance(tokens, int) else 0


def reasoning_detail(usage: Usage) -> dict[str, int]:
    """Thinking tokens for a record's ``details`` (only when there were any: no migration,
    and records of models that do not think stay as they were)."""
    return {"reasoning_tokens": usage.reasoning_tokens} if usage.reasoning_tokens else {}


@dataclass(frozen=True, slots=True)
class ContextRecord:
    """A named context in a tenant; its text is in ``Store.current_revision(id)``."""

    id: int
    tenant: str
    name: str
    created_at: datetime
    source: dict[str, Any] | None = None
    """Set for a directory context: its root and snapshot options (``repo/source.py``)."""

    @classmethod
    def of(cls, row: schema.Context) -> ContextRecord:
        """Copy an ORM row into a record."""
        return _copy(cls, row)


@dataclass(frozen=True, slots=True)
class RevisionRecord:
    """One version of a context's text, numbered 1, 2, 3… per context (``seq``)."""

    id: int
    context_id: int
    seq: int
    sha256: str
    text: str
    n_chars: int
    created_at: datetime

    @classmethod
    def of(cls, row: schema.Revision) -> RevisionRecord:
        """Copy an ORM row into a record."""
        return _copy(cls, row)


@dataclass(frozen=True, slots=True)
class ContextSummary:
    """One line of ``Store.list_contexts``: a context and the state of its current revision."""

    id: int
    tenant: str
    name: str
    created_at: datetime
    n_revisions: int
    current_seq: int
    current_n_chars: int
    current_artifact_id: int | None
    """Newest artifact of the current revision, or None if it has not been slept on yet."""
    n_queries: int

    @property
    def has_artifact(self) -> bool:
        """Whether the current revision has a complete artifact to answer from."""
        return self.current_artifact_id is not None


@dataclass(frozen=True, slots=True)
class RunRecord:
    """One sleep run: what produced (or failed to produce) an artifact, and what it cost."""

    id: str
    revision_id: int
    context_id: int
    revision_seq: int
    recipe: str
    recipe_version: str
    prompt_versions: dict[str, Any]
    backend: str
    model: str
    settings: dict[str, Any]
    status: str
    """A ``RunStatus`` value (queued, running, complete, failed, cut_off, superseded,
    abandoned)."""
    started_at: datetime
    finished_at: datetime | None
    heartbeat_at: datetime
    rounds: int
    prompt_tokens: int
    cached_prompt_tokens: int
    completion_tokens: int
    wall_time_s: float
    error: str | None
    partial_text: str | None
    """Notes of a run that did not complete, for debugging; never served as an artifact."""
    details: dict[str, Any]
    origin: str
    """``foreground`` (``sleeptime sleep``) or ``worker`` (queued for a background worker)."""
    queued_at: datetime | None
    not_before: datetime | None
    priority: float
    attempt: int
    max_attempts: int
    lease_owner: str | None
    lease_expires_at: datetime | None
    job_key: str | None
    stop_status: str | None
    stop_reason: str | None

    @classmethod
    def of(cls, row: schema.SleepRun, revision: schema.Revision) -> RunRecord:
        """Copy an ORM row (and the context/seq of its revision) into a record."""
        return _copy(cls, row, context_id=revision.context_id, revision_seq=revision.seq)

    @property
    def usage(self) -> Usage:
        """Token and time totals of the run (``calls`` comes from ``details``)."""
        return Usage(
            prompt_tokens=self.prompt_tokens,
            cached_prompt_tokens=self.cached_prompt_tokens,
            completion_tokens=self.completion_tokens,
            wall_time_s=self.wall_time_s,
            calls=_calls(self.details),
            reasoning_tokens=_reasoning(self.details),
        )


@dataclass(frozen=True, slots=True)
class ArtifactRecord:
    """The enriched context c' produced by a complete run; the recipe is on its run."""

    id: int
    run_id: str
    revision_id: int
    text: str
    sha256: str
    n_chars: int
    created_at: datetime
    anticipated: list[dict[str, Any]]
    format_version: str
    job_key: str | None

    @classmethod
    def of(cls, row: schema.Artifact) -> ArtifactRecord:
        """Copy an ORM row into a record."""
        return _copy(cls, row)


@dataclass(frozen=True, slots=True)
class QueryRecord:
    """One answered question and everything that shaped the answer."""

    id: int
    context_id: int
    revision_id: int
    artifact_id: int | None
    text: str
    mode: str
    """One of sleep, baseline, context-only."""
    budget: int
    layout: str | None
    max_tokens: int | None
    answer: str
    backend: str
    model: str
    prompt_version: str
    prompt_tokens: int
    cached_prompt_tokens: int
    completion_tokens: int
    latency_s: float
    first_token_s: float | None
    created_at: datetime
    details: dict[str, Any]

    @classmethod
    def of(cls, row: schema.Query) -> QueryRecord:
        """Copy an ORM row into a record."""
        return _copy(cls, row)

    @property
    def usage(self) -> Usage:
        """Token and time totals of the answer; ``wall_time_s`` is the latency."""
        return Usage(
            prompt_tokens=self.prompt_tokens,
            cached_prompt_tokens=self.cached_prompt_tokens,
            completion_tokens=self.completion_tokens,
            wall_time_s=self.latency_s,
            first_token_s=self.first_token_s,
            calls=_calls(self.details),
            reasoning_tokens=_reasoning(self.details),
        )


@dataclass(frozen=True, slots=True)
class ApiKeyRecord:
    """A service API key (never its secret: only the hash is stored)."""

    id: str
    tenant: str
    name: str
    sha256: str
    created_at: datetime
    revoked_at: datetime | None

    @classmethod
    def of(cls, row: schema.ApiKey) -> ApiKeyRecord:
        """Copy an ORM row into a record."""
        return _copy(cls, row)
