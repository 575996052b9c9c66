"""``Sleeptime``: the front door that ties the store, backends, sleep and answering together.

The command line is a thin layer over this class, and library users call the same methods,
so every behaviour the CLI has is reachable (and tested) from Python.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sleeptime.answer import Answer, answer_question, make_budget
from sleeptime.answer.cost import DEFAULT_T
from sleeptime.answer.prompt import LAYOUTS, MODES, Layout, Mode
from sleeptime.app.stats import DEFAULT_NS, ContextStats, context_stats
from sleeptime.backends import Backend, create_backend
from sleeptime.errors import InputError, NotFoundError
from sleeptime.settings import Settings
from sleeptime.sleep import EventSink, SleepBudget, SleepResult, parse_recipe, run_sleep
from sleeptime.sleep.events import ignore_events
from sleeptime.store import (
    ArtifactRecord,
    ContextRecord,
    QueryRecord,
    RevisionRecord,
    Store,
)

BackendSpec = Backend | str | None


@dataclass(frozen=True, slots=True)
class AskResult:
    """An answer, the stored query record, and the artifact it used (None for baseline)."""

    answer: Answer
    query: QueryRecord
    artifact: ArtifactRecord | None
    revision: RevisionRecord


class Sleeptime:
    """Add contexts, sleep on them, and answer questions, recording everything in the store."""

    def __init__(
        self,
        settings: Settings | None = None,
        *,
        store: Store | None = None,
        tenant: str | None = None,
    ) -> None:
        self.settings = settings or Settings()
        self.store = store or Store.open(self.settings)
        self.tenant = tenant or self.settings.tenant
        self._backends: dict[tuple[str, str | None], Backend] = {}

    def backend(
        self, spec: BackendSpec = None, model: str | None = None, **options: Any
    ) -> Backend:
        """Return a backend instance; names are created once per process and reused."""
        if spec is not None and not isinstance(spec, str):
            return spec
        name = spec or self.settings.backend
        key = (name, model or self.settings.model)
        if key not in self._backends or options:
            self._backends[key] = create_backend(
                name, model=model, settings=self.settings, **options
            )
        return self._backends[key]

    # contexts ---------------------------------------------------------------------------
    def add_context(self, name: str, text: str) -> tuple[ContextRecord, RevisionRecord, bool]:
        """Store ``text`` as the current revision of ``name``; False if it was unchanged."""
        return self.store.add_context(self.tenant, name, text)

    def context(self, name: str) -> tuple[ContextRecord, RevisionRecord]:
        """The context and its current revision, or NotFoundError with a hint."""
        record = self.store.get_context(self.tenant, name)
        return record, self.store.current_revision(record.id)

    # sleep ------------------------------------------------------------------------------
    async def sleep(
        self,
        name: str,
        *,
        recipe: str = "rethink",
        budget: SleepBudget | None = None,
        backend: BackendSpec = None,
        model: str | None = None,
        on_event: EventSink = ignore_events,
    ) -> SleepResult:
        """Compute and store ``c'`` for the current revision of ``name``."""
        parsed = parse_recipe(recipe)
        _, revision = self.context(name)
        chosen = self.backend(backend, model)
        return await run_sleep(
            self.store,
            revision,
            chosen,
            parsed,
            budget or SleepBudget(),
            seed=self.settings.seed,
            on_event=on_event,
        )

    # answer -----------------------------------------------------------------------------
    async def ask(
        self,
        name: str,
        question: str,
        *,
        budget: int = 2,
        mode: str = "sleep",
        layout: str = "replace",
        max_tokens: int | None = None,
        backend: BackendSpec = None,
        model: str | None = None,
    ) -> AskResult:
        """Answer ``question`` about ``name`` and record the query with its usage."""
        if mode not in MODES:
            raise InputError(f"mode must be one of {', '.join(MODES)}; got {mode!r}")
        if layout not in LAYOUTS:
            raise InputError(f"layout must be one of {', '.join(LAYOUTS)}; got {layout!r}")
        level = make_budget(budget, max_tokens)
        context, revision = self.context(name)
        artifact: ArtifactRecord | None = None
        if mode == "sleep":
            artifact = self.store.latest_artifact(revision.id)
            if artifact is None:
                raise NotFoundError(
                    f"context {name!r} (revision {revision.seq}) has no completed sleep run "
                    f"yet; run `sleeptime sleep {name}` first, or ask with --mode baseline"
                )
        chosen = self.backend(backend, model)
        typed_mode: Mode = "sleep" if mode == "sleep" else "baseline"
        typed_layout: Layout = "both" if layout == "both" else "replace"
        answer = await answer_question(
            chosen,
            question=question,
            context=revision.text,
            notes=artifact.text if artifact else None,
            mode=typed_mode,
            layout=typed_layout,
            budget=level,
            seed=self.settings.seed,
        )
        query = self.store.record_query(
            context_id=context.id,
            revision_id=revision.id,
            artifact_id=artifact.id if artifact else None,
            text=question.strip(),
            mode=mode,
            budget=level.level,
            layout=answer.layout,
            max_tokens=level.max_tokens,
            answer=answer.text,
            backend=chosen.info.backend,
            model=chosen.info.model,
            prompt_version=answer.prompt_version,
            usage=answer.usage,
            latency_s=answer.latency_s,
            details={"final": answer.final, "finish_reason": answer.finish_reason},
        )
        return AskResult(answer=answer, query=query, artifact=artifact, revision=revision)

    # stats ------------------------------------------------------------------------------
    def stats(
        self, name: str, *, t: float = DEFAULT_T, ns: tuple[int, ...] = DEFAULT_NS
    ) -> ContextStats:
        """Token, latency and amortized-cost statistics for the current revision."""
        if t <= 0:
            raise InputError("t (the test-time price factor) must be positive")
        _, revision = self.context(name)
        runs = self.store.list_runs(revision_id=revision.id)
        artifact = self.store.latest_artifact(revision.id)
        artifact_run = self.store.get_run(artifact.run_id) if artifact else None
        queries = self.store.list_queries(revision_id=revision.id)
        return context_stats(name, revision.seq, runs, artifact_run, queries, t=t, ns=ns)

    async def aclose(self) -> None:
        """Release backends and the database connection pool."""
        for backend in self._backends.values():
            await backend.aclose()
        self._backends.clear()
        self.store.close()
