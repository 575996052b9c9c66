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
from sleeptime.backends.base import Backend
from sleeptime.errors import ContextTooLargeError, SleeptimeError
from sleeptime.prompts import load_prompt
from sleeptime.sleep.combine import combine, combine_notes
from sleeptime.sleep.events import EventSink, SleepEvent, SleepEventKind, ignore_events
from sleeptime.sleep.recipes import RECIPE_VERSION, Recipe, SleepBudget
from sleeptime.sleep.rethink import (
    EMPTY_MEMORY,
    LoopOutcome,
    SleepCutOff,
    prompt_versions,
    rethink_loop,
    round_prompt,
    system_prompt,
)
from sleeptime.sleep.verify import VERIFIER_VERSION, verify_anticipated
from sleeptime.store import ArtifactRecord, RevisionRecord, Store
from sleeptime.values import RunStatus, Usage

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
            f"but the model window is {window} tokens. Shorten the context, lower "
            "--memory-chars or --round-tokens, or use a model with a larger window "
            "(--model, SLEEPTIME_N_CTX)."
        )
    return need


async def run_sleep(
    store: Store,
    revision: RevisionRecord,
    backend: Backend,
    recipe: Recipe,
    budget: SleepBudget,
    *,
    seed: int = 0,
    on_event: EventSink = ignore_events,
    extra_settings: dict[str, Any] | None = None,
    heartbeat_s: float = 15.0,
) -> SleepResult:
    """Compute ``c'`` for ``revision`` and store it; raise a SleeptimeError on any failure.

    While it runs, the run's heartbeat is recorded every ``heartbeat_s`` seconds; a run
    whose process died stops beating and is marked abandoned (``Settings.stale_run_s``).
    """
    await backend.prepare()
    await check_fits(backend, revision.text, budget)
    temperature = sleep_temperature(budget, recipe)
    settings: dict[str, Any] = {
        "budget": budget.to_dict(),
        "temperature": temperature,
        "seed": seed,
        "k": recipe.k,
        "native_tools": backend.info.native_tools,
        "backend_details": backend.info.details,
        **(extra_settings or {}),
    }
    run = store.start_run(
        revision.id,
        recipe=recipe.name,
        recipe_version=RECIPE_VERSION,
        prompt_versions={
            **prompt_versions(),
            **(
                {"anticipate_extract": load_prompt("anticipate_extract").key}
                if budget.anticipate == "call"
                else {}
            ),
        },
        backend=backend.info.backend,
        model=backend.info.model,
        settings=settings,
    )
    # Heartbeats keep coming while a long round runs, so only a dead process goes stale.
    ticker = asyncio.create_task(_keep_alive(store, run.id, heartbeat_s))
    try:
        return await _execute(store, run.id, revision, backend, recipe, budget, temperature,
                              seed, on_event)  # fmt: skip
    finally:
        ticker.cancel()


async def _keep_alive(store: Store, run_id: str, every_s: float) -> None:
    """Record a heartbeat every ``every_s`` seconds until cancelled or the run has ended."""
    while True:
        await asyncio.sleep(every_s)
        try:
            store.heartbeat(run_id)
        except SleeptimeError:
            return  # the run ended or its context was deleted; the run's own path reports it


def stop_reason(exc: BaseException) -> str:
    """Why a run stopped early, in words for its record (``sleeptime runs show``)."""
    if isinstance(exc, asyncio.CancelledError):
        detail = exc.args[0] if exc.args and isinstance(exc.args[0], str) else ""
        return (
            f"interrupted: {detail}"
            if detail
            else "interrupted: CancelledError (Ctrl-C, or the caller cancelled the run)"
        )
    if isinstance(exc, KeyboardInterrupt):
        return "interrupted: KeyboardInterrupt (Ctrl-C)"
    return f"interrupted: {exc!r}"


