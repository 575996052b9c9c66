"""Combine K independent sets of notes by agreement instead of by concatenation.

The paper concatenates parallel notes, which works for strong models. A small model's
loops disagree, and concatenating them hands the reader two different totals for the same
question. Here the loops vote instead: the notes whose answers agree most with the other
loops are kept whole (they are internally consistent), and each of their answers says how
many independent loops reached it, so an answer that no other loop confirms is marked as
such rather than stated as fact. Agreement is measured on the numbers the answers give,
which is what the arithmetic questions these notes serve turn on.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from fractions import Fraction

from sleeptime.anticipate.extract import parse_qa_pairs
from sleeptime.sleep.arithmetic import check_notes

_NUMBER = re.compile(r"-?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?")
_A_LINE = re.compile(r"^(?P<lead>[\s>*_#`\-•]*a(?:nswer)?\s*\d*\s*[:)])(?P<body>.*)$", re.I)


@dataclass(frozen=True, slots=True)
class Consensus:
    """The chosen notes, which loop they came from, and how well the loops agreed."""

    text: str
    chosen: int
    """Index of the loop whose notes were kept."""
    agreement: tuple[int, ...]
    """Per loop: how many of its answers at least one other loop also reached."""
    confirmed: int
    """Answers in the kept notes that a majority of loops reached."""
    unconfirmed: int

    def details(self) -> dict[str, object]:
        """For the run record."""
        return {
            "chosen_loop": self.chosen,
            "agreement": list(self.agreement),
            "confirmed_answers": self.confirmed,
            "unconfirmed_answers": self.unconfirmed,
        }


def answer_values(notes: str) -> set[Fraction]:
    """The final number of every anticipated answer in the notes."""
    values: set[Fraction] = set()
    for pair in parse_qa_pairs(notes):
        value = last_number(str(pair["answer"]))
        if value is not None:
            values.add(value)
    return values


def choose_by_consensus(notes: list[str]) -> Consensus:
    """Keep the notes that agree most with the others and mark each answer's support."""
    if not notes:
        raise ValueError("consensus needs at least one set of notes")
    values = [answer_values(n) for n in notes]
    agreement = tuple(
        sum(1 for v in mine if any(v in values[j] for j in range(len(notes)) if j != i))
        for i, mine in enumerate(values)
    )
    slips = [len(check_notes(n).slips) for n in notes]
    # Most agreement first; then fewer calculator-found slips; then the earliest loop.
    chosen = min(range(len(notes)), key=lambda i: (-agreement[i], slips[i], i))
    majority = len(notes) // 2 + 1
    text, confirmed, unconfirmed = _annotate(notes[chosen], values, majority)
    return Consensus(
        text=text,
        chosen=chosen,
        agreement=agreement,
        confirmed=confirmed,
        unconfirmed=unconfirmed,
    )


def _annotate(text: str, values: list[set[Fraction]], majority: int) -> tuple[str, int, int]:
    if len(values) == 1:
        return text, 0, 0
    lines: list[str] = []
    confirmed = unconfirmed = 0
    for line in text.splitlines():
        match = _A_LINE.match(line)
        value = last_number(match.group("body")) if match else None
        if match is None or value is None:
            lines.append(line)
            continue
        support = sum(1 for found in values if value in found)
        if support >= majority:
            confirmed += 1
            lines.append(f"{line.rstrip()} (reached by {support} of {len(values)} workings)")
        else:
            unconfirmed += 1
            lines.append(f"{line.rstrip()} (unconfirmed: other workings disagree)")
    return "\n".join(lines), confirmed, unconfirmed


def last_number(text: str) -> Fraction | None:
    """The last number written in ``text`` (commas and dollar signs allowed), exactly."""
    found = _NUMBER.findall(text.replace("$", ""))
    if not found:
        return None
    try:
        return Fraction(found[-1].replace(",", ""))
    except (ValueError, ZeroDivisionError):
        return None
