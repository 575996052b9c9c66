"""Which prompt layout a sleep-mode answer uses at each budget level (``--layout auto``).

Notes help most where the test-time budget is smallest: a one-sentence answer cannot redo
the arithmetic, so a worked result in the notes is the difference between right and
wrong. With more budget the model re-derives the answer anyway, and a note with a slip
pulls it towards the wrong number. Measured with Qwen2.5-Coder-1.5B on GSM8K: the issue's
20 problems at budget 4 fell from 55 % to 25 % with notes replacing the context (35 % with
both); on the tuning pilot (``bench/results/tune-gsm8k-pilot``) and the second tuning
split (40 fresh GSM-Symbolic problems, ``bench/results/tune-fresh-both``) notes beside the
context won at budget 0 and lost at budget 4 (3 won, 8 lost).

v3 (``derived`` at budget 0): on 30 ledgers of look-up questions
(``bench/results/am-ledger-qwen1.5b``) all the notes beside the context lost look-ups
(15 won, 30 lost, p = 0.04): notes that restate the table distract a small model from
the line it should read. Showing only the notes that add a number the context does not
state (``answer/derived.py``) cut that to about even on the same ledgers, while keeping
the budget-0 gain on story problems (tuning split: 8 won, 1 lost). Budgets 1-4 answer
exactly as test-time only does: notes won at budget 1 on story problems, but no table
was measured there, and sleeping must never cost accuracy.
``AUTO_POLICY_VERSION`` goes into every answer's prompt version, so results under
different tables are never mixed up.
"""

from __future__ import annotations

from typing import get_args

from sleeptime.errors import InputError
from sleeptime.values import LAYOUT_CHOICES, Layout, LayoutChoice

__all__ = ["AUTO_LAYOUTS", "AUTO_POLICY_VERSION", "LAYOUTS", "LAYOUT_CHOICES", "Layout",
           "LayoutChoice", "describe_auto", "resolve_layout"]  # fmt: skip

LAYOUTS: tuple[str, ...] = get_args(Layout)

AUTO_POLICY_VERSION = "auto@v3"
AUTO_LAYOUTS: dict[int, Layout] = {
    0: "derived",
    1: "context",
    2: "context",
    3: "context",
    4: "context",
}
"""Budget level -> layout used by ``auto``."""


_SHOWN = {
    "replace": "c' alone",
    "both": "c and c'",
    "derived": "c and the notes that add to it",
    "context": "c alone",
}


def describe_auto() -> str:
    """The auto table in words, e.g. "c and c' at budget 0, c alone at budgets 1-4"."""
    parts: list[str] = []
    levels = sorted(AUTO_LAYOUTS)
    start = levels[0]
    for index, level in enumerate(levels):
        last = index + 1 == len(levels) or AUTO_LAYOUTS[levels[index + 1]] != AUTO_LAYOUTS[level]
        if last:
            span = f"{start}" if start == level else f"{start}-{level}"
            parts.append(
                f"{_SHOWN[AUTO_LAYOUTS[level]]} at budget{'s' if start != level else ''} {span}"
            )
            if index + 1 < len(levels):
                start = levels[index + 1]
    return ", ".join(parts)


def resolve_layout(choice: str, level: int) -> Layout:
    """The concrete layout for a choice at a budget level; InputError for unknown names."""
    if choice == "auto":
        return AUTO_LAYOUTS[level]
    if choice in LAYOUTS:
        return choice  # type: ignore[return-value]
    raise InputError(
        f"layout must be one of {', '.join(LAYOUT_CHOICES)}; got {choice!r} (auto: "
        f"{describe_auto()})"
    )