async def _execute(
    store: Store,
    run_id: str,
    revision: RevisionRecord,
    backend: Backend,
    recipe: Recipe,
    budget: SleepBudget,
    temperature: float,
    seed: int,
    on_event: EventSink,
) -> SleepResult:
    """Run the loops of a started run and record how it ended (artifact or failure)."""
    usage = Usage()
    partial: list[str] = [EMPTY_MEMORY] * recipe.k
    rounds_done = [0] * recipe.k

    def sink(event: SleepEvent) -> None:
        if event.kind == SleepEventKind.ROUND_END:
            rounds_done[event.loop] = event.round
            store.heartbeat(run_id, rounds=sum(rounds_done))
        on_event(event)

    on_event(
        SleepEvent(
            SleepEventKind.RUN_START,
            loops=recipe.k,
            max_rounds=budget.max_rounds,
            usage=usage,
            message=run_id,
        )
    )
    try:
        outcomes = await _run_loops(
            backend, revision.text, budget, recipe, usage, temperature, seed, sink
        )
    except SleepCutOff as exc:
        partial[exc.loop] = exc.partial_notes
        store.fail_run(
            run_id,
            status=RunStatus.CUT_OFF,
            error=str(exc),
            usage=usage,
            rounds=sum(rounds_done),
            partial_text=combine_notes(partial),
            details={},
        )
        raise
    except SleeptimeError as exc:
        store.fail_run(
            run_id,
            status=RunStatus.FAILED,
            error=str(exc),
            usage=usage,
            rounds=sum(rounds_done),
            partial_text=None,
            details={},
        )
        raise
    except BaseException as exc:  # interrupted or a bug: the run must not stay "running"
        store.fail_run(
            run_id,
            status=RunStatus.FAILED,
            error=stop_reason(exc),
            usage=usage,
            rounds=sum(rounds_done),
            partial_text=None,
            details={},
        )
        raise
    combined = combine(
        recipe, [o.notes for o in outcomes], check_arithmetic=budget.check_arithmetic
    )
    notes = combined.text
    details: dict[str, Any] = {
        **combined.details,
        "loops": [
            {
                "rounds": o.rounds,
                "finished": o.finished,
                "malformed": o.malformed,
                "untagged": o.untagged,
                "clipped": o.clipped,
                "calculations_checked": o.checked,
                "slips_found": o.slips_found,
                "slips_left": o.slips_left,
                "protocol": o.protocol,
                "usage": o.usage.to_dict(),
            }
            for o in outcomes
        ],
    }
    if not notes:
        message = (
            f"the model wrote no notes in {sum(o.rounds for o in outcomes)} rounds (its replies "
            "could not be "
            "read as notes); try more rounds, a stronger model (--model), or see the run with "
            f"`sleeptime runs show {run_id[:8]}`"
        )
        store.fail_run(
            run_id,
            status=RunStatus.FAILED,
            error=message,
            usage=usage,
            rounds=sum(o.rounds for o in outcomes),
            partial_text=None,
            details=details,
        )
        raise SleeptimeError(message)
    # Anticipated answers are sleep-time work too: their cost goes into the run's usage.
    try:
        anticipated = await extract_anticipated(notes, budget.anticipate, backend, seed=seed)
    except BaseException as exc:  # interrupted during the extraction call
        store.fail_run(
            run_id,
            status=RunStatus.FAILED,
            error=stop_reason(exc),
            usage=usage,
            rounds=sum(o.rounds for o in outcomes),
            partial_text=notes,
            details=details,
        )
        raise
    usage.add(anticipated.usage)
    # Only verified answers are served without a model call (``anticipate/serve.py``).
    items = verify_anticipated(anticipated.items, revision.text, notes)
    details["anticipated"] = {
        **anticipated.details(),
        "verifier": VERIFIER_VERSION,
        "verified": sum(1 for item in items if item["verified"]),
    }
    artifact = store.complete_run(
        run_id,
        artifact_text=notes,
        usage=usage,
        rounds=sum(o.rounds for o in outcomes),
        details=details,
        anticipated=items,
    )
    on_event(
        SleepEvent(
            SleepEventKind.RUN_END,
            loops=recipe.k,
            usage=usage,
            notes_chars=len(notes),
            message=run_id,
        )
    )
    return SleepResult(artifact=artifact, run_id=run_id, usage=usage, loops=tuple(outcomes))


async def _run_loops(
    backend: Backend,
    context: str,
    budget: SleepBudget,
    recipe: Recipe,
    usage: Usage,
    temperature: float,
    seed: int,
    sink: EventSink,
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
    outcomes = await _run_loops(
        backend, context, budget, recipe, usage, temperature, seed, on_event
    )
    combined = combine(
        recipe, [o.notes for o in outcomes], check_arithmetic=budget.check_arithmetic
    )
    text = combined.text
    if not text:
        raise SleeptimeError(
            f"the model wrote no notes in {sum(o.rounds for o in outcomes)} rounds; try more "
            "rounds or a stronger model"
        )
    return Notes(text=text, usage=usage, loops=tuple(outcomes), details=combined.details)
