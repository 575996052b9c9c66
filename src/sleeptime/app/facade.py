"""``Sleeptime``: the front door that ties the store, backends, sleep and answering together.

The command line is a thin layer over this class, and library users call the same methods,
so every behaviour the CLI has is reachable (and tested) from Python.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from sleeptime.answer import Answer, Budget, answer_question, make_budget
from sleeptime.answer.cost import DEFAULT_T
from sleeptime.answer.policy import AUTO_LAYOUTS, resolve_layout
from sleeptime.answer.prompt import Layout, answer_prefix
from sleeptime.anticipate.serve import serve_anticipated
from sleeptime.app.stats import DEFAULT_NS, ContextStats, context_stats
from sleeptime.backends import Backend, create_backend
from sleeptime.backends.base import PrefixWarmer
from sleeptime.errors import InputError, NotFoundError, StoreError
from sleeptime.names import check_name, check_question, check_utf8
from sleeptime.settings import Settings
from sleeptime.sleep import EventSink, SleepBudget, SleepResult, parse_recipe, run_sleep
from sleeptime.sleep.events import ignore_events
from sleeptime.store import (
    ArtifactRecord,
    ContextRecord,
    QueryRecord,
    RevisionRecord,
    RunRecord,
    Store,
)
from sleeptime.values import AnswerMode

BackendSpec = Backend | str | None


def _reasoning_asked(budget: Budget) -> dict[str, Any]:
    """The reasoning settings of an answer, for its query record (only those that were set)."""
    asked = {
        "effort": budget.effort,
        "thinking_tokens": budget.thinking_tokens,
        "min_thinking_tokens": budget.min_thinking_tokens or None,
    }
    return {key: value for key, value in asked.items() if value is not None}


class AnswerNotRecordedError(StoreError):
    """The model answered but the query could not be logged; the answer travels with it.

    The answer is already paid for, so callers show it before reporting the failure.
    """

    def __init__(self, answer: Answer, cause: StoreError) -> None:
        super().__init__(
            f"the answer was not recorded, so `sleeptime stats` will not count it: {cause}"
        )
        self.answer = answer


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
        self.tenant = self.settings.tenant if tenant is None else tenant
        check_name(self.tenant, "tenant")
        self.store = store or Store.open(self.settings)
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
        check_utf8(name, "context name")
        record = self.store.get_context(self.tenant, name)
        return record, self.store.current_revision(record.id, tenant=self.tenant)

    def run(self, run_id: str) -> RunRecord:
        """One sleep run of this tenant by id or 6+ character prefix; others are not found."""
        return self.store.get_run(run_id, tenant=self.tenant)

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
        batch: bool | None = None,
    ) -> SleepResult:
        """Compute and store ``c'`` for the current revision of ``name``.

        ``batch`` (default ``Settings.openai_batch``) sends the sleep calls through the
        provider's Batch API: cheaper on hosted APIs, and it needs the openai backend.
        """
        parsed = parse_recipe(recipe)
        _, revision = self.context(name)
        chosen = self._sleep_backend(backend, model, batch)
        result = await run_sleep(
            self.store,
            revision,
            chosen,
            parsed,
            budget or SleepBudget(),
            seed=self.settings.seed,
            on_event=on_event,
            heartbeat_s=self.settings.heartbeat_s,
        )
        if isinstance(chosen, PrefixWarmer):
            # Prefill the answer prompt's fixed part now, while nobody waits for it.
            # The layout ``auto`` uses at low budgets, where answers lean on the notes.
            system, prefix = answer_prefix(
                AnswerMode.SLEEP, AUTO_LAYOUTS[0], revision.text, result.artifact.text
            )
            warmed = await chosen.warm_prefix(
                system, prefix, label=f"{name} artifact {result.artifact.id}", tenant=self.tenant
            )
            result = replace(result, prefilled_tokens=warmed)
        return result

    def _sleep_backend(self, spec: BackendSpec, model: str | None, batch: bool | None) -> Backend:
        """The backend for sleep work, wrapped for the provider's batch API when asked.

        Only sleep is batched: answers wait on a user, batches can take hours.
        """
        wanted = self.settings.openai_batch if batch is None else batch
        name = spec.info.backend if isinstance(spec, Backend) else spec or self.settings.backend
        if not wanted or (name != "openai" and batch is None):
            return self.backend(spec, model)  # the setting concerns only the openai backend
        if name != "openai":
            raise InputError(
                "batch sleep goes through an OpenAI-compatible provider's batch API, so it "
                f"needs the openai backend (not {name!r}); add --backend openai or drop --batch"
            )
        from sleeptime.backends.batch import BatchingBackend, from_settings
        from sleeptime.backends.openai_compat import OpenAICompatBackend

        chosen = self.backend(spec, model)
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

    # answer -----------------------------------------------------------------------------
    async def ask(
        self,
        name: str,
        question: str,
        *,
        budget: int = 0,
        mode: str = "sleep",
        layout: str = "auto",
        max_tokens: int | None = None,
        backend: BackendSpec = None,
        model: str | None = None,
        anticipated: bool = True,
        verify_with_model: bool = False,
        unverified_anticipated: bool = False,
        effort: str | None = None,
        thinking_tokens: int | None = None,
        min_thinking_tokens: int = 0,
    ) -> AskResult:
        """Answer ``question`` about ``name`` and record the query with its usage.

        In sleep mode an anticipated answer stored by the sleep run is served instead when
        the question verifiably asks the same thing (``anticipated=False`` turns that off;
        ``verify_with_model`` adds a yes/no confirmation by the model to the free check).
        Only answers the sleep run verified are served unless ``unverified_anticipated``.
        ``effort`` (low/medium/high) and ``thinking_tokens`` ask a reasoning model to think.
        """
        try:
            typed_mode = AnswerMode(mode)
        except ValueError:
            choices = ", ".join(AnswerMode)
            raise InputError(f"mode must be one of {choices}; got {mode!r}") from None
        level = make_budget(
            budget,
            max_tokens,
            effort=effort,
            thinking_tokens=thinking_tokens,
            min_thinking_tokens=min_thinking_tokens,
        )
        typed_layout = resolve_layout(layout, level.level)  # InputError for unknown names
        check_question(question)
        check_utf8(name, "context name")
        context, revision, newest = self.store.answer_view(self.tenant, name)
        artifact: ArtifactRecord | None = None
        if typed_mode == AnswerMode.SLEEP:
            artifact = newest
            if artifact is None:
                raise NotFoundError(
                    f"context {name!r} (revision {revision.seq}) has no completed sleep run "
                    f"yet; run `sleeptime sleep {name}` first, or ask with --mode baseline"
                )
        served: dict[str, Any] = {"served": "model"}
        if artifact is not None and anticipated:
            hit = await self._ask_anticipated(
                question,
                context,
                revision,
                artifact,
                level,
                typed_layout,
                verifier=self.backend(backend, model) if verify_with_model else None,
                unverified=unverified_anticipated,
            )
            if isinstance(hit, AskResult):
                return hit
            served["anticipated_checked"] = hit
        chosen = self.backend(backend, model)
        answer = await answer_question(
            chosen,
            question=question,
            context=revision.text,
            notes=artifact.text if artifact else None,
            mode=typed_mode,
            layout=layout,
            budget=level,
            seed=self.settings.seed,
        )
        return self._record(
            question, context, revision, artifact, answer, chosen.info.backend,
            chosen.info.model, served,
        )  # fmt: skip

    async def _ask_anticipated(
        self,
        question: str,
        context: ContextRecord,
        revision: RevisionRecord,
        artifact: ArtifactRecord,
        level: Budget,
        layout: Layout,
        *,
        verifier: Backend | None,
        unverified: bool = False,
    ) -> AskResult | int:
        """Serve and record a verified anticipated answer, or return how many were checked."""
        answer, match = await serve_anticipated(
            question,
            artifact.anticipated,
            budget=level,
            layout=layout,
            verifier=verifier,
            seed=self.settings.seed,
            unverified=unverified,
        )
        if answer is None or match.item is None:
            return match.checked
        if verifier is not None:
            backend_name, model_name = verifier.info.backend, verifier.info.model
        else:  # no model ran: credit the model whose sleep run precomputed the answer
            run = self.store.get_run(artifact.run_id, tenant=self.tenant)
            backend_name, model_name = run.backend, run.model
        return self._record(
            question, context, revision, artifact, answer, backend_name, model_name,
            {
                "served": "anticipated",
                "matched_question": match.item["question"],
                "verifier": match.verifier,
                "anticipated_checked": match.checked,
            },
        )  # fmt: skip

    def _record(
        self,
        question: str,
        context: ContextRecord,
        revision: RevisionRecord,
        artifact: ArtifactRecord | None,
        answer: Answer,
        backend_name: str,
        model_name: str,
        served: dict[str, Any],
    ) -> AskResult:
        """Log one answered question (model or anticipated) and wrap it for the caller."""
        try:
            query = self._record_query(
                question, context, revision, artifact, answer, backend_name, model_name, served
            )
        except StoreError as exc:
            raise AnswerNotRecordedError(answer, exc) from exc
        return AskResult(answer=answer, query=query, artifact=artifact, revision=revision)

    def _record_query(
        self,
        question: str,
        context: ContextRecord,
        revision: RevisionRecord,
        artifact: ArtifactRecord | None,
        answer: Answer,
        backend_name: str,
        model_name: str,
        served: dict[str, Any],
    ) -> QueryRecord:
        return self.store.record_query(
            context_id=context.id,
            revision_id=revision.id,
            artifact_id=artifact.id if artifact else None,
            text=question.strip(),
            mode=answer.mode,
            budget=answer.budget.level,
            layout=answer.layout,
            max_tokens=answer.budget.max_tokens,
            answer=answer.text,
            backend=backend_name,
            model=model_name,
            prompt_version=answer.prompt_version,
            usage=answer.usage,
            latency_s=answer.latency_s,
            # The caller has just read these rows; foreign keys catch deletions meanwhile.
            validate=False,
            details={
                "final": answer.final,
                "finish_reason": answer.finish_reason,
                **_reasoning_asked(answer.budget),
                **served,
            },
        )

    # stats ------------------------------------------------------------------------------
    def stats(
        self, name: str, *, t: float = DEFAULT_T, ns: tuple[int, ...] = DEFAULT_NS
    ) -> ContextStats:
        """Token, latency and amortized-cost statistics for the current revision."""
        if t <= 0:
            raise InputError("t (the test-time price factor) must be positive")
        _, revision = self.context(name)
        tenant = self.tenant
        runs = self.store.list_runs(revision_id=revision.id, tenant=tenant)
        artifact = self.store.latest_artifact(revision.id, tenant=tenant)
        artifact_run = self.store.get_run(artifact.run_id, tenant=tenant) if artifact else None
        queries = self.store.list_queries(revision_id=revision.id, tenant=tenant)
        return context_stats(name, revision.seq, runs, artifact_run, queries, t=t, ns=ns)

    async def aclose(self) -> None:
        """Release backends and the database connection pool."""
        for backend in self._backends.values():
            await backend.aclose()
        self._backends.clear()
        self.store.close()
