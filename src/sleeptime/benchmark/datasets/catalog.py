"""Load any benchmark by name ("gsm-symbolic-p2", "aime-2024", "gsm8k"), for the CLI and scripts."""

from __future__ import annotations

from pathlib import Path

from sleeptime.benchmark.datasets.aime import load_aime
from sleeptime.benchmark.datasets.gsm import load_gsm8k, load_gsm_symbolic
from sleeptime.benchmark.datasets.problem import Problem
from sleeptime.benchmark.datasets.split import SplitMode
from sleeptime.errors import InputError

DATASET_NAMES: tuple[str, ...] = (
    "gsm-symbolic",
    "gsm-symbolic-p1",
    "gsm-symbolic-p2",
    "aime-2024",
    "aime-2025",
    "gsm8k",
)


def load_dataset(
    name: str,
    path: str | Path | None = None,
    *,
    limit: int | None = None,
    split: SplitMode = "sentence",
) -> list[Problem]:
    """Load the dataset called ``name`` (see ``DATASET_NAMES``) from ``path`` or the data root."""
    if name == "gsm-symbolic":
        return load_gsm_symbolic(path, variant="main", limit=limit, split=split)
    if name == "gsm-symbolic-p1":
        return load_gsm_symbolic(path, variant="p1", limit=limit, split=split)
    if name == "gsm-symbolic-p2":
        return load_gsm_symbolic(path, variant="p2", limit=limit, split=split)
    if name == "aime-2024":
        return load_aime(path, year=2024, limit=limit, split=split)
    if name == "aime-2025":
        return load_aime(path, year=2025, limit=limit, split=split)
    if name == "gsm8k":
        return load_gsm8k(path, limit=limit, split=split)
    raise InputError(f"Unknown dataset {name!r}; use one of: {', '.join(DATASET_NAMES)}.")
