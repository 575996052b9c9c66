"""What every experiment shares: one recorded backend, bounded concurrency, per-sample rows.

A ``Harness`` owns the output folder for one run: the call log (``calls.db``, so a re-run
replays every call it already paid for), ``config.json`` and ``samples.jsonl``. Rows hold
ids, grades, usage and latency, never problem texts (the datasets' licenses forbid
redistributing derived data). One sample's failure becomes an error row; a backend that
cannot be reached stops the run.
"""

from __future__ import annotations

import asyncio
import json
import random
import time
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import IO, Any, TypeVar

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from sleeptime.backends.base import Backend, BackendInfo, ChatRequest, ChatResult
from sleeptime.backends.reasoning import parse_effort
from sleeptime.benchmark.datasets import Problem, aime_path, gsm_symbolic_path, load_dataset
from sleeptime.benchmark.experiments.config import ExperimentConfig, shard_slice
from sleeptime.benchmark.experiments.outlock import OutputFolderLock
from sleeptime.benchmark.grading import GradeResult, grade_aime, grade_gsm
from sleeptime.benchmark.recording import CallLog, RecordingBackend
from sleeptime.errors import BackendUnavailableError, ConfigError, SleeptimeError, StoreError
from sleeptime.sleep import SleepBudget
from sleeptime.values import Usage

T = TypeVar("T")

FATAL_ERRORS: tuple[type[SleeptimeError], ...] = (
    BackendUnavailableError,
    ConfigError,
    StoreError,
)
"""Errors that stop a run: retrying other samples against the same backend cannot help."""


class BoundedBackend:
    """Lets at most ``limit`` chat or scoring calls of the wrapped backend run at once."""

    def __init__(self, inner: Backend, limit: int) -> None:
        self.inner = inner
        self._slots = asyncio.Semaphore(limit)

    @property
    def info(self) -> BackendInfo:
        """The wrapped backend's description."""
        return self.inner.info

    async def prepare(self) -> None:
        """Prepare the wrapped backend."""
        await self.inner.prepare()

    async def chat(self, request: ChatRequest) -> ChatResult:
        """Run one chat call once a slot is free."""
        async with self._slots:
            return await self.inner.chat(request)

    async def count_tokens(self, text: str) -> int:
        """Count tokens (cheap; not bounded)."""
        return await self.inner.count_tokens(text)

    async def logprob(self, prefix: str, continuation: str) -> float:
        """Score a continuation once a slot is free."""
        async with self._slots:
            return await self.inner.logprob(prefix, continuation)

    async def aclose(self) -> None:
        """Close the wrapped backend."""
        await self.inner.aclose()


def usage_row(usage: Usage | None) -> dict[str, Any] | None:
    """The usage fields kept in a sample row."""
    if usage is None:
        return None
    return {
        "prompt_tokens": usage.prompt_tokens,
        "cached_prompt_tokens": usage.cached_prompt_tokens,
        "completion_tokens": usage.completion_tokens,
        "reasoning_tokens": usage.reasoning_tokens,
        "calls": usage.calls,
        "wall_time_s": round(usage.wall_time_s, 4),
    }


def grade(problem: Problem, reply: str, grader: str | None = None) -> GradeResult:
    """Grade with the AIME rule for AIME problems and the GSM rule otherwise."""
    kind = grader or ("aime" if problem.dataset.startswith("aime") else "gsm")
    return grade_aime(reply, problem.answer) if kind == "aime" else grade_gsm(reply, problem.answer)


def error_fields(error: BaseException) -> dict[str, Any]:
    """Row fields for a failed sample: wrong, with the error type and message."""
    return {"correct": False, "error": str(error), "error_type": type(error).__name__}


def dataset_path(dataset: str, data: Path | None) -> Path | None:
    """The dataset file when ``data`` is a data root (holding gsm-symbolic/, aime/, gsm8k/)."""
    if data is None or not data.is_dir():
        return data
    if not any((data / name).is_dir() for name in ("gsm-symbolic", "aime", "gsm8k")):
        return data
    if dataset.startswith("gsm-symbolic"):
        variant = dataset.removeprefix("gsm-symbolic").lstrip("-") or "main"
        return gsm_symbolic_path(variant, data)  # type: ignore[arg-type]
    if dataset.startswith("aime-"):
        return aime_path(int(dataset.removeprefix("aime-")), data)
    return data / "gsm8k" / "test.jsonl"


