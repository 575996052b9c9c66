"""Request and response bodies of the REST API (pydantic: the OpenAPI schema comes from them)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from sleeptime.names import MAX_NAME_CHARS
from sleeptime.store import ArtifactRecord, ContextSummary, RevisionRecord, RunRecord

Name = Field(min_length=1, max_length=MAX_NAME_CHARS)


class Strict(BaseModel):
    """Unknown fields are refused: a typo should not be silently ignored."""

    model_config = ConfigDict(extra="forbid")


class ContextIn(Strict):
    name: str = Name
    text: str = Field(min_length=1, description="The context's text (becomes a revision).")


class TextIn(Strict):
    text: str = Field(min_length=1)


class AskIn(Strict):
    question: str = Field(min_length=1, max_length=20_000)
    budget: int = Field(default=0, ge=0, le=4, description="Test-time budget level 0-4.")
    mode: Literal["sleep", "baseline"] = "sleep"
    allow_stale: bool = Field(
        default=False,
        description="Use the newest notes of an older revision when the current one has none.",
    )
    anticipated: bool = Field(default=True, description="Serve a verified stored answer.")


class RevisionOut(BaseModel):
    seq: int
    sha256: str
    n_chars: int
    created_at: datetime

    @classmethod
    def of(cls, r: RevisionRecord) -> RevisionOut:
        return cls(seq=r.seq, sha256=r.sha256, n_chars=r.n_chars, created_at=r.created_at)


class ContextOut(BaseModel):
    name: str
    revision: RevisionOut
    created: bool | None = None


class ContextSummaryOut(BaseModel):
    name: str
    current_revision: int
    n_chars: int
    has_notes: bool
    queries: int
    created_at: datetime

    @classmethod
    def of(cls, s: ContextSummary) -> ContextSummaryOut:
        return cls(
            name=s.name, current_revision=s.current_seq, n_chars=s.current_n_chars,
            has_notes=s.has_artifact, queries=s.n_queries, created_at=s.created_at,
        )  # fmt: skip


class ArtifactOut(BaseModel):
    id: int
    run_id: str
    revision: int
    n_chars: int
    sha256: str
    created_at: datetime
    text: str | None = None
    anticipated: int

    @classmethod
    def of(cls, a: ArtifactRecord, revision_seq: int, *, text: bool) -> ArtifactOut:
        return cls(
            id=a.id, run_id=a.run_id, revision=revision_seq, n_chars=a.n_chars, sha256=a.sha256,
            created_at=a.created_at, text=a.text if text else None,
            anticipated=len(a.anticipated),
        )  # fmt: skip


class RunOut(BaseModel):
    id: str
    status: str
    origin: str
    revision: int
    recipe: str
    backend: str
    model: str
    rounds: int
    prompt_tokens: int
    cached_prompt_tokens: int
    completion_tokens: int
    attempt: int
    max_attempts: int
    priority: float
    error: str | None
    waiting: str | None
    queued_at: datetime | None
    not_before: datetime | None
    started_at: datetime
    finished_at: datetime | None

    @classmethod
    def of(cls, r: RunRecord) -> RunOut:
        waiting = r.details.get("waiting") if isinstance(r.details, dict) else None
        return cls(
            id=r.id, status=r.status, origin=r.origin, revision=r.revision_seq, recipe=r.recipe,
            backend=r.backend, model=r.model, rounds=r.rounds, prompt_tokens=r.prompt_tokens,
            cached_prompt_tokens=r.cached_prompt_tokens,
            completion_tokens=r.completion_tokens, attempt=r.attempt,
            max_attempts=r.max_attempts, priority=r.priority, error=r.error,
            waiting=str(waiting) if waiting else None, queued_at=r.queued_at,
            not_before=r.not_before, started_at=r.started_at, finished_at=r.finished_at,
        )  # fmt: skip


class ContextDetailOut(BaseModel):
    name: str
    revision: RevisionOut
    text: str
    revisions: list[RevisionOut]
    notes: ArtifactOut | None
    runs: list[RunOut]


class UsageOut(BaseModel):
    prompt_tokens: int
    cached_prompt_tokens: int
    completion_tokens: int
    latency_s: float


class AnswerOut(BaseModel):
    answer: str
    final: str | None
    mode: str
    budget: int
    served: str
    revision: int
    artifact_id: int | None
    stale: bool
    notes_revision: int | None = Field(
        description="The revision the notes describe (differs from revision when stale)."
    )
    usage: UsageOut
    recorded: bool = True
    details: dict[str, Any] = Field(default_factory=dict)


class DiffOut(BaseModel):
    from_artifact: int
    to_artifact: int
    diff: str
