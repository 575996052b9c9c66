"""Optional: GSM-Symbolic from the Hugging Face hub; ``datasets`` is imported only when used."""

from __future__ import annotations

import importlib
from typing import Any

from sleeptime.benchmark.datasets._io import check_limit
from sleeptime.benchmark.datasets.gsm import Variant, _check_variant
from sleeptime.benchmark.datasets.problem import Problem
from sleeptime.benchmark.datasets.split import SplitMode, split_problem
from sleeptime.errors import InputError, SleeptimeError

HUB_GSM_SYMBOLIC = "apple/GSM-Symbolic"


def load_gsm_symbolic_hub(
    variant: Variant = "p2", *, limit: int | None = None, split: SplitMode = "sentence"
) -> list[Problem]:
    """Load a GSM-Symbolic variant (config ``main``, ``p1`` or ``p2``) from the hub and split it.

    Needs the ``datasets`` package and network access (or its local cache). Use
    :func:`load_gsm_symbolic` with a path when offline.
    """
    check_limit(limit)
    _check_variant(variant)
    hub = _import_datasets()
    try:
        rows: Any = hub.load_dataset(HUB_GSM_SYMBOLIC, variant, split="test")
    except Exception as error:  # the hub raises many types (HTTP, cache, config errors)
        raise SleeptimeError(
            f"Could not load {HUB_GSM_SYMBOLIC} ({variant}) from the Hugging Face hub: {error}. "
            "Check the network, or download the jsonl and use load_gsm_symbolic(path)."
        ) from error
    dataset = "gsm-symbolic" if variant == "main" else f"gsm-symbolic-{variant}"
    problems: list[Problem] = []
    for index, row in enumerate(rows):
        if limit is not None and index >= limit:
            break
        question = str(row["question"])
        answer_text = str(row["answer"])
        if "####" not in answer_text:
            raise InputError(f"{HUB_GSM_SYMBOLIC} row {index}: no '####' in the answer field.")
        context, query = split_problem(question, split)
        problems.append(
            Problem(
                id=f"{row.get('id', index)}-{row.get('instance', 0)}",
                dataset=dataset,
                context=context,
                query=query,
                answer=answer_text.rsplit("####", 1)[1].strip().replace(",", ""),
                original=question,
                meta={"variant": variant, "source": f"hf:{HUB_GSM_SYMBOLIC}", "split": split},
            )
        )
    return problems


def _import_datasets() -> Any:
    try:
        return importlib.import_module("datasets")
    except ImportError as error:
        raise SleeptimeError(
            "Loading from the Hugging Face hub needs the 'datasets' package, which is not "
            "installed. Install it (pip install datasets) or pass a local jsonl path instead."
        ) from error