def sample_problems(problems: list[Problem], sample: int | None, seed: int) -> list[Problem]:
    """``sample`` problems drawn with ``seed``, in file order (all of them when None or more).

    One function for every command that takes ``--sample``, so the same seed picks the same
    problems everywhere and a shared call log replays across experiments.
    """
    if sample is None or sample >= len(problems):
        return problems
    chosen = sorted(random.Random(seed).sample(range(len(problems)), sample))
    return [problems[index] for index in chosen]


def load_problems(config: ExperimentConfig) -> list[Problem]:
    """Load the configured dataset (from a file, its folder or the data root)."""
    path = dataset_path(config.dataset, config.data)
    problems = load_dataset(config.dataset, path, limit=config.limit, split=config.split)
    problems = sample_problems(problems, config.sample, config.seed)
    shard = shard_slice(config.shard)
    return problems if shard is None else problems[shard[0] :: shard[1]]


def sleep_budget(config: ExperimentConfig, effort: str | None = None) -> SleepBudget:
    """The sleep budget of the run's sleep conditions, at a sleep-time ``effort`` if given
    (``low``/``medium``/``high`` or a thinking budget in tokens, as in ``sleep:K@E``)."""
    reasoning, thinking = parse_effort(effort or "none")
    return SleepBudget(
        max_rounds=config.max_rounds,
        round_max_tokens=config.round_tokens,
        memory_chars=config.memory_chars,
        check_arithmetic=config.check_arithmetic,
        reasoning_effort=reasoning,
        thinking_tokens=thinking,
    )


@dataclass(slots=True)
class RunSummary:
    """What an experiment returns: the summary written to summary.json and where files are."""

    kind: str
    out: Path
    summary: dict[str, Any]
    hits: int
    misses: int
    files: list[Path] = field(default_factory=list)


