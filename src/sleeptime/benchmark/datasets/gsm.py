"""Stateful GSM-Symbolic (main, P1, P2) and GSM8K, read from jsonl files and split at load time."""

from __future__ import annotations

from pathlib import Path
from typing import Literal, get_args

from sleeptime.benchmark.datasets._io import (
    check_limit,
    default_data_root,
    field_text,
    final_after_hashes,
    read_jsonl,
)
from sleeptime.benchmark.datasets.problem import Problem
from sleeptime.benchmark.datasets.split import SplitMode, split_problem
from sleeptime.errors import InputError

Variant = Literal["main", "p1", "p2"]
VARIANTS: tuple[str, ...] = get_args(Variant)
# File names used by apple/ml-gsm-symbolic's generated_data/ folder.
GSM_SYMBOLIC_FILES: dict[str, str] = {
    "main": "GSM_symbolic.jsonl",
    "p1": "GSM_p1.jsonl",
    "p2": "GSM_p2.jsonl",
}
_WHAT = "GSM-Symbolic jsonl (keys id, instance, question, answer with '#### N')"


def gsm_symbolic_path(variant: Variant = "p2", root: Path | None = None) -> Path:
    """Return where the generated jsonl of a GSM-Symbolic variant lives under the data root."""
    _check_variant(variant)
    base = default_data_root() if root is None else root
    return base / "gsm-symbolic" / "generated_data" / GSM_SYMBOLIC_FILES[variant]


def load_gsm_symbolic(
    path: str | Path | None = None,
    *,
    variant: Variant | None = None,
    limit: int | None = None,
    split: SplitMode = "sentence",
) -> list[Problem]:
    """Load Stateful GSM-Symbolic problems from a ``generated_data`` jsonl file.

    ``path`` is the jsonl file or a folder holding ``GSM_symbolic.jsonl`` / ``GSM_p1.jsonl`` /
    ``GSM_p2.jsonl``; without it the file is looked up under the data root. ``variant`` is
    guessed from the file name when not given (P2 when nothing says otherwise). Only P2 ships
    in ``../shared/data``; make main and P1 offline with ``sleeptime bench generate`` (or
    fetch them from Hugging Face ``apple/GSM-Symbolic``) and pass their folder. Problem ids
    are ``"<template id>-<instance>"``.
    """
    check_limit(limit)
    if variant is not None:
        _check_variant(variant)
    if path is None:
        chosen: Variant = variant or "p2"
        file = gsm_symbolic_path(chosen)
    else:
        file = Path(path).expanduser()
        chosen = variant or _variant_from_name(file.name) or "p2"
        if file.is_dir():
            file = file / GSM_SYMBOLIC_FILES[chosen]
    if not file.is_file():
        raise InputError(
            f"Expected the GSM-Symbolic {chosen} file {file.name} at {file}, but it is missing. "
            "Generate it with `sleeptime bench generate --variant "
            f"{chosen}` (or download it from Hugging Face, apple/GSM-Symbolic) and pass its path."
        )
    dataset = "gsm-symbolic" if chosen == "main" else f"gsm-symbolic-{chosen}"
    problems: list[Problem] = []
    for number, record in read_jsonl(file, _WHAT):
        if limit is not None and len(problems) >= limit:
            break
        question = field_text(record, "question", file, number, _WHAT)
        answer = final_after_hashes(field_text(record, "answer", file, number, _WHAT), file, number)
        template = record.get("id", number - 1)
        instance = record.get("instance", 0)
        context, query = split_problem(question, split)
        problems.append(
            Problem(
                id=f"{template}-{instance}",
                dataset=dataset,
                context=context,
                query=query,
                answer=answer,
                original=question,
                meta={
                    "variant": chosen,
                    "template": template,
                    "instance": instance,
                    "original_id": record.get("original_id"),
                    "source": str(file),
                    "line": number,
                    "split": split,
                },
            )
        )
    return problems


def load_gsm8k(
    path: str | Path | None = None, *, limit: int | None = None, split: SplitMode = "sentence"
) -> list[Problem]:
    """Load GSM8K (``grade_school_math/data/test.jsonl`` format) split like Stateful GSM.

    ``path`` is the jsonl file or a folder holding ``test.jsonl``; it defaults to
    ``<data root>/gsm8k/test.jsonl``. Problem ids are ``"test-<line>"``.
    """
    check_limit(limit)
    file = default_data_root() / "gsm8k" / "test.jsonl" if path is None else Path(path)
    if file.is_dir():
        file = file / "test.jsonl"
    what = "GSM8K jsonl (keys question, answer with '#### N')"
    problems: list[Problem] = []
    for number, record in read_jsonl(file, what):
        if limit is not None and len(problems) >= limit:
            break
        question = field_text(record, "question", file, number, what)
        answer = final_after_hashes(field_text(record, "answer", file, number, what), file, number)
        context, query = split_problem(question, split)
        problems.append(
            Problem(
                id=f"{file.stem}-{len(problems)}",
                dataset="gsm8k",
                context=context,
                query=query,
                answer=answer,
                original=question,
                meta={"source": str(file), "line": number, "split": split},
            )
        )
    return problems


def _variant_from_name(name: str) -> Variant | None:
    lowered = name.lower()
    if "p1" in lowered:
        return "p1"
    if "p2" in lowered:
        return "p2"
    if "symbolic" in lowered:
        return "main"
    return None


def _check_variant(variant: str) -> None:
    if variant not in GSM_SYMBOLIC_FILES:
        raise InputError(
            f"Unknown GSM-Symbolic variant {variant!r}; use one of: {', '.join(VARIANTS)}."
        )
