"""Build a Multi-Query GSM-Symbolic set: more verified questions per context, from any backend.

The paper's amortization experiment needs about ten questions per context; its set was never
published, so we regenerate one. For each context a backend writes N new question/answer pairs
of the same difficulty as the original (prompt ``multiquery_generate``), and each pair is kept
only if an independent re-solve (the baseline answerer at budget 4, graded with the GSM grader)
reaches the generated answer. Agreement of two calls is not proof of correctness, but it
removes most unanswerable or mis-answered questions, and the provenance says how a pair was
checked. A weak model agrees with itself too rarely for that to leave ten questions per
context, so ``verify="calc"`` asks for each pair's whole calculation as one expression and
checks it exactly instead (``multiquery_check``: the arithmetic, and that every number comes
from the context); ``verify="both"`` needs both checks.

License caveat: GSM-Symbolic problem texts are CC BY-NC-ND 4.0, and every record holds its
context text (the amortization experiment needs it). Write the output to a path of your choice
at run time, use it for non-commercial research, and never commit or redistribute it.

Output: ``out_path`` (jsonl, one record per kept question, ordered by context then question)
and ``<out_path>.meta.json`` (provenance and counts per context, readable without the records).
Both are written to temp files and renamed, so an interrupted run leaves no half file; give
``call_log`` to record every model call and make a re-run replay instead of paying again.
"""

from __future__ import annotations

import asyncio
import json
import os
import tempfile
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

from sleeptime.answer import answer_question, make_budget
from sleeptime.backends.base import Backend, ChatRequest, Message
from sleeptime.benchmark.datasets.problem import Problem
from sleeptime.benchmark.grading import grade_gsm
from sleeptime.benchmark.multiquery_check import check_calculation
from sleeptime.benchmark.multiquery_parse import GeneratedPair, normal_question, parse_pairs
from sleeptime.benchmark.recording import CallLog, RecordingBackend
from sleeptime.errors import InputError
from sleeptime.prompts import load_prompt
from sleeptime.values import AnswerMode, Usage

PROMPT_NAME = "multiquery_generate"
CALC_PROMPT_NAME = "multiquery_generate_calc"
SEQUENTIAL_PROMPT_NAME = "multiquery_generate_one"
VERIFY_MODES = ("resolve", "calc", "both")
SOLVER_LEVEL = 4
FORMAT_VERSION = 2
"""2: records carry ``calc``; the meta file counts ``discarded_calc`` and names ``verify``."""


@dataclass(slots=True)
class ContextCounts:
    """What happened to one context's generated questions."""

    context_id: str
    context_index: int
    generated: int = 0
    """Well-formed pairs parsed from the reply (at most ``n_questions``)."""
    malformed: int = 0
    """Items skipped while parsing: no question, non-numeric answer, duplicate."""
    kept: int = 0
    discarded: int = 0
    """Well-formed pairs a check refused (the re-solve disagreed or could not be asked, or
    the calculation did not hold)."""
    discarded_calc: int = 0
    """Of ``discarded``: pairs whose calculation did not hold (``calc`` and ``both``)."""
    error: str | None = None
    """Why generation failed for this context (e.g. the prompt did not fit the window)."""


@dataclass(slots=True)
class MultiQueryStats:
    """Totals of a generation run and where its files are."""

    out_path: Path
    meta_path: Path
    per_context: list[ContextCounts] = field(default_factory=list)
    generation_usage: Usage = field(default_factory=Usage)
    verification_usage: Usage = field(default_factory=Usage)

    @property
    def generated(self) -> int:
        """Well-formed pairs over all contexts."""
        return sum(c.generated for c in self.per_context)

    @property
    def kept(self) -> int:
        """Pairs written to the output file."""
        return sum(c.kept for c in self.per_context)

    @property
    def discarded(self) -> int:
        """Pairs the re-solve did not confirm."""
        return sum(c.discarded for c in self.per_context)

    @property
    def malformed(self) -> int:
        """Items that could not be parsed into a usable pair."""
        return sum(c.malformed for c in self.per_context)


# ---- the pipeline ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Settings:
    n_questions: int
    seed: int
    gen_max_tokens: int
    solver_max_tokens: int
    temperature: float
    verify: str = "resolve"
    sequential: bool = False

    @property
    def prompt_name(self) -> str:
        if self.sequential:
            return SEQUENTIAL_PROMPT_NAME
        return PROMPT_NAME if self.verify == "resolve" else CALC_PROMPT_NAME