class Harness:
    """One experiment run's output folder, recorded backend(s) and samples writer.

    Pass ``backend`` (and ``scorer``) to use existing backend objects (tests, embedding);
    otherwise they are created once from the config and closed at the end.
    """

    def __init__(
        self,
        kind: str,
        config: ExperimentConfig,
        *,
        backend: Backend | None = None,
        scorer: Backend | None = None,
        scorer_spec: tuple[str | None, str | None] | None = None,
    ) -> None:
        self.kind = kind
        self.config = config
        self._given = backend
        self._given_scorer = scorer
        self._scorer_spec = scorer_spec
        self._owned: list[Backend] = []
        self._recorders: list[RecordingBackend] = []
        self._samples: IO[str] | None = None
        self._log: CallLog | None = None
        self._lock: OutputFolderLock | None = None
        self.backend: Backend
        self.scorer: Backend
        self.extra_config: dict[str, Any] = {}

    async def __aenter__(self) -> Harness:
        from sleeptime.backends.registry import create_backend

        out = self.config.out
        try:
            out.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreError(f"cannot create the output folder {out}: {exc}") from exc
        lock = OutputFolderLock(out)
        lock.acquire()  # before anything in the folder is opened or truncated
        self._lock = lock
        try:
            self._log = CallLog(self.config.calls or out / "calls.db")
        except BaseException:
            await self._close()
            raise
        try:
            inner = self._given
            if inner is None:
                inner = create_backend(self.config.backend, model=self.config.model)
                self._owned.append(inner)
            await inner.prepare()
            self.backend = self._record(inner)
            self.scorer = self.backend
            if self._given_scorer is not None or self._scorer_spec is not None:
                scorer = self._given_scorer
                if scorer is None:
                    name, model = self._scorer_spec or (None, None)
                    scorer = create_backend(name, model=model)
                    self._owned.append(scorer)
                await scorer.prepare()
                self.scorer = self._record(scorer)
            self._samples = (out / "samples.jsonl").open("w", encoding="utf-8")
        except BaseException:
            await self._close()
            raise
        return self

    def _record(self, inner: Backend) -> RecordingBackend:
        assert self._log is not None
        recorder = RecordingBackend(BoundedBackend(inner, self.config.concurrency), self._log)
        self._recorders.append(recorder)
        return recorder

    async def __aexit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self._close()

    async def _close(self) -> None:
        if self._samples is not None:
            self._samples.close()
            self._samples = None
        for backend in self._owned:
            await backend.aclose()
        self._owned.clear()
        if self._log is not None:
            self._log.close()
            self._log = None
        if self._lock is not None:
            self._lock.release()
            self._lock = None

    @property
    def hits(self) -> int:
        """Calls served from the call log so far."""
        return sum(r.stats.hits for r in self._recorders)

    @property
    def misses(self) -> int:
        """Calls paid for so far."""
        return sum(r.stats.misses for r in self._recorders)

    def write(self, row: dict[str, Any]) -> None:
        """Append one sample row (flushed at once, so an interrupted run keeps its rows)."""
        assert self._samples is not None, "the harness is not open"
        self._samples.write(json.dumps({"experiment": self.kind, **row}) + "\n")
        self._samples.flush()

    def write_config(self, prompts: dict[str, str]) -> None:
        """Write config.json: every setting, backend identity, prompt versions, version."""
        from sleeptime import __version__
        from sleeptime.sleep import RECIPE_VERSION

        def describe(backend: Backend) -> dict[str, Any]:
            info = backend.info
            return {
                "backend": info.backend,
                "model": info.model,
                "sha256": info.details.get("sha256"),
                "context_window": info.context_window,
                "native_tools": info.native_tools,
                "details": info.details,
            }

        data = {
            "experiment": self.kind,
            "sleeptime_version": __version__,
            "created_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            "config": self.config.model_dump(mode="json"),
            "layout": self.config.layout,
            "split": self.config.split,
            "backend": describe(self.backend),
            "scorer": describe(self.scorer) if self.scorer is not self.backend else None,
            "sleep_budget": sleep_budget(self.config).to_dict(),
            "recipe_version": RECIPE_VERSION,
            "prompts": prompts,
            **self.extra_config,
        }
        (self.config.out / "config.json").write_text(
            json.dumps(data, indent=2, default=str) + "\n", encoding="utf-8"
        )


class ProgressBar:
    """A rich progress bar on stderr counting finished samples."""

    def __init__(self, description: str, total: int, enabled: bool = True) -> None:
        self._progress = Progress(
            TextColumn(f"[bold]{description}[/]"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[note]}"),
            TimeElapsedColumn(),
            console=Console(stderr=True),
            disable=not enabled,
        )
        self._task = self._progress.add_task(description, total=total, note="")

    def __enter__(self) -> ProgressBar:
        self._progress.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self._progress.__exit__(None, None, None)

    def advance(self, steps: int = 1, note: str | None = None) -> None:
        """Count ``steps`` finished samples."""
        if note is None:
            self._progress.advance(self._task, steps)
        else:
            self._progress.update(self._task, advance=steps, note=note)


async def run_all(items: Iterable[T], work: Callable[[T], Awaitable[None]], limit: int) -> None:
    """Run ``work`` on every item, at most ``limit`` at once; the first fatal error stops all.

    Items start in order, so calls a later item can replay (sleep:2's loops inside sleep:5)
    are usually recorded first.
    """
    slots = asyncio.Semaphore(limit)

    async def one(item: T) -> None:
        async with slots:
            await work(item)

    try:
        async with asyncio.TaskGroup() as group:
            for item in items:
                group.create_task(one(item))
    except BaseExceptionGroup as errors:
        raise _first(errors) from None


def _first(errors: BaseExceptionGroup[BaseException]) -> BaseException:
    for error in errors.exceptions:
        if isinstance(error, BaseExceptionGroup):
            return _first(error)
        if isinstance(error, SleeptimeError):
            return error
    return errors.exceptions[0]


def is_fatal(error: BaseException) -> bool:
    """True for errors that must stop the whole run instead of failing one sample."""
    return isinstance(error, FATAL_ERRORS) or not isinstance(error, SleeptimeError)


def ids_only(problems: Sequence[Problem]) -> list[str]:
    """Problem ids, for config.json (never the texts)."""
    return [p.id for p in problems]
