"""One sleep run end to end: check the fit, run the loops, and record the outcome atomically.

The artifact ``c'`` is written in the same transaction that marks the run complete; any
failure, interruption or budget cut-off marks the run failed or cut off with its partial
notes kept for debugging, so a half-finished run can never be served.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

from sleeptime.anticipate import extract_anticipated
from sleeptime.anticipate.rephrase import rephrase_anticipated
from sleeptime.backends.base import Backend
from sleeptime.errors import ContextTooLargeError, SleeptimeError
from sleeptime.prompts import load_prompt
from sleeptime.sleep.combine import Combined, combine, combine_notes
from sleeptime.sleep.events import EventSink, SleepEvent, SleepEventKind, ignore_events
from sleeptime.sleep.predictability import score_predictability
from sleeptime.sleep.recipes import Recipe, SleepBudget
from sleeptime.sleep.recorder import RunRecorder
from sleeptime.sleep.rethink import (
    EMPTY_MEMORY,
    LoopOutcome,
    SleepCutOff,
    prompt_versions,
    rethink_loop,
    round_prompt,
    system_prompt,
)
from sleeptime.sleep.solve import solve_ahead, solve_prompt_versions
from sleeptime.sleep.verify import VERIFIER_VERSION, verify_anticipated
from sleeptime.store import ArtifactRecord, RevisionRecord, RunRecord, Store
from sleeptime.store.aio import AsyncStore
from sleeptime.values import Usage

PARALLEL_TEMPERATURE = 0.7
_CHARS_PER_TOKEN = 3  # conservative, so the fit check errs on the side of refusing early


@dataclass(frozen=True, slots=True)
class SleepResult:
    """A completed run's artifact with per-loop statistics."""

    artifact: ArtifactRecord
    run_id: str
    usage: Usage
    loops: tuple[LoopOutcome, ...]
    prefilled_tokens: int = 0
    """Tokens of the answer prefix whose KV state was saved after the run (embedded)."""


def sleep_temperature(budget: SleepBudget, recipe: Recipe) -> float:
    """The budget's temperature, else 0 for one loop and 0.7 so parallel loops differ."""
    if budget.temperature is not None:
        return budget.temperature
    return 0.0 if recipe.k == 1 else PARALLEL_TEMPERATURE


async def check_fits(backend: Backend, context: str, budget: SleepBudget) -> int:
    """Raise ContextTooLargeError unless one round fits in the model window; return its need."""
    window = backend.info.context_window
    system = system_prompt(budget, backend.info.native_tools)
    prompt = round_prompt(context, EMPTY_MEMORY, budget.max_rounds, budget, None, "")
    prompt_tokens = await backend.count_tokens(system + "\n" + prompt)
    need = prompt_tokens + budget.memory_chars // _CHARS_PER_TOKEN + budget.round_max_tokens
    if window is not None and need > window:
        raise ContextTooLargeError(
            f"the context is too large for sleep-time compute on {backend.info.model}: one "
            f"round needs about {need} tokens (prompt {prompt_tokens}, notes up to "
            f"{budget.memory_chars} characters, reply up to {budget.round_max_tokens} tokens) "
            f"but the model window is {window} tokens. Shorten the context, lower the "
            "budget's memory_chars or round_max_tokens, or use a model with a larger window "
            "(Settings.n_ctx for the embedded model)."
        ).hinted("--memory-chars, --round-tokens, --model, or SLEEPTIME_N_CTX")
    return need


def _run_settings(
    backend: Backend, recipe: Recipe, budget: SleepBudget, temperature: float, seed: int,
    extra: dict[str, Any] | None,
) -> dict[str, Any]:  # fmt: skip
    """Everything that shapes a run's notes, recorded on the run."""
    return {
        "budget": budget.to_dict(),
        "temperature": temperature,
        "seed": seed,
        "k": recipe.k,
        "native_tools": backend.info.native_tools,
        "backend_details": backend.info.details,
        **(extra or {}),
    }


