"""Benchmark inputs: load a dataset from a path at run time and split each problem into c and q."""

from sleeptime.benchmark.datasets._io import DATA_ROOT_ENV, default_data_root
from sleeptime.benchmark.datasets.aime import aime_path, load_aime, strip_instruction
from sleeptime.benchmark.datasets.catalog import DATASET_NAMES, load_dataset
from sleeptime.benchmark.datasets.gsm import (
    GSM_SYMBOLIC_FILES,
    VARIANTS,
    gsm_symbolic_path,
    load_gsm8k,
    load_gsm_symbolic,
)
from sleeptime.benchmark.datasets.hub import load_gsm_symbolic_hub
from sleeptime.benchmark.datasets.problem import Problem
from sleeptime.benchmark.datasets.split import (
    SPLIT_MODES,
    SplitMode,
    naive_split,
    split_problem,
    split_sentences,
)

__all__ = [
    "DATASET_NAMES",
    "DATA_ROOT_ENV",
    "GSM_SYMBOLIC_FILES",
    "SPLIT_MODES",
    "VARIANTS",
    "Problem",
    "SplitMode",
    "aime_path",
    "default_data_root",
    "gsm_symbolic_path",
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
