"""Stateful AIME 2024 / 2025 from jsonl files, with the trailing solver instruction stripped."""

from __future__ import annotations

import re
from pathlib import Path

from sleeptime.benchmark.datasets._io import check_limit, default_data_root, field_text, read_jsonl
from sleeptime.benchmark.datasets.problem import Problem
from sleeptime.benchmark.datasets.split import SplitMode, split_problem
from sleeptime.errors import InputError

YEARS = (2024, 2025)
_WHAT = "AIME jsonl (keys prompt or problem, and answer)"
# Instructions that evaluation harnesses append to the problem; not part of the problem.
_INSTRUCTIONS = (
    re.compile(
        r"\s*Please reason step by step,?\s*and put your final answer within\s*"
        r"\\boxed\{\}\.?\s*$",
        re.IGNORECASE,
    ),
    re.compile(r"\s*(?:Put|Return) your final answer within \\boxed\{\}\.?\s*$", re.IGNORECASE),
)
_URL_ID = re.compile(r"(\d{4})_AIME_(I{1,2})_Problems/Problem_(\d+)")


def strip_instruction(text: str) -> str:
    """Remove a trailing solver instruction ("Please reason step by step, ... \\boxed{}.")."""
    for pattern in _INSTRUCTIONS:
        text = pattern.sub("", text)
    return text.strip()


def aime_path(year: int = 2024, root: Path | None = None) -> Path:
    """Return the QwQ copy of AIME ``year`` under the data root (``aime/qwq/aimeYY.jsonl``)."""
    _check_year(year)
    base = default_data_root() if root is None else root
    return base / "aime" / "qwq" / f"aime{year % 100}.jsonl"


def load_aime(
    path: str | Path | None = None,
    *,
    year: int | None = None,
    limit: int | None = None,
    split: SplitMode = "sentence",
) -> list[Problem]:
    """Load Stateful AIME problems: the last statement is the query, the rest the context.

    Reads both layouts found in the wild: QwQ's ``eval/data/aimeYY.jsonl`` (``prompt`` with a
    trailing instruction, integer ``answer``) and Qwen2.5-Math's ``aime24/test.jsonl``
    (``problem``, zero-padded string ``answer``, ``url``). ``year`` picks the default file and
    labels the problems; it is guessed from the file name when a path is given. Answers are
    normalised to plain integers ("033" -> "33"). A problem that is one sentence long gets an
    empty context.
    """
    check_limit(limit)
    if year is not None:
        _check_year(year)
    if path is None:
        file = aime_path(year or 2024)
    else:
        file = Path(path).expanduser()
        if file.is_dir():
            file = file / f"aime{(year or 2024) % 100}.jsonl"
    chosen = year or _year_from_name(file.name) or 0
    dataset = f"aime-{chosen}" if chosen else "aime"
    problems: list[Problem] = []
    for number, record in read_jsonl(file, _WHAT):
        if limit is not None and len(problems) >= limit:
            break
        key = "prompt" if "prompt" in record else "problem"
        text = strip_instruction(field_text(record, key, file, number, _WHAT))
        raw_answer = field_text(record, "answer", file, number, _WHAT).strip()
        try:
            answer = str(int(raw_answer))
        except ValueError as error:
            raise InputError(
                f"{file}:{number}: expected an integer AIME answer, got {raw_answer!r}."
            ) from error
        index = len(problems)
        context, query = split_problem(text, split)
        problems.append(
            Problem(
                id=_problem_id(record, chosen, index),
                dataset=dataset,
                context=context,
                query=query,
                answer=answer,
                original=text,
                meta={
                    "year": chosen or None,
                    "index": index,
                    "url": record.get("url"),
                    "source": str(file),
                    "line": number,
                    "split": split,
                },
            )
        )
    return problems


def _problem_id(record: dict[str, object], year: int, index: int) -> str:
    match = _URL_ID.search(str(record.get("url") or ""))
    if match:
        return f"{match.group(1)}-{match.group(2)}-{match.group(3)}"
    return f"{year or 'aime'}-{index:02d}"


def _year_from_name(name: str) -> int | None:
    match = re.search(r"(?:20)?(2[45])", name)
    return 2000 + int(match.group(1)) if match else None


def _check_year(year: int) -> None:
    if year not in YEARS:
        raise InputError(f"No AIME {year} data; use one of: {', '.join(map(str, YEARS))}.")
