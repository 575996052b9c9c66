"""Reproduce the paper: datasets split into context and query, and graders for the replies.

Everything is read from paths at run time (``../shared/data`` or ``$SLEEPTIME_DATA_ROOT``);
nothing derived from a dataset is written into the repository.
"""

from sleeptime.benchmark.datasets import (
    DATA_ROOT_ENV,
    DATASET_NAMES,
    SPLIT_MODES,
    Problem,
    SplitMode,
    default_data_root,
    load_aime,
    load_dataset,
    load_gsm8k,
    load_gsm_symbolic,
    load_gsm_symbolic_hub,
    naive_split,
    split_problem,
    split_sentences,
    strip_instruction,
)
from sleeptime.benchmark.grading import GradeResult, grade_aime, grade_gsm, last_boxed

__all__ = [
    "DATASET_NAMES",
    "DATA_ROOT_ENV",
    "SPLIT_MODES",
    "GradeResult",
    "Problem",
    "SplitMode",
    "default_data_root",
    "grade_aime",
    "grade_gsm",
    "last_boxed",
    "load_aime",
    "load_dataset",
    "load_gsm8k",
    "load_gsm_symbolic",
    "load_gsm_symbolic_hub",
    "naive_split",
    "split_problem",
    "split_sentences",
    "strip_instruction",
]