def run_prompt_versions(budget: SleepBudget, recipe: Recipe | None = None) -> dict[str, str]:
    """The prompt versions a run of ``recipe`` with ``budget`` uses (recorded on the run)."""
    solves = recipe is not None and recipe.kind == "solve"
    versions = solve_prompt_versions() if solves else dict(prompt_versions())
    if budget.anticipate == "call":
        versions["anticipate_extract"] = load_prompt("anticipate_extract").key
    return versions


@dataclass(frozen=True, slots=True)
class Appended:
    """Incremental sleep: only the text appended since an artifact, from that artifact's notes.

    For contexts that grow (conversations, logs), rethinking the new part with the old
    notes costs the new part plus the notes instead of the whole text; the run records
    that it did so (``details["incremental"]``).
    """

    text: str
    notes: str
    artifact_id: int

    def loop_context(self) -> str:
        """What the rethink loops read as the context: the appended part alone."""
        return self.text

    @staticmethod
    def focus() -> str:
        """The instruction added to every round, saying the notes cover the earlier part."""
        return load_prompt("sleep_appended").render()


async def run_sleep(
    db: AsyncStore | Store,
    revision: RevisionRecord,
    backend: Backend,
    recipe: Recipe,
    budget: SleepBudget,
    *,
    seed: int = 0,
    on_event: EventSink = ignore_events,
    extra_settings: dict[str, Any] | None = None,
    heartbeat_s: float = 15.0,
    run: RunRecord | None = None,
    owner: str | None = None,
    lease_s: float | None = None,
    appended: Appended | None = None,
) -> SleepResult:
    """Compute ``c'`` for ``revision`` and store it; raise a SleeptimeError on any failure.

    With ``appended`` the loops read only the appended text and start from the earlier
    notes; verification and scoring still use the whole revision.

    Without ``run`` a foreground run is started here (after the fit check, so a context
    that cannot fit writes nothing); a worker passes the queued run it claimed. Either
    way a ``RunRecorder`` keeps the run's lease, stops the work when another process
    asks (``RunStoppedError``), and writes how it ended exactly once. A plain ``Store``
    is wrapped in an ``AsyncStore`` for the run's duration.
    """
    if isinstance(db, Store):
        own = AsyncStore(db, threads=1)
        try:
            return await run_sleep(
                own, revision, backend, recipe, budget, seed=seed, on_event=on_event,
                extra_settings=extra_settings, heartbeat_s=heartbeat_s, run=run, owner=owner,
                lease_s=lease_s, appended=appended,
            )  # fmt: skip
        finally:
            own.close()
    temperature = sleep_temperature(budget, recipe)
    if recipe.kind == "solve":
        appended = None  # solving ahead reads the whole context; there are no notes to extend
    loop_text = appended.loop_context() if appended else revision.text
    if run is None:
        await backend.prepare()
        await check_fits(backend, loop_text, budget)
        run = await db.call(
            db.sync.start_run,
            revision.id,
            recipe=recipe.name,
            recipe_version=recipe.version,
            prompt_versions=run_prompt_versions(budget, recipe),
            backend=backend.info.backend,
            model=backend.info.model,
            settings=_run_settings(backend, recipe, budget, temperature, seed, extra_settings),
            owner=owner,
            **({"lease_s": lease_s} if lease_s is not None else {}),
        )
        fits_checked = True
    else:
        fits_checked = False
    recorder = RunRecorder(db, run, heartbeat_s=heartbeat_s, lease_s=lease_s)
    progress = _Progress(recipe.k)
    try:
        if not fits_checked:
            await recorder.watch(_prepare(backend, loop_text, budget))
        notes, details, items = await recorder.watch(
            _think(
                progress,
                recorder,
                revision,
                backend,
                recipe,
                budget,
                temperature,
                seed,
                on_event,
                appended,
            )
        )
    except BaseException as exc:
        if isinstance(exc, SleepCutOff):
            progress.partial[exc.loop] = exc.partial_notes
            progress.partial_text = combine_notes(progress.partial)
        await recorder.end(
            exc,
            usage=progress.usage,
            rounds=progress.rounds,
            partial_text=progress.partial_text,
            details=progress.details,
        )
        raise
    artifact = await recorder.complete(
        artifact_text=notes,
        usage=progress.usage,
        rounds=progress.rounds,
        details=details,
        anticipated=items,
    )
    on_event(
        SleepEvent(
            SleepEventKind.RUN_END,
            loops=recipe.k,
            usage=progress.usage,
            notes_chars=len(notes),
            message=run.id,
        )
    )
    return SleepResult(
        artifact=artifact, run_id=run.id, usage=progress.usage, loops=progress.outcomes
    )


