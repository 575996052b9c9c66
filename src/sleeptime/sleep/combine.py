"""Turn the notes of a run's K loops into one ``c'``: correct what a calculator can, then join.

Lines whose calculation is still wrong when the rounds run out are annotated with the
right result rather than dropped, since the rest of the line (what was computed, from
which facts) is still useful to a reader who can redo one step. Then the loops are joined
(``parallel:K``) or voted on (``vote:K``, see ``consensus.py``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sleeptime.sleep.arithmetic import check_notes
from sleeptime.sleep.consensus import choose_by_consensus
from sleeptime.sleep.recipes import Recipe
from sleeptime.sleep.rethink import EMPTY_MEMORY


@dataclass(frozen=True, slots=True)
class Combined:
    """The final notes and what combining them did, for the run record."""

    text: str
    details: dict[str, Any] = field(default_factory=dict)


def combine_notes(notes: list[str]) -> str:
    """Concatenate the notes of parallel loops (the paper's parallel sleep-time scaling)."""
    kept = [n for n in notes if n.strip() and n != EMPTY_MEMORY]
    if len(kept) == 1:
        return kept[0]
    return "\n\n".join(f"[Notes {i}]\n{n}" for i, n in enumerate(kept, 1))


def mark_slips(notes: str) -> tuple[str, int]:
    """Append the right result to every line whose calculation is wrong; (text, lines marked)."""
    check = check_notes(notes)
    if check.ok:
        return notes, 0
    fixes: dict[str, list[str]] = {}
    for slip in check.slips:
        fixes.setdefault(slip.line, []).append(f"{slip.expression} = {slip.correct}")
    lines = []
    for line in notes.splitlines():
        found = fixes.get(line.strip())
        lines.append(f"{line} [calculator: {'; '.join(found)}]" if found else line)
    return "\n".join(lines), len(fixes)


def combine(recipe: Recipe, notes: list[str], *, check_arithmetic: bool = True) -> Combined:
    """The run's ``c'`` from its loops' notes (empty loops are left out)."""
    kept = [n for n in notes if n.strip() and n != EMPTY_MEMORY]
    marked = 0
    if check_arithmetic:
        fixed = [mark_slips(n) for n in kept]
        kept = [text for text, _ in fixed]
        marked = sum(count for _, count in fixed)
    details: dict[str, Any] = {"combine": recipe.combine, "lines_marked_by_calculator": marked}
    if recipe.combine == "vote" and len(kept) > 1:
        consensus = choose_by_consensus(kept)
        details.update(consensus.details())
        return Combined(text=consensus.text, details=details)
    return Combined(text=combine_notes(kept), details=details)