async def _verify(
    backend: Backend,
    problem: Problem,
    pair: GeneratedPair,
    settings: _Settings,
    limiter: asyncio.Semaphore,
    stats: MultiQueryStats,
    counts: ContextCounts,
) -> tuple[bool, str | None]:
    """Whether the configured check keeps ``pair`` (and the re-solve's answer, if asked)."""
    if settings.verify != "resolve":
        verdict = check_calculation(
            pair.calc, pair.answer, context=problem.context, question=pair.question
        )
        if not verdict.ok:
            counts.discarded_calc += 1
            return False, None
        if settings.verify == "calc":
            return True, None
    try:
        async with limiter:
            solved = await answer_question(
                backend,
                question=pair.question,
                context=problem.context,
                notes=None,
                mode=AnswerMode.BASELINE,
                layout="replace",
                budget=make_budget(SOLVER_LEVEL, settings.solver_max_tokens),
                seed=settings.seed,
            )
    except InputError:  # too long for the window, or an unusable question
        return False, None
    stats.verification_usage.add(solved.usage)
    grade = grade_gsm(solved.text, pair.answer)
    return grade.correct, grade.extracted


async def _generate(
    backend: Backend,
    text: str,
    settings: _Settings,
    limiter: asyncio.Semaphore,
    stats: MultiQueryStats,
    *,
    seed: int,
) -> str:
    request = ChatRequest(
        messages=(Message(role="user", content=text),),
        max_tokens=settings.gen_max_tokens,
        temperature=settings.temperature,
        seed=seed,
    )
    async with limiter:
        reply = await backend.chat(request)
    stats.generation_usage.add(reply.usage)
    return reply.text


async def _one_context(
    backend: Backend,
    problem: Problem,
    index: int,
    settings: _Settings,
    limiter: asyncio.Semaphore,
    stats: MultiQueryStats,
) -> tuple[ContextCounts, list[tuple[GeneratedPair, str | None]]]:
    if settings.sequential:
        return await _one_context_sequential(backend, problem, index, settings, limiter, stats)
    prompt = load_prompt(settings.prompt_name)
    text = prompt.render(
        context=problem.context,
        query=problem.query,
        answer=problem.answer,
        n=settings.n_questions,
    )
    try:
        reply = await _generate(backend, text, settings, limiter, stats, seed=settings.seed)
    except InputError as exc:  # the context does not fit: skip it, say why in the meta file
        return ContextCounts(problem.id, index, error=str(exc)), []
    pairs, skipped = parse_pairs(reply, limit=settings.n_questions, original_query=problem.query)
    counts = ContextCounts(problem.id, index, generated=len(pairs), malformed=skipped)
    results = await asyncio.gather(
        *(_verify(backend, problem, pair, settings, limiter, stats, counts) for pair in pairs)
    )
    kept: list[tuple[GeneratedPair, str | None]] = []
    for pair, (agrees, extracted) in zip(pairs, results, strict=True):
        if agrees:
            kept.append((pair, extracted))
    counts.kept = len(kept)
    counts.discarded = len(pairs) - len(kept)
    return counts, kept


async def _one_context_sequential(
    backend: Backend,
    problem: Problem,
    index: int,
    settings: _Settings,
    limiter: asyncio.Semaphore,
    stats: MultiQueryStats,
) -> tuple[ContextCounts, list[tuple[GeneratedPair, str | None]]]:
    """One question per call, each call shown every question asked so far, until
    ``n_questions`` are kept or ``2 * n_questions`` calls were made.

    A small model asked for a list repeats itself after a few items; asked for one question
    that differs from a growing list, it keeps finding new ones. Call ``i`` uses seed
    ``seed + i``, so a re-run sends the same requests and replays from the call log.
    """
    prompt = load_prompt(SEQUENTIAL_PROMPT_NAME)
    counts = ContextCounts(problem.id, index)
    kept: list[tuple[GeneratedPair, str | None]] = []
    asked = [problem.query]
    seen = {normal_question(problem.query)}
    for call in range(2 * settings.n_questions):
        if len(kept) >= settings.n_questions:
            break
        listing = "\n".join(f"- {question}" for question in asked)
        text = prompt.render(context=problem.context, asked=listing)
        try:
            reply = await _generate(
                backend, text, settings, limiter, stats, seed=settings.seed + call
            )
        except InputError as exc:
            counts.error = str(exc)
            break
        pairs, skipped = parse_pairs(reply, limit=1, original_query=problem.query)
        counts.malformed += skipped
        fresh = [p for p in pairs if normal_question(p.question) not in seen]
        counts.malformed += len(pairs) - len(fresh)
        for pair in fresh:
            counts.generated += 1
            asked.append(pair.question)
            seen.add(normal_question(pair.question))
            agrees, extracted = await _verify(
                backend, problem, pair, settings, limiter, stats, counts
            )
            if agrees:
                kept.append((pair, extracted))
            else:
                counts.discarded += 1
    counts.kept = len(kept)
    return counts, kept