@dataclass(slots=True)
class _Progress:
    """What a run has done so far, for its record however it ends."""

    k: int
    usage: Usage = field(default_factory=Usage)
    rounds_by_loop: list[int] = field(default_factory=list)
    partial: list[str] = field(default_factory=list)
    partial_text: str | None = None
    details: dict[str, Any] = field(default_factory=dict)
    outcomes: tuple[LoopOutcome, ...] = ()

    def __post_init__(self) -> None:
        self.rounds_by_loop = [0] * self.k
        self.partial = [EMPTY_MEMORY] * self.k

    @property
    def rounds(self) -> int:
        """Rounds done by all loops together."""
        return sum(self.rounds_by_loop)


async def _prepare(backend: Backend, context: str, budget: SleepBudget) -> None:
    await backend.prepare()
    await check_fits(backend, context, budget)


async def _think(
    progress: _Progress,
    recorder: RunRecorder,
    revision: RevisionRecord,
    backend: Backend,
    recipe: Recipe,
    budget: SleepBudget,
    temperature: float,
    seed: int,
    on_event: EventSink,
    appended: Appended | None = None,
) -> tuple[str, dict[str, Any], list[dict[str, Any]]]:
    """The run's work: loops, combining, anticipated answers; raises on any failure."""

    def sink(event: SleepEvent) -> None:
        if event.kind == SleepEventKind.ROUND_END:
            progress.rounds_by_loop[event.loop] = event.round
            recorder.progress(progress.rounds)
        on_event(event)

    on_event(
        SleepEvent(
            SleepEventKind.RUN_START,
            loops=recipe.k,
            max_rounds=budget.max_rounds,
            usage=progress.usage,
            message=recorder.run.id,
        )
    )
    outcomes, combined = await _notes(
        backend, appended.loop_context() if appended else revision.text, budget, recipe,
        progress.usage, temperature, seed, sink, appended.notes if appended else None,
        Appended.focus() if appended else "",
    )  # fmt: skip
    progress.outcomes = tuple(outcomes)
    progress.rounds_by_loop[: len(outcomes)] = [o.rounds for o in outcomes]
    notes = combined.text
    progress.details = {
        **combined.details,
        **(
            {
                "incremental": {
                    "from_artifact": appended.artifact_id,
                    "appended_chars": len(appended.text),
                    "earlier_notes_chars": len(appended.notes),
                    "prompt": load_prompt("sleep_appended").key,
                }
            }
            if appended
            else {}
        ),
        "loops": [_loop_details(o) for o in outcomes],
    }
    if not notes:
        raise SleeptimeError(
            f"the model wrote no notes in {progress.rounds} rounds (its replies could not be "
            "read as notes); try more rounds or a stronger model, and see the run's record "
            f"(run {recorder.run.id[:8]})"
        ).hinted(f"see it with `sleeptime runs show {recorder.run.id[:8]}`")
    progress.partial_text = notes
    # Anticipated answers are sleep-time work too: their cost goes into the run's usage.
    anticipated = await extract_anticipated(notes, budget.anticipate, backend, seed=seed)
    progress.usage.add(anticipated.usage)
    # Only verified answers are served without a model call (``anticipate/serve.py``).
    items = verify_anticipated(anticipated.items, revision.text, notes)
    rephrased = None
    if budget.rephrase and items:
        rephrased = await rephrase_anticipated(backend, items, revision.text, seed=seed)
        progress.usage.add(rephrased.usage)
        items = rephrased.items
    scored = await score_predictability(backend, revision.text, items)
    details = {
        **progress.details,
        "anticipated": {
            **anticipated.details(),
            "verifier": VERIFIER_VERSION,
            "verified": sum(1 for item in items if item["verified"]),
            "predictability_scored": scored,
            **({"rephrase": rephrased.details()} if rephrased is not None else {}),
        },
    }
    return notes, details, items


