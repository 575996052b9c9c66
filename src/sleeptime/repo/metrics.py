"""Scoring a file list against the files a commit really changed (the SWE-Features metric)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class FileScore:
    """Precision, recall and F1 of predicted files against the target set."""

    precision: float
    recall: float
    f1: float
    hits: int


def file_f1(predicted: Iterable[str], target: Iterable[str]) -> FileScore:
    """Score sets of paths; an empty prediction scores 0 (it names nothing to change)."""
    guess, truth = set(predicted), set(target)
    hits = len(guess & truth)
    if not guess or not truth or not hits:
        return FileScore(0.0, 0.0, 0.0, hits)
    precision, recall = hits / len(guess), hits / len(truth)
    return FileScore(precision, recall, 2 * precision * recall / (precision + recall), hits)
