"""Amortization: one sleep run per context serves N queries; cost per query against N.

Input is a Multi-Query set (jsonl records with at least ``context_id``, ``context``,
``question`` and ``answer``, grouped by ``context_id`` in file order). Without one, plain
problems are used with one question per context, which only measures N = 1. When records
carry the context's ``original_query``/``original_answer`` (as ``sleeptime.benchmark.multiquery``
writes them), the original question is the context's first question.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sleeptime.backends.base import Backend
from sleeptime.benchmark.datasets import Problem
from sleeptime.benchmark.experiments.common import (
    Harness,
    ProgressBar,
    RunSummary,
    error_fields,
    is_fatal,
    load_problems,
    run_all,
)
from sleeptime.benchmark.experiments.config import AmortizationConfig, condition_k
from sleeptime.benchmark.experiments.grid import answer_prompt_versions, answer_row, sleep_notes
from sleeptime.errors import InputError

_REQUIRED = ("context_id", "context", "question", "answer")


@dataclass(frozen=True, slots=True)
class ContextGroup:
    """One context and the questions asked about it, in order."""

    context_id: str
    questions: tuple[Problem, ...]


def load_multi_query(path: Path, dataset: str = "multi-query") -> list[ContextGroup]:
    """Read a Multi-Query jsonl and group its questions by ``context_id`` (file order)."""
    groups: dict[str, list[Problem]] = {}
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read the Multi-Query set {path}: {exc}") from exc
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            raise InputError(f"{path}:{number} is not JSON ({exc})") from exc
        missing = [k for k in _REQUIRED if not isinstance(record, dict) or k not in record]
        if missing:
            raise InputError(
                f"{path}:{number} lacks {', '.join(missing)}; a Multi-Query record needs "
                f"{', '.join(_REQUIRED)}"
            )
        context_id = str(record["context_id"])
        dataset_name = str(record.get("dataset") or dataset)
        members = groups.setdefault(context_id, [])
        if not members and record.get("original_query") and "original_answer" in record:
            members.append(
                Problem(
                    id=f"{context_id}#original",
                    dataset=dataset_name,
                    context=str(record["context"]),
                    query=str(record["original_query"]),
                    answer=str(record["original_answer"]),
                    original="",
                )
            )
        qid = str(record.get("id") or record.get("question_id") or f"{context_id}#{len(members)}")
        members.append(
            Problem(
                id=qid,
                dataset=dataset_name,
                context=str(record["context"]),
                query=str(record["question"]),
                answer=str(record["answer"]),
                original="",
            )
        )
    if not groups:
        raise InputError(f"the Multi-Query set {path} holds no records")
    return [ContextGroup(cid, tuple(questions)) for cid, questions in groups.items()]


def single_query_groups(problems: Sequence[Problem]) -> list[ContextGroup]:
    """Plain problems as contexts with one question each (measures N = 1 only)."""
    return [ContextGroup(p.id, (p,)) for p in problems]


async def run_amortization(
    config: AmortizationConfig,
    *,
    backend: Backend | None = None,
    groups: Sequence[ContextGroup] | None = None,
) -> RunSummary:
    """Sleep once per context, answer up to max(N) of its questions with sleep and baseline."""
    from sleeptime.benchmark.report import write_outputs

    if groups is None:
        if config.multi_query is not None:
            groups = load_multi_query(config.multi_query)
            if config.limit is not None:
                groups = groups[: config.limit]
        else:
            groups = single_query_groups(load_problems(config))
    k = condition_k(config.condition) or 1
    most = max(config.queries)
    grader = config.grader
    total = sum(2 * min(most, len(g.questions)) for g in groups)
    async with Harness("amortization", config, backend=backend) as harness:
        harness.extra_config = {
            "contexts": [g.context_id for g in groups],
            "source": str(config.multi_query) if config.multi_query else "single-query problems",
        }
        harness.write_config(answer_prompt_versions())
        with ProgressBar("amortization", total, config.progress) as bar:

            async def one(group: ContextGroup) -> None:
                used = group.questions[:most]

                def extra(i: int) -> dict[str, Any]:
                    return {
                        "context_id": group.context_id,
                        "question_index": i,
                        "n_questions": len(used),
                    }

                async def baseline() -> None:
                    for i, question in enumerate(used):
                        await answer_row(
                            harness,
                            question,
                            "baseline",
                            config.budget,
                            None,
                            grader=grader,
                            extra=extra(i),
                        )
                        bar.advance()

                async def sleep() -> None:
                    try:
                        notes = await sleep_notes(harness, used[0], k)
                    except Exception as exc:
                        if is_fatal(exc):
                            raise
                        for i, question in enumerate(used):
                            harness.write(
                                {
                                    "problem_id": question.id,
                                    "dataset": question.dataset,
                                    "condition": config.condition,
                                    "budget": config.budget,
                                    "sample": None,
                                    "sleep": None,
                                    "test": None,
                                    "error_stage": "sleep",
                                    **extra(i),
                                    **error_fields(exc),
                                }
                            )
                        bar.advance(len(used))
                        return
                    for i, question in enumerate(used):
                        await answer_row(
                            harness,
                            question,
                            config.condition,
                            config.budget,
                            notes,
                            grader=grader,
                            extra=extra(i),
                        )
                        bar.advance()

                await asyncio.gather(baseline(), sleep())

            await run_all(groups, one, config.concurrency)
        hits, misses = harness.hits, harness.misses
    return write_outputs(config.out, hits=hits, misses=misses)