def _write_atomic(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _license_note(problems: Sequence[Problem]) -> str:
    if any(p.dataset.startswith("gsm-symbolic") for p in problems):
        return (
            "contains GSM-Symbolic text (CC BY-NC-ND 4.0): non-commercial use, do not redistribute"
        )
    return "contains dataset text: check the dataset's license before sharing this file"


def meta_path_for(out_path: Path) -> Path:
    """``<out>.meta.json``: the summary file written next to a Multi-Query set."""
    return out_path.with_name(out_path.name + ".meta.json")


async def generate_multiquery(
    backend: Backend,
    problems: Sequence[Problem],
    *,
    n_questions: int,
    seed: int,
    out_path: Path,
    concurrency: int = 1,
    gen_max_tokens: int = 1024,
    solver_max_tokens: int | None = None,
    temperature: float = 0.0,
    call_log: Path | None = None,
    verify: str = "resolve",
    sequential: bool = False,
) -> MultiQueryStats:
    """Generate, verify and write ``n_questions`` extra questions per problem context.

    Deterministic for a deterministic backend (temperature 0 or seeded): the same inputs
    give a byte-identical records file (the meta file also holds timings).
    ``concurrency`` bounds requests in flight. ``verify`` is ``resolve`` (a budget-4 re-solve
    must agree), ``calc`` (the pair's one-expression calculation must hold, no model call)
    or ``both``. ``sequential`` asks for one question per call (see
    ``_one_context_sequential``), for models that repeat themselves within a list.
    """
    if verify not in VERIFY_MODES:
        raise InputError(f"verify must be one of {', '.join(VERIFY_MODES)}; got {verify!r}")
    if n_questions < 1:
        raise InputError(f"n_questions must be at least 1; got {n_questions}")
    if concurrency < 1:
        raise InputError(f"concurrency must be at least 1; got {concurrency}")
    if not problems:
        raise InputError("no problems to generate questions for; check the dataset and --limit")
    log = CallLog(call_log) if call_log is not None else None
    model: Backend = RecordingBackend(backend, log) if log is not None else backend
    out_path = Path(out_path)
    stats = MultiQueryStats(out_path=out_path, meta_path=meta_path_for(out_path))
    solver_budget = make_budget(SOLVER_LEVEL, solver_max_tokens)
    settings = _Settings(
        n_questions, seed, gen_max_tokens, solver_budget.max_tokens, temperature, verify,
        sequential,
    )  # fmt: skip
    limiter = asyncio.Semaphore(concurrency)
    try:
        await model.prepare()
        done = await asyncio.gather(
            *(
                _one_context(model, problem, i, settings, limiter, stats)
                for i, problem in enumerate(problems)
            )
        )
    finally:
        if log is not None:
            log.close()
    info = backend.info
    prompt = load_prompt(settings.prompt_name)
    provenance = {
        "model": info.model,
        "backend": info.backend,
        "model_sha256": info.details.get("sha256"),
        "prompt_version": prompt.key,
        "seed": seed,
        "temperature": temperature,
        "solver_budget": {"level": SOLVER_LEVEL, "max_tokens": solver_budget.max_tokens},
        "solver_mode": "baseline" if verify != "calc" else None,
        "grader": "gsm",
        "verify": verify,
        "sequential": sequential,
    }
    lines: list[str] = []
    for (counts, kept), problem in zip(done, problems, strict=True):
        stats.per_context.append(counts)
        for question_index, (pair, extracted) in enumerate(kept):
            record = {
                "context_id": problem.id,
                "context_index": counts.context_index,
                "question_index": question_index,
                "dataset": problem.dataset,
                "context": problem.context,
                "original_query": problem.query,
                "original_answer": problem.answer,
                "question": pair.question,
                "answer": pair.answer,
                "solver_answer": extracted,
                "calc": pair.calc,
                "agreement": True if verify != "calc" else None,
                "provenance": provenance,
            }
            lines.append(json.dumps(record, ensure_ascii=False, sort_keys=True))
    meta = {
        "format": "sleeptime-multiquery",
        "format_version": FORMAT_VERSION,
        "license_note": _license_note(problems),
        "datasets": sorted({p.dataset for p in problems}),
        "records": out_path.name,
        "n_questions": n_questions,
        "provenance": provenance,
        "counts": {
            "contexts": len(stats.per_context),
            "generated": stats.generated,
            "malformed": stats.malformed,
            "kept": stats.kept,
            "discarded": stats.discarded,
            "discarded_calc": sum(c.discarded_calc for c in stats.per_context),
        },
        "per_context": [asdict(c) for c in stats.per_context],
        "usage": {
            "generation": stats.generation_usage.to_dict(),
            "verification": stats.verification_usage.to_dict(),
        },
    }
    _write_atomic(out_path, "".join(line + "\n" for line in lines))
    _write_atomic(stats.meta_path, json.dumps(meta, indent=2, sort_keys=True) + "\n")
    return stats


__all__ = [
    "ContextCounts",
    "GeneratedPair",
    "MultiQueryStats",
    "generate_multiquery",
    "meta_path_for",
    "parse_pairs",
]
