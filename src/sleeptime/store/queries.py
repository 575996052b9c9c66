"""Answered queries: one row per question, with the mode and cost of its answer."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any, cast

from sqlalchemy import Table, bindparam, insert, select

from sleeptime.errors import InputError, NotFoundError
from sleeptime.store.base import StoreBase
from sleeptime.store.contexts import check_text
from sleeptime.store.records import QueryRecord, reasoning_detail
from sleeptime.store.schema import Artifact, Context, Query, Revision, utcnow
from sleeptime.values import AnswerMode, Usage, parse_enum

_QUERIES = cast(Table, Query.__table__)
_REVISIONS = cast(Table, Revision.__table__)
_ARTIFACTS = cast(Table, Artifact.__table__)
_REVISION_OWNER = select(_REVISIONS.c.context_id).where(_REVISIONS.c.id == bindparam("revision_id"))
_ARTIFACT_EXISTS = select(_ARTIFACTS.c.id).where(_ARTIFACTS.c.id == bindparam("artifact_id"))
_INSERT_QUERY = insert(_QUERIES)

MAX_BUDGET = 4
MAX_AGENT_STEPS = 100
"""An agent query's budget is its step budget (layout ``agent``), not a verbosity level."""


class QueriesMixin(StoreBase):
    """Methods for the query log."""

    def record_query(
        self,
        *,
        context_id: int,
        revision_id: int,
        artifact_id: int | None,
        text: str,
        mode: str,
        budget: int,
        layout: str | None,
        max_tokens: int | None,
        answer: str,
        backend: str,
        model: str,
        prompt_version: str,
        usage: Usage,
        latency_s: float,
        details: dict[str, Any] | None = None,
        validate: bool = True,
    ) -> QueryRecord:
        """Log one answered question and return its record."""
        check_text(text, "question")
        mode = parse_enum(AnswerMode, mode, "query mode").value
        limit = MAX_AGENT_STEPS if layout == "agent" else MAX_BUDGET
        if not 0 <= budget <= limit:
            raise InputError(f"budget must be between 0 and {limit}, not {budget}")
        if max_tokens is not None and max_tokens < 1:
            raise InputError(f"max_tokens must be at least 1, not {max_tokens}")
        values: dict[str, Any] = {
            "context_id": context_id,
            "revision_id": revision_id,
            "artifact_id": artifact_id,
            "text": text,
            "mode": mode,
            "budget": budget,
            "layout": layout,
            "max_tokens": max_tokens,
            "answer": answer.replace("\x00", ""),
            "backend": backend,
            "model": model,
            "prompt_version": prompt_version,
            "prompt_tokens": usage.prompt_tokens,
            "cached_prompt_tokens": usage.cached_prompt_tokens,
            "completion_tokens": usage.completion_tokens,
            "latency_s": latency_s,
            "first_token_s": usage.first_token_s,
            "created_at": utcnow(),
            "details": {"calls": usage.calls, **reasoning_detail(usage), **(details or {})},
        }
        # Prebuilt Core statements: this runs once per question, so it skips the ORM.
        with self._conn("recording a query", write=True) as conn:
            # Callers that just read these rows (the query path) skip the re-check; foreign
            # keys still refuse rows deleted in between.
            owner = (
                conn.execute(_REVISION_OWNER, {"revision_id": revision_id}).scalar()
                if validate
                else context_id
            )
            if owner != context_id:
                raise NotFoundError(
                    f"no revision {revision_id} in context id {context_id}; "
                    "it may have been deleted with its context"
                )
            if (
                validate
                and artifact_id is not None
                and conn.execute(_ARTIFACT_EXISTS, {"artifact_id": artifact_id}).first() is None
            ):
                raise NotFoundError(f"no artifact with id {artifact_id}")
            new_id = conn.execute(_INSERT_QUERY, values).inserted_primary_key
        row: Any = SimpleNamespace(id=new_id[0] if new_id else None, **values)
        return QueryRecord.of(row)

    def list_queries(
        self,
        *,
        context_id: int | None = None,
        revision_id: int | None = None,
        limit: int | None = None,
        tenant: str | None = None,
    ) -> list[QueryRecord]:
        """Return logged queries, newest first, optionally of one context or revision.

        With ``tenant``, only queries on that tenant's contexts are returned.
        """
        query = select(Query)
        if tenant is not None:
            query = query.join(Context, Query.context_id == Context.id).where(
                Context.tenant == tenant
            )
        if context_id is not None:
            query = query.where(Query.context_id == context_id)
        if revision_id is not None:
            query = query.where(Query.revision_id == revision_id)
        query = query.order_by(Query.id.desc())
        if limit is not None:
            query = query.limit(limit)
        with self._tx("listing queries") as session:
            return [QueryRecord.of(row) for row in session.scalars(query)]
