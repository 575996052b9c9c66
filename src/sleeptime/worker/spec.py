"""What a queued run asks for, and the key that makes the same request one job.

A background run is queued without loading a model, so its record holds the request —
recipe, budget, seed, backend name and model as given — and the worker rebuilds it from
there. The record comes from a database other processes write, so it is checked like
any outside input: a garbled one ends its run as failed with the reason.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from sleeptime.errors import InputError
from sleeptime.sleep.recipes import Recipe, SleepBudget, parse_recipe
from sleeptime.sleep.runner import run_prompt_versions, sleep_temperature
from sleeptime.store import RevisionRecord, RunRecord, Store

DEFAULT_MODEL = "default"
"""The model column of a queued run that uses the backend's default model."""


@dataclass(frozen=True, slots=True)
class RunSpec:
    """A queued run's request, rebuilt and checked."""

    recipe: Recipe
    budget: SleepBudget
    seed: int
    backend: str
    model: str | None
    incremental_from: int | None = None
    """The artifact whose notes an incremental run starts from (appended text only)."""


def job_key(
    revision: RevisionRecord, recipe: Recipe, budget: SleepBudget, seed: int, backend: str,
    model: str | None, incremental_from: int | None = None,
) -> str:  # fmt: skip
    """The identity of a piece of sleep work: one artifact per key, however often asked."""
    payload = {
        "revision": revision.id,
        "sha256": revision.sha256,
        "recipe": recipe.name,
        "recipe_version": recipe.version,
        "budget": budget.to_dict(),
        "seed": seed,
        "backend": backend,
        "model": model or DEFAULT_MODEL,
        **({"incremental_from": incremental_from} if incremental_from is not None else {}),
    }
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()


def enqueue_sleep(
    store: Store,
    revision: RevisionRecord,
    *,
    recipe: Recipe,
    budget: SleepBudget,
    seed: int,
    backend: str,
    model: str | None,
    priority: float = 0.0,
    delay_s: float = 0.0,
    max_attempts: int = 3,
    reason: str = "",
    incremental_from: int | None = None,
) -> tuple[RunRecord, bool]:
    """Queue background sleep on ``revision``; False with the existing run if already asked.

    ``reason`` says why the run got its size (recorded with its settings).
    """
    settings: dict[str, Any] = {
        "budget": budget.to_dict(),
        "temperature": sleep_temperature(budget, recipe),
        "seed": seed,
        "k": recipe.k,
        **({"sized": reason} if reason else {}),
        **({"incremental_from": incremental_from} if incremental_from is not None else {}),
    }
    return store.enqueue_run(
        revision.id,
        recipe=recipe.name,
        recipe_version=recipe.version,
        prompt_versions=run_prompt_versions(budget, recipe),
        backend=backend,
        model=model or DEFAULT_MODEL,
        settings=settings,
        job_key=job_key(revision, recipe, budget, seed, backend, model, incremental_from),
        priority=priority,
        delay_s=delay_s,
        max_attempts=max_attempts,
    )


def spec_of(run: RunRecord) -> RunSpec:
    """Rebuild a queued run's request; ``InputError`` naming the fault if it is garbled."""
    settings = run.settings
    if not isinstance(settings, dict):
        raise InputError("the queued run's settings are not a JSON object")
    recipe = parse_recipe(run.recipe)
    if run.recipe_version != recipe.version:
        raise InputError(
            f"the run was queued for recipe version {run.recipe_version!r}, but this worker "
            f"runs version {recipe.version!r}; queue it again"
        )
    seed = settings.get("seed", 0)
    if not isinstance(seed, int) or isinstance(seed, bool) or not 0 <= seed < 2**32:
        raise InputError(f"the queued run's seed {seed!r} is not an integer in [0, 2^32)")
    if not run.backend or not isinstance(run.backend, str):
        raise InputError("the queued run names no backend")
    incremental = settings.get("incremental_from")
    if incremental is not None and (not isinstance(incremental, int) or incremental < 1):
        raise InputError(f"the queued run's incremental_from {incremental!r} is not an id")
    return RunSpec(
        recipe=recipe,
        budget=SleepBudget.from_dict(settings.get("budget", {})),
        seed=seed,
        backend=run.backend,
        model=None if run.model in ("", DEFAULT_MODEL) else run.model,
        incremental_from=incremental,
    )