def _loop_details(o: LoopOutcome) -> dict[str, Any]:
    return {
        "rounds": o.rounds,
        "finished": o.finished,
        "malformed": o.malformed,
        "untagged": o.untagged,
        "clipped": o.clipped,
        "calculations_checked": o.checked,
        "slips_found": o.slips_found,
        "slips_left": o.slips_left,
        "empty_finishes_refused": o.empty_finishes,
        "protocol": o.protocol,
        "usage": o.usage.to_dict(),
    }


async def _notes(
    backend: Backend,
    context: str,
    budget: SleepBudget,
    recipe: Recipe,
    usage: Usage,
    temperature: float,
    seed: int,
    sink: EventSink,
    initial_notes: str | None = None,
    focus: str = "",
) -> tuple[list[LoopOutcome], Combined]:
    """The recipe's work: K rethink loops combined, or questions solved ahead (``solve``)."""
    if recipe.kind == "solve":
        solved = await solve_ahead(
            backend, context, recipe, budget, run_usage=usage, temperature=temperature,
            seed=seed, on_event=sink,
        )  # fmt: skip
        return [solved.outcome], Combined(text=solved.notes, details=solved.details)
    outcomes = await _run_loops(
        backend, context, budget, recipe, usage, temperature, seed, sink, initial_notes, focus
    )
    notes = [o.notes for o in outcomes]
    return outcomes, combine(recipe, notes, check_arithmetic=budget.check_arithmetic)


async def _run_loops(
    backend: Backend,
    context: str,
    budget: SleepBudget,
    recipe: Recipe,
    usage: Usage,
    temperature: float,
    seed: int,
    sink: EventSink,
    initial_notes: str | None = None,
    focus: str = "",
) -> list[LoopOutcome]:
    """Run the k loops concurrently; the first failure cancels the others."""
    try:
        async with asyncio.TaskGroup() as group:
            tasks = [
                group.create_task(
                    rethink_loop(
                        backend,
                        context,
                        budget,
                        run_usage=usage,
                        loop_index=i,
                        loops=recipe.k,
                        temperature=temperature,
                        seed=seed + i,
                        on_event=sink,
                        initial_notes=initial_notes,
                        focus=focus,
                    )
                )
                for i in range(recipe.k)
            ]
    except BaseExceptionGroup as group_error:
        first = group_error.exceptions[0]
        raise first from None
    return [t.result() for t in tasks]


@dataclass(frozen=True, slots=True)
class Notes:
    """``c'`` computed without a store (for benchmarks and embedding in other systems)."""

    text: str
    usage: Usage
    loops: tuple[LoopOutcome, ...]
    details: dict[str, Any] = field(default_factory=dict)
    """What combining the loops did (``sleep/combine.py``)."""


async def compute_notes(
    backend: Backend,
    context: str,
    recipe: Recipe,
    budget: SleepBudget,
    *,
    seed: int = 0,
    on_event: EventSink = ignore_events,
) -> Notes:
    """Run the recipe on ``context`` and return the notes; nothing is recorded.

    Raises ``BudgetExceededError`` when cut off and ``SleeptimeError`` when the model wrote
    no notes, exactly like ``run_sleep``.
    """
    await backend.prepare()
    await check_fits(backend, context, budget)
    temperature = sleep_temperature(budget, recipe)
    usage = Usage()
    outcomes, combined = await _notes(
        backend, context, budget, recipe, usage, temperature, seed, on_event
    )
    text = combined.text
    if not text:
        raise SleeptimeError(
            f"the model wrote no notes in {sum(o.rounds for o in outcomes)} rounds; try more "
            "rounds or a stronger model"
        )
    return Notes(text=text, usage=usage, loops=tuple(outcomes), details=combined.details)
