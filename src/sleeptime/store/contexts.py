"""Contexts and their content-addressed revisions."""

from __future__ import annotations

import hashlib
from typing import Any, cast

from sqlalchemy import Select, Table, bindparam, delete, func, select
from sqlalchemy.orm import Session

from sleeptime.errors import InputError, NotFoundError, StoreError
from sleeptime.names import MAX_NAME_CHARS, check_name, shown
from sleeptime.store.base import Conflict, StoreBase
from sleeptime.store.records import ArtifactRecord, ContextRecord, ContextSummary, RevisionRecord
from sleeptime.store.schema import Artifact, Context, Query, Revision, utcnow

__all__ = ["MAX_NAME_CHARS", "ContextsMixin", "check_name", "check_text", "sha256_hex"]


def check_text(text: str, what: str = "context text") -> None:
    """Raise ``InputError`` if ``text`` is blank or holds NUL (PostgreSQL cannot store it)."""
    if not text.strip():
        raise InputError(f"{what} is empty; give a file or text with some content")
    if "\x00" in text:
        raise InputError(f"{what} contains NUL bytes; is this a binary file?")


def sha256_hex(text: str) -> str:
    """Return the hex SHA-256 of ``text`` encoded as UTF-8."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


# Built once: the query path runs these for every question (see ``answer_view``).
_CONTEXTS = cast(Table, Context.__table__)
_REVISIONS = cast(Table, Revision.__table__)
_ARTIFACTS = cast(Table, Artifact.__table__)
_SELECT_CONTEXT = select(_CONTEXTS).where(
    _CONTEXTS.c.tenant == bindparam("tenant"), _CONTEXTS.c.name == bindparam("name")
)
_SELECT_CURRENT = (
    select(_REVISIONS)
    .where(_REVISIONS.c.context_id == bindparam("context_id"))
    .order_by(_REVISIONS.c.seq.desc())
    .limit(1)
)
_SELECT_NEWEST_ARTIFACT = (
    select(_ARTIFACTS)
    .where(_ARTIFACTS.c.revision_id == bindparam("revision_id"))
    .order_by(_ARTIFACTS.c.id.desc())
    .limit(1)
)


def missing_context(tenant: str, name: str) -> NotFoundError:
    """The error for a name that is not a context of ``tenant`` (or belongs to another).

    The name is shown escaped: it comes from the caller and may hold hidden characters.
    """
    return NotFoundError(
        f"no context named {name!r} in tenant {tenant!r}; "
        "list the contexts, or add one with this name"
    ).hinted(f"`sleeptime context list`, or `sleeptime context add {shown(name)} FILE`")


def _current(session: Session, context_id: int) -> Revision | None:
    query = select(Revision).where(Revision.context_id == context_id)
    return session.scalars(query.order_by(Revision.seq.desc()).limit(1)).first()


def _check_kind(context: Context, source: dict[str, Any] | None) -> None:
    """Refuse text for a directory context and a directory for a text context."""
    if context.source is not None and source is None:
        raise InputError(
            f"context {context.name!r} is a directory context: its revisions come from its "
            "folder, so text cannot replace or extend it; refresh it from the folder, or "
            "delete it first to keep text under this name"
        ).hinted(f"`sleeptime context refresh {shown(context.name)}`")
    if context.source is None and source is not None:
        raise InputError(
            f"context {context.name!r} holds text, not a directory; choose another name for "
            "the directory, or delete the text context first"
        ).hinted(f"`sleeptime context delete {shown(context.name)}`")


def _context(session: Session, tenant: str, name: str) -> Context:
    row = session.scalars(
        select(Context).where(Context.tenant == tenant, Context.name == name)
    ).first()
    if row is None:
        raise missing_context(tenant, name)
    return row


class ContextsMixin(StoreBase):
    """Methods for contexts and revisions."""

    def add_context(
        self, tenant: str, name: str, text: str, *, source: dict[str, Any] | None = None
    ) -> tuple[ContextRecord, RevisionRecord, bool]:
        """Add ``text`` as the current revision of a context, creating the context if needed.

        Returns the context, its current revision, and whether a revision was created:
        text identical to the current revision changes nothing; text identical to an
        older one becomes a new revision, so the current revision is always the newest.
        ``source`` marks a directory context (``text`` is then its snapshot's manifest);
        a context never changes kind: text for a directory context, or a directory for a
        text one, is refused with ``InputError``.
        """
        check_name(tenant, "tenant")
        check_name(name)
        check_text(text)
        digest = sha256_hex(text)
        for attempt in (1, 2):
            try:
                with self._tx("adding a context", write=True, conflict=True) as session:
                    return self._add(session, tenant, name, text, digest, source)
            except Conflict as exc:
                # Another process created the same context or revision at the same
                # moment; the retry sees its row and builds on it.
                if attempt == 2:
                    raise StoreError(
                        f"could not add context {name!r}: another process kept writing it "
                        f"({exc}); retry"
                    ) from exc
        raise AssertionError("unreachable")

    @staticmethod
    def _add(
        session: Session,
        tenant: str,
        name: str,
        text: str,
        digest: str,
        source: dict[str, Any] | None = None,
    ) -> tuple[ContextRecord, RevisionRecord, bool]:
        # Locked, so two writers of one context number their revisions one after the
        # other (PostgreSQL; SQLite's write lock is taken up front anyway).
        context = session.scalars(
            select(Context).where(Context.tenant == tenant, Context.name == name).with_for_update()
        ).first()
        if context is None:
            context = Context(tenant=tenant, name=name, created_at=utcnow(), source=source)
            session.add(context)
            session.flush()
        else:
            _check_kind(context, source)
            if source is not None and context.source != source:
                context.source = source  # new include/exclude settings or a moved folder
        current = _current(session, context.id)
        if current is not None and current.sha256 == digest:
            return ContextRecord.of(context), RevisionRecord.of(current), False
        revision = Revision(
            context_id=context.id,
            seq=1 if current is None else current.seq + 1,
            sha256=digest,
            text=text,
            n_chars=len(text),
            created_at=utcnow(),
        )
        session.add(revision)
        session.flush()
        return ContextRecord.of(context), RevisionRecord.of(revision), True

    def answer_view(
        self, tenant: str, name: str
    ) -> tuple[ContextRecord, RevisionRecord, ArtifactRecord | None]:
        """Context, current revision and its newest artifact in one read (the query path).

        Core statements on one connection: this runs once per question, so it skips the
        ORM's identity map and unit of work.
        """
        with self._conn("reading a context") as conn:
            context: Any = conn.execute(_SELECT_CONTEXT, {"tenant": tenant, "name": name}).first()
            if context is None:
                raise missing_context(tenant, name)
            revision: Any = conn.execute(_SELECT_CURRENT, {"context_id": context.id}).first()
            if revision is None:
                raise NotFoundError(f"context {name!r} has no revisions; add text to it").hinted(
                    f"`sleeptime context add {shown(name)} FILE`"
                )
            artifact: Any = conn.execute(
                _SELECT_NEWEST_ARTIFACT, {"revision_id": revision.id}
            ).first()
        return (
            ContextRecord.of(context),
            RevisionRecord.of(revision),
            None if artifact is None else ArtifactRecord.of(artifact),
        )

    def newest_artifact_of_context(
        self, context_id: int, *, tenant: str
    ) -> tuple[ArtifactRecord, RevisionRecord] | None:
        """The newest notes of any revision of a context, with the revision they describe."""
        query = (
            select(Artifact, Revision)
            .join(Revision, Artifact.revision_id == Revision.id)
            .join(Context, Revision.context_id == Context.id)
            .where(Revision.context_id == context_id, Context.tenant == tenant)
            .order_by(Revision.seq.desc(), Artifact.id.desc())
            .limit(1)
        )
        with self._tx("reading the newest notes") as session:
            found = session.execute(query).first()
            if found is None:
                return None
            return ArtifactRecord.of(found[0]), RevisionRecord.of(found[1])

    def get_context(self, tenant: str, name: str) -> ContextRecord:
        """Return the context ``name`` of ``tenant``; ``NotFoundError`` says how to add it."""
        with self._tx("reading a context") as session:
            return ContextRecord.of(_context(session, tenant, name))

    def list_contexts(self, tenant: str) -> list[ContextSummary]:
        """Summarise every context of ``tenant``, sorted by name."""
        with self._tx("listing contexts") as session:
            contexts = session.scalars(
                select(Context).where(Context.tenant == tenant).order_by(Context.name)
            ).all()
            ids = [c.id for c in contexts]
            if not ids:
                return []
            counts = {
                cid: (n, top)
                for cid, n, top in session.execute(
                    select(Revision.context_id, func.count(), func.max(Revision.seq))
                    .where(Revision.context_id.in_(ids))
                    .group_by(Revision.context_id)
                )
            }
            current = self._current_revisions(session, ids)
            artifacts = {
                rid: aid
                for rid, aid in session.execute(
                    select(Artifact.revision_id, func.max(Artifact.id))
                    .where(Artifact.revision_id.in_([rid for rid, _ in current.values()]))
                    .group_by(Artifact.revision_id)
                )
            }
            queries = {
                cid: n
                for cid, n in session.execute(
                    select(Query.context_id, func.count())
                    .where(Query.context_id.in_(ids))
                    .group_by(Query.context_id)
                )
            }
        summaries = []
        for c in contexts:
            n_revisions, seq = counts.get(c.id, (0, 0))
            revision_id, n_chars = current.get(c.id, (0, 0))
            summaries.append(
                ContextSummary(
                    id=c.id,
                    tenant=c.tenant,
                    name=c.name,
                    created_at=c.created_at,
                    n_revisions=n_revisions,
                    current_seq=seq,
                    current_n_chars=n_chars,
                    current_artifact_id=artifacts.get(revision_id),
                    n_queries=queries.get(c.id, 0),
                )
            )
        return summaries

    @staticmethod
    def _current_revisions(session: Session, ids: list[int]) -> dict[int, tuple[int, int]]:
        newest = (
            select(Revision.context_id, func.max(Revision.seq).label("seq"))
            .where(Revision.context_id.in_(ids))
            .group_by(Revision.context_id)
            .subquery()
        )
        rows = session.execute(
            select(Revision.context_id, Revision.id, Revision.n_chars).join(
                newest,
                (Revision.context_id == newest.c.context_id) & (Revision.seq == newest.c.seq),
            )
        )
        return {cid: (rid, n_chars) for cid, rid, n_chars in rows}

    def delete_context(self, tenant: str, name: str) -> None:
        """Delete a context with all its revisions, runs, artifacts and queries."""
        with self._tx("deleting a context", write=True) as session:
            context = _context(session, tenant, name)
            session.execute(delete(Context).where(Context.id == context.id))

    def context_of_revision(self, revision_id: int) -> ContextRecord:
        """The context a revision belongs to (for trusted callers such as a worker)."""
        with self._tx("reading a context") as session:
            row = session.scalars(
                select(Context)
                .join(Revision, Revision.context_id == Context.id)
                .where(Revision.id == revision_id)
            ).first()
            if row is None:
                raise NotFoundError(
                    f"no revision with id {revision_id}; its context was deleted meanwhile"
                )
            return ContextRecord.of(row)

    def current_revision(self, context_id: int, *, tenant: str | None = None) -> RevisionRecord:
        """Return the newest revision of a context (of ``tenant``: another's is not found)."""
        query = _revisions_in(select(Revision).where(Revision.context_id == context_id), tenant)
        with self._tx("reading a revision") as session:
            row = session.scalars(query.order_by(Revision.seq.desc()).limit(1)).first()
            if row is None:
                raise NotFoundError(
                    f"context id {context_id} has no revisions (was it deleted?); add text to it"
                ).hinted("`sleeptime context add NAME FILE`")
            return RevisionRecord.of(row)

    def get_revision(self, revision_id: int, *, tenant: str | None = None) -> RevisionRecord:
        """Return one revision by id; another tenant's revision is not found."""
        query = _revisions_in(select(Revision).where(Revision.id == revision_id), tenant)
        with self._tx("reading a revision") as session:
            row = session.scalars(query).first()
            if row is None:
                raise NotFoundError(
                    f"no revision with id {revision_id}; it may have been deleted with its context"
                )
            return RevisionRecord.of(row)

    def list_revisions(self, context_id: int, *, tenant: str | None = None) -> list[RevisionRecord]:
        """Return every revision of a context (of ``tenant``), oldest first."""
        query = _revisions_in(select(Revision).where(Revision.context_id == context_id), tenant)
        with self._tx("listing revisions") as session:
            rows = session.scalars(query.order_by(Revision.seq)).all()
            return [RevisionRecord.of(row) for row in rows]


def _revisions_in(query: Select[Any], tenant: str | None) -> Select[Any]:
    """Restrict a query over revisions to one tenant's contexts (all if None).

    Ids are sequential and easy to guess, so every lookup by id that a user can reach
    passes the tenant and is filtered in SQL, never checked afterwards.
    """
    if tenant is None:
        return query
    return query.join(Context, Revision.context_id == Context.id).where(Context.tenant == tenant)
