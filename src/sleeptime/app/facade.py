"""``Sleeptime``: one tenant's view of the system — contexts, sleep, answers, records.

The command line is a thin layer over this class, and library users call the same methods,
so every behaviour the CLI has is reachable (and tested) from Python. The process-lived
parts (settings, store, backends) belong to a ``Runtime``; a ``Sleeptime`` made without
one opens its own and closes it in ``aclose``. Every read and write passes this view's
tenant, so nothing of another tenant can be named, listed or changed through it.
Coroutines reach the database only through ``AsyncStore`` (``self.db``), never on the
event loop.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from sleeptime.answer import Answer, Budget, answer_question, make_budget
from sleeptime.answer.cost import DEFAULT_T
from sleeptime.answer.policy import resolve_layout
from sleeptime.answer.prompt import Layout
from sleeptime.anticipate.serve import serve_anticipated
from sleeptime.app.repo_context import refuse_directory, sleep_directory
from sleeptime.app.runtime import Runtime
from sleeptime.app.stats import DEFAULT_NS, ContextStats, context_stats
from sleeptime.app.warm import warm_answer_prefix
from sleeptime.backends import Backend
from sleeptime.backends.pool import BackendSpec
from sleeptime.errors import InputError, NotFoundError, StoreError
from sleeptime.names import check_name, check_question, check_utf8, shown
from sleeptime.scheduling import Priority, gather_inputs, rank
from sleeptime.settings import Settings
from sleeptime.sleep import EventSink, SleepBudget, SleepResult, parse_recipe, run_sleep
from sleeptime.sleep.events import ignore_events
from sleeptime.store import (
    ApiKeyRecord,
    ArtifactRecord,
    ContextRecord,
    ContextSummary,
    QueryRecord,
    RevisionRecord,
    RunRecord,
    Store,
)
from sleeptime.store.aio import AsyncStore
from sleeptime.values import AnswerMode, RunStatus


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
    stale_from: RevisionRecord | None = None
    """When the notes used describe an older revision (asked with ``allow_stale``): that one."""


@dataclass(frozen=True, slots=True)
class ContextView:
    """A context as ``context show`` presents it: current text, history, notes, runs."""

    context: ContextRecord
    revision: RevisionRecord
    revisions: list[RevisionRecord]
    artifact: ArtifactRecord | None
    runs: list[RunRecord]


class Sleeptime:
    """Add contexts, sleep on them, and answer questions for one tenant, recording everything."""

    def __init__(
        self,
        settings: Settings | None = None,
        *,
        store: Store | None = None,
        tenant: str | None = None,
        runtime: Runtime | None = None,
    ) -> None:
        self._owns_runtime = runtime is None
        self.runtime = runtime or Runtime(settings, store=store)
        self.settings = self.runtime.settings
        self.tenant = self.settings.tenant if tenant is None else tenant
        check_name(self.tenant, "tenant")

    @property
    def store(self) -> Store:
        """The synchronous store (for trusted library callers; the CLI uses the methods)."""
        return self.runtime.store

    @property
    def db(self) -> AsyncStore:
        """The store for coroutines: every call runs off the event loop."""
        return self.runtime.db

    def backend(
        self, spec: BackendSpec = None, model: str | None = None, **options: Any
    ) -> Backend:
        """Return a backend instance; names are created once per process and reused."""
        return self.runtime.backends.get(spec, model, **options)

    # contexts ---------------------------------------------------------------------------
    def add_context(self, name: str, text: str) -> tuple[ContextRecord, RevisionRecord, bool]:
        """Store ``text`` as the current revision of ``name``; False if it was unchanged.

        A new revision supersedes background sleep on older ones: queued runs end at once
        and running ones are asked to stop (their worker ends them within a second).
        """
        context, revision, created = self.store.add_context(self.tenant, name, text)
        if created:
            self.store.supersede_older(
                context.id,
                keep_revision_id=revision.id,
                reason=f"superseded by revision {revision.seq} of {name!r}",
            )
        return context, revision, created

    def append_context(
        self, name: str, text: str, *, separator: str = "\n"
    ) -> tuple[ContextRecord, RevisionRecord, bool]:
        """Add ``text`` at the end of ``name``'s current text as a new revision.

        For contexts that grow (conversations, logs). A context that does not exist yet
        is created with ``text``.
        """
        check_utf8(name, "context name")
        try:
            _, current = self.context(name)
        except NotFoundError:
            return self.add_context(name, text)
        joined = current.text if current.text.endswith(separator) else current.text + separator
        return self.add_context(name, joined + text)

    def context(self, name: str) -> tuple[ContextRecord, RevisionRecord]:
        """The context and its current revision, or NotFoundError with a hint."""
        check_utf8(name, "context name")
        record = self.store.get_context(self.tenant, name)
        return record, self.store.current_revision(record.id, tenant=self.tenant)

    def contexts(self) -> list[ContextSummary]:
        """This tenant's contexts with the state of their current revisions."""
        return self.store.list_contexts(self.tenant)

    def show(self, name: str, *, runs: int = 5) -> ContextView:
        """A context with its revisions, newest notes and latest runs of the current revision."""
        context, revision = self.context(name)
        return ContextView(
            context=context,
            revision=revision,
            revisions=self.store.list_revisions(context.id, tenant=self.tenant),
            artifact=self.store.latest_artifact(revision.id, tenant=self.tenant),
            runs=self.store.list_runs(revision_id=revision.id, limit=runs, tenant=self.tenant),
        )

    def notes_history(self, name: str) -> list[tuple[ArtifactRecord, int]]:
        """Every artifact of every revision of ``name`` with its revision number, newest first."""
        context, _ = self.context(name)
        out: list[tuple[ArtifactRecord, int]] = []
        for revision in reversed(self.store.list_revisions(context.id, tenant=self.tenant)):
            out.extend(
                (a, revision.seq)
                for a in self.store.list_artifacts(revision.id, tenant=self.tenant)
            )
        return out

    def delete_context(self, name: str) -> None:
        """Delete a context with its revisions, runs, notes and queries."""
        check_utf8(name, "context name")
        self.store.delete_context(self.tenant, name)

    def runs(self, name: str, *, limit: int = 20) -> list[RunRecord]:
        """Sleep runs of every revision of ``name``, newest first."""
        context, _ = self.context(name)
        return self.store.list_runs(context_id=context.id, limit=limit, tenant=self.tenant)

    def run(self, run_id: str) -> RunRecord:
        """One sleep run of this tenant by id or 6+ character prefix; others are not found."""
        return self.store.get_run(run_id, tenant=self.tenant)

    def jobs(self, *, statuses: tuple[RunStatus, ...] = (), limit: int = 100) -> list[RunRecord]:
        """This tenant's background runs (queued, running and ended), newest first."""
        return self.store.list_jobs(tenant=self.tenant, statuses=statuses, limit=limit)

    def cancel(self, run_id: str, *, reason: str = "cancelled by the user") -> RunRecord:
        """Cancel a run: a queued one ends now, a running one stops within a second."""
        return self.store.request_stop(run_id, tenant=self.tenant, reason=reason)

    def priorities(
        self, *, horizon_h: float, half_life_h: float, t: float = DEFAULT_T
    ) -> list[Priority]:
        """This tenant's contexts ranked by expected benefit per sleep token."""
        inputs = gather_inputs(self.store, self.tenant)
        return rank(inputs, horizon_h=horizon_h, half_life_h=half_life_h, t=t)

    # API keys --------------------------------------------------------------------------
    def create_key(self, name: str) -> tuple[ApiKeyRecord, str]:
        """A new service API key of this tenant; the secret is returned once, never stored."""
        return self.store.create_api_key(self.tenant, name)

    def keys(self) -> list[ApiKeyRecord]:
        """This tenant's API keys (ids and names, never secrets)."""
        return self.store.list_api_keys(self.tenant)

    def revoke_key(self, key_id: str) -> ApiKeyRecord:
        """Revoke one of this tenant's keys."""
        return self.store.revoke_api_key(key_id, tenant=self.tenant)

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
        rephrase: bool | None = None,
    ) -> SleepResult:
        """Compute and store ``c'`` for the current revision of ``name``.

        ``batch`` (default ``Settings.openai_batch``) sends the sleep calls through the
        provider's Batch API: cheaper on hosted APIs, and it needs the openai backend.
        ``rephrase`` (default: the budget's, else ``Settings.anticipate_rephrase``) has the
        model write checked rewordings of the anticipated questions (``anticipate/
        rephrase.py``).
        """
        if rephrase is None:
            rephrase = (budget.rephrase if budget else False) or self.settings.anticipate_rephrase
        budget = replace(budget or SleepBudget(), rephrase=rephrase)
        parsed = parse_recipe(recipe)
        context, revision = await self.db.call(self.context, name)
        if context.source is not None:  # a folder: the repository agent writes the map
            return await sleep_directory(
                self, name, recipe=parsed, budget=budget, backend=backend, model=model,
                on_event=on_event,
            )  # fmt: skip
        chosen = self.runtime.backends.for_sleep(backend, model, batch)
        result = await run_sleep(
            self.db,
            revision,
            chosen,
            parsed,
            budget,
            seed=self.settings.seed,
            on_event=on_event,
            heartbeat_s=self.settings.heartbeat_s,
        )
        warmed = await warm_answer_prefix(
            chosen,
            revision.text,
            result.artifact,
            label=f"{name} artifact {result.artifact.id}",
            tenant=self.tenant,
        )
        if warmed:
            result = replace(result, prefilled_tokens=warmed)
        return result

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
        accept_with_model: bool | None = None,
        unverified_anticipated: bool = False,
        effort: str | None = None,
        thinking_tokens: int | None = None,
        min_thinking_tokens: int = 0,
        allow_stale: bool = False,
        on_text: Callable[[str], None] | None = None,
    ) -> AskResult:
        """Answer ``question`` about ``name`` and record the query with its usage.

        ``on_text`` receives the model's answer as it is generated, where the backend
        streams (a prefix of the final ``AskResult.answer``; an anticipated answer or a
        replayed call sends nothing, so a streaming caller completes from the result).

        In sleep mode the notes must describe the current revision, unless
        ``allow_stale``: then the newest notes of an older revision are used with the
        current text, and the result says which revision they describe (``stale_from``).

        In sleep mode an anticipated answer stored by the sleep run is served instead when
        the question verifiably asks the same thing (``anticipated=False`` turns that off;
        ``verify_with_model`` adds a yes/no confirmation by the model to the free check;
        ``accept_with_model``, default ``Settings.anticipate_accept``, lets the model accept
        a question the free check refused when its numbers, units, tense, names and the
        like agree: ``anticipate/accept.py``).
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
        context, revision, newest = await self.db.call(self.store.answer_view, self.tenant, name)
        refuse_directory(context, "a question about it")
        artifact: ArtifactRecord | None = None
        stale_from: RevisionRecord | None = None
        if typed_mode == AnswerMode.SLEEP:
            artifact = newest
            if artifact is None and allow_stale:
                older = await self.db.call(
                    self.store.newest_artifact_of_context, context.id, tenant=self.tenant
                )
                if older is not None:
                    artifact, stale_from = older
            if artifact is None:
                raise NotFoundError(
                    f"context {name!r} (revision {revision.seq}) has no "
                    "notes yet: sleep on it first (a running worker does so after the quiet "
                    "period), ask in baseline mode, or allow stale notes of an older revision"
                ).hinted(f"`sleeptime sleep {shown(name)}`, or --mode baseline")
        served: dict[str, Any] = {"served": "model"}
        if stale_from is not None:
            served["stale_notes_of_revision"] = stale_from.seq
        # Stored answers of older notes may be wrong for the new text: never served.
        accept = self.settings.anticipate_accept if accept_with_model is None else accept_with_model
        if artifact is not None and anticipated and stale_from is None:
            hit = await self._ask_anticipated(
                question,
                context,
                revision,
                artifact,
                level,
                typed_layout,
                verifier=self.backend(backend, model) if verify_with_model or accept else None,
                unverified=unverified_anticipated,
                verify=verify_with_model,
                accept=accept,
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
            on_text=on_text,
        )
        result = await self._record(
            question, context, revision, artifact, answer, chosen.info.backend,
            chosen.info.model, served,
        )  # fmt: skip
        return replace(result, stale_from=stale_from) if stale_from else result

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
        verify: bool = True,
        accept: bool = False,
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
            verify=verify,
            accept=accept,
            context=revision.text,
            answer_check=self.settings.anticipate_answer_check,
        )
        if answer is None or match.item is None:
            return match.checked
        if verifier is not None and match.verifier != "structural":
            backend_name, model_name = verifier.info.backend, verifier.info.model
        else:  # no model ran: credit the model whose sleep run precomputed the answer
            run = await self.db.call(self.store.get_run, artifact.run_id, tenant=self.tenant)
            backend_name, model_name = run.backend, run.model
        return await self._record(
            question, context, revision, artifact, answer, backend_name, model_name,
            {
                "served": "anticipated",
                "matched_question": match.item["question"],
                "verifier": match.verifier,
                "anticipated_checked": match.checked,
                **({"short_answer": match.short_answer} if match.short_answer is not None else {}),
            },
        )  # fmt: skip

    async def _record(
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
            query = await self.db.call(
                self._record_query,
                question, context, revision, artifact, answer, backend_name, model_name, served,
            )  # fmt: skip
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
        """Release backends and the database, when this view opened its own runtime."""
        if self._owns_runtime:
            await self.runtime.aclose()
