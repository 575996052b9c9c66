"""Synthetic depot ledgers for the latency benchmark, with questions whose answers are known.

A ledger is a list of entries (one depot and month per line); the benchmark keeps the
shortest prefix with enough tokens and asks questions about it whose answers this module
computes from the same entries, so every path is graded against the truth and not
against another model. Two questions look one line up, one adds three lines, and one adds
every line of a depot, so its answer (and its difficulty) grows with the context.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass

DEPOTS = ("Harbor", "North", "Hill", "River", "Mill", "Station", "Bridge", "Market")
MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
FIRST_YEAR = 2026
HEADER = "Delivery company ledger. Each line is one depot and month."
MIN_ENTRIES = 3 * len(DEPOTS)
"""Every question needs January to March of the first year for all depots."""


@dataclass(frozen=True, slots=True)
class Entry:
    """One ledger line: a depot's figures for one month."""

    depot: str
    month: str
    year: int
    deliveries: int
    fuel: int
    fees: int
    drivers: int

    def line(self) -> str:
        """The line as it appears in the context."""
        return (
            f"{self.depot} depot, {self.month} {self.year}: {self.deliveries} deliveries, "
            f"fuel {self.fuel} dollars, parcel fees {self.fees} dollars, "
            f"{self.drivers} drivers on duty."
        )


@dataclass(frozen=True, slots=True)
class KnownQuestion:
    """A question with the answer computed from the ledger it is asked about."""

    text: str
    answer: int
    kind: str
    """``lookup`` (one line), ``sum3`` (three lines) or ``sum_all`` (a whole depot)."""


def ledger_entries(seed: int, count: int = 2400) -> list[Entry]:
    """Deterministic entries: depots in turn, months in order, years counting up."""
    rng = random.Random(seed)
    entries = []
    for i in range(count):
        month_index = i // len(DEPOTS)
        entries.append(
            Entry(
                depot=DEPOTS[i % len(DEPOTS)],
                month=MONTHS[month_index % 12],
                year=FIRST_YEAR + month_index // 12,
                deliveries=rng.randint(80, 400),
                fuel=rng.randint(200, 900),
                fees=rng.randint(50, 300),
                drivers=rng.randint(2, 9),
            )
        )
    return entries


def render(entries: list[Entry]) -> str:
    """The context text ``c`` for these entries."""
    return "\n".join([HEADER, *(e.line() for e in entries)])


def _find(entries: list[Entry], depot: str, month: str, year: int = FIRST_YEAR) -> Entry:
    for entry in entries:
        if (entry.depot, entry.month, entry.year) == (depot, month, year):
            return entry
    raise ValueError(f"the ledger has no line for {depot} {month} {year}; it is too short")


def questions_for(entries: list[Entry]) -> list[KnownQuestion]:
    """The benchmark's questions about these entries, with their true answers."""
    if len(entries) < MIN_ENTRIES:
        raise ValueError(f"a ledger needs at least {MIN_ENTRIES} entries, got {len(entries)}")
    y = FIRST_YEAR
    first_quarter = ("January", "February", "March")
    return [
        KnownQuestion(
            f"How much did the Harbor depot spend on fuel in March {y}?",
            _find(entries, "Harbor", "March").fuel,
            "lookup",
        ),
        KnownQuestion(
            f"How many deliveries did the North depot make in February {y}?",
            _find(entries, "North", "February").deliveries,
            "lookup",
        ),
        KnownQuestion(
            f"What were the Hill depot's parcel fees in total over January, February and "
            f"March {y}?",
            sum(_find(entries, "Hill", m).fees for m in first_quarter),
            "sum3",
        ),
        KnownQuestion(
            "What is the total of all parcel fees for the River depot in the whole ledger?",
            sum(e.fees for e in entries if e.depot == "River"),
            "sum_all",
        ),
    ]


_NUMBER = re.compile(r"(?<![\d.])\d+(?![\d.]*\d)")


def lines_restated(entries: list[Entry], notes: str) -> float:
    """Share of ledger lines whose deliveries, fuel and fee figures all appear in the notes.

    A crude but conservative measure of how much of ``c`` the notes carry: one number can
    appear by chance, all three of a line rarely do.
    """
    if not entries:
        return 0.0
    present = set(_NUMBER.findall(notes.replace(",", "")))
    kept = sum(1 for e in entries if {str(e.deliveries), str(e.fuel), str(e.fees)} <= present)
    return kept / len(entries)
