"""The ``derived`` layout: only notes that add to the context are shown beside it."""

from __future__ import annotations

from decimal import Decimal

from sleeptime.answer import build_answer_prompt
from sleeptime.answer.derived import DERIVED_VERSION, derived_notes, numbers_in

LEDGER = (
    "Delivery ledger. Each line is one depot and month.\n"
    "Station depot, January 2026: 395 deliveries, fuel 595 dollars, parcel fees 262 dollars.\n"
    "Hill depot, January 2026: 229 deliveries, fuel 1,367 dollars, parcel fees 267 dollars.\n"
)
RESTATING = (
    "Q: What was the fuel cost for each depot in January 2026?\n"
    "A: Station depot: 595, Hill depot: 1367\n\n"
    "Key facts and numbers:\n"
    "- Station depot: 395 deliveries, 262 dollars of parcel fees\n"
    "- Hill depot: 229 deliveries, 267 dollars of parcel fees"
)


def test_numbers_are_compared_as_values() -> None:
    assert numbers_in("1,367 dollars, 12.50 and 3.0 and 7%") == {
        Decimal("1367"),
        Decimal("12.5"),
        Decimal("3"),
        Decimal("7"),
    }


def test_notes_that_only_restate_the_context_leave_nothing() -> None:
    assert derived_notes(RESTATING, LEDGER) == ""


def test_a_computed_total_is_kept_and_restated_lines_dropped() -> None:
    notes = RESTATING + "\n\nQ: What was the total fuel cost in January 2026?\nA: 1962 dollars"
    kept = derived_notes(notes, LEDGER)
    assert kept == "Q: What was the total fuel cost in January 2026?\nA: 1962 dollars"


def test_worked_arithmetic_is_kept_even_when_its_result_is_in_the_context() -> None:
    # 229 + 33 = 262 happens to be the Station depot's parcel fees.
    notes = "Q: Deliveries plus the 33 late ones?\nA: 229 + 33 = 262"
    assert derived_notes(notes, LEDGER + "33 parcels came late.") == notes


def test_a_bullet_list_keeps_its_header_with_the_bullets_that_add_something() -> None:
    notes = "Key facts:\n- Station fuel: 595\n- Fuel of both depots: 595 + 1367 = 1962"
    assert derived_notes(notes, LEDGER) == "Key facts:\n- Fuel of both depots: 595 + 1367 = 1962"


def test_notes_without_numbers_are_kept_since_they_may_be_inferences() -> None:
    notes = "The Station depot is the busiest one.\n\nHill depot spends most on fuel."
    assert derived_notes(notes, LEDGER) == notes


def test_number_words_and_percentages_in_the_context_count_as_stated() -> None:
    context = "Three of the twelve rooms are booked; 25% of guests come by car."
    assert derived_notes("- Rooms booked: 3\n- Rooms: 12\n- Share by car: 0.25", context) == ""


def test_a_slip_marked_by_the_calculator_is_replaced_by_its_result() -> None:
    notes = "A: 135 - 7 - 8 = 118 [calculator: 135 - 7 - 8 = 120] students"
    assert derived_notes(notes, "135 pupils; 7 and 8 are away.") == "A: 135 - 7 - 8 = 120 students"


def test_a_calculator_mark_that_does_not_match_the_line_stays() -> None:
    notes = "A: the total is 118 [calculator: 135 - 7 - 8 = 120]"
    assert derived_notes(notes, "135 pupils; 7 and 8 are away.") == notes


def test_unfinished_lines_and_unanswered_questions_are_dropped() -> None:
    notes = (
        "Q: Total deliveries?\nA: 395 + 229 = 624\n\n"
        "Total fuel: 595 + 1367 +\n\n"
        "Q: What was the total parcel fees for each depot in"
    )
    assert derived_notes(notes, LEDGER) == "Q: Total deliveries?\nA: 395 + 229 = 624"


def test_layout_falls_back_to_the_baseline_prompt_byte_for_byte() -> None:
    common = {"context": LEDGER, "question": "Station fuel in January?", "level": 0}
    derived = build_answer_prompt(mode="sleep", layout="derived", notes=RESTATING, **common)  # type: ignore[arg-type]
    baseline = build_answer_prompt(mode="baseline", layout="context", notes=None, **common)  # type: ignore[arg-type]
    assert derived.messages == baseline.messages
    assert derived.layout == "context"
    assert DERIVED_VERSION not in derived.prompt_version


def test_layout_shows_the_kept_notes_and_versions_the_filter() -> None:
    notes = RESTATING + "\n\nQ: Total fuel?\nA: 1962 dollars"
    prompt = build_answer_prompt(
        mode="sleep",
        layout="derived",
        context=LEDGER,
        notes=notes,
        question="Total fuel?",
        level=0,
    )
    user = prompt.messages[1].content
    assert "A: 1962 dollars" in user and "262 dollars of parcel fees" not in user
    assert LEDGER.strip() in user
    assert prompt.layout == "derived"
    assert prompt.prompt_version.split("+").count(DERIVED_VERSION) == 1


def test_a_percentage_worked_out_is_kept_though_its_result_is_the_percentage() -> None:
    notes = "Q: How many play volleyball?\nA: 20% of 100 = 20"
    assert derived_notes(notes, "Of the 100 students, 20% play volleyball.") == notes


def test_a_question_answered_on_its_own_line_counts_as_answered() -> None:
    assert derived_notes("Q: legs? A: 3 * 4 = 12", "Ann has 3 cats.") == "Q: legs? A: 3 * 4 = 12"
