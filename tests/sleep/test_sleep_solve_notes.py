"""The text side of ``solve:K``: predicted questions, the vote, trimmed working, the notes."""

from __future__ import annotations

from fractions import Fraction

import pytest

from sleeptime.anticipate.extract import parse_qa_pairs
from sleeptime.sleep.solve_notes import (
    SLIP_MARK,
    Solved,
    final_value,
    majority,
    parse_predicted,
    plain_math,
    render_notes,
    solved_from,
    trim_working,
)
from sleeptime.sleep.verify import verify_anticipated


@pytest.mark.parametrize(
    ("reply", "expected"),
    [
        (
            "Q1: How many seats are there in total?\nQ2: How much do 3 cups cost?",
            ["How many seats are there in total?", "How much do 3 cups cost?"],
        ),
        (
            "1. **How long does the fog take to cover the city?**\n2) What is its speed?",
            ["How long does the fog take to cover the city?", "What is its speed?"],
        ),
        (  # answers after the questions, and an answer line, are dropped
            "Q: How long is the trip? A: 9 minutes\nA: 27 minutes\n- Question 2: Who pays?",
            ["How long is the trip?", "Who pays?"],
        ),
        (  # two questions on one line
            "Q1: How many rooms are there? Q2: How many seats does each have?",
            ["How many rooms are there?", "How many seats does each have?"],
        ),
        (  # a marked question without its question mark still counts
            "Q1: How many people fit in all rooms\nSome chatter: 42 things.",
            ["How many people fit in all rooms?"],
        ),
        (  # the same question twice (case, spacing) is kept once
            "Q1: How many seats?\nQ2: how many  seats?\nQ3: What does coffee cost?",
            ["How many seats?", "What does coffee cost?"],
        ),
    ],
)
def test_predicted_questions_are_read_leniently(reply: str, expected: list[str]) -> None:
    assert parse_predicted(reply, 5) == expected


@pytest.mark.parametrize(
    "reply",
    ["", "I cannot predict questions.", "The office opens at 9.\nRooms: 3", "A: 24", "Q1: ?"],
)
def test_replies_without_questions_give_none(reply: str) -> None:
    assert parse_predicted(reply, 3) == []


def test_prediction_keeps_at_most_the_limit() -> None:
    reply = "\n".join(f"Q{i}: How many rooms are on floor {i}?" for i in range(1, 7))
    assert len(parse_predicted(reply, 3)) == 3


def test_final_value_reads_the_answer_sentence_then_the_last_number() -> None:
    assert final_value("3 * 8 = 24. The answer is $1,250.50.") == Fraction("1250.50")
    assert final_value("3 * 8 = 24 seats in all") == 24
    assert final_value("The answer is \\(\\boxed{27}\\) minutes.") == 27
    assert final_value("no numbers here") is None


def test_majority_keeps_the_most_common_answer_and_its_first_solution() -> None:
    replies = ["The answer is 25.", "2 * 12 = 24. The answer is 24.", "The answer is 24."]
    vote = majority(replies)
    assert (vote.chosen, vote.value, vote.support, vote.samples) == (1, 24, 2, 3)
    tie = majority(["The answer is 7.", "The answer is 9."])
    assert (tie.chosen, tie.value, tie.support) == (0, 7, 1)
    assert majority(["no idea", "none"]).chosen is None


def test_latex_working_becomes_plain_arithmetic() -> None:
    assert plain_math("\\[ 3 \\times 8 = 24 \\]") == "3 * 8 = 24"
    assert plain_math("\\( \\frac{9}{3} = 3 \\) **miles**") == "(9) / (3) = 3 miles"


def test_working_keeps_numbered_lines_without_repeats_or_the_answer_sentence() -> None:
    reply = (
        "Let's think.\n1. Each room seats 8 people.\n2. 3 * 8 = 24\nDouble-check:\n3 * 8 = 24\n"
        "A: 24 seats\nThe answer is 24."
    )
    assert trim_working(reply) == [
        "Each room seats 8 people.",
        "3 * 8 = 24",
        "step A: 24 seats",
    ]


def test_long_working_keeps_the_last_calculations() -> None:
    reply = "\n".join(
        [f"Fact {i} holds." for i in range(5)] + [f"{i} + 1 = {i + 1}" for i in range(10)]
    )
    kept = trim_working(reply, max_lines=4)
    assert kept == ["6 + 1 = 7", "7 + 1 = 8", "8 + 1 = 9", "9 + 1 = 10"]
    mixed = trim_working("Fact 1.\nFact 2.\nFact 3.\n2 + 2 = 4", max_lines=3)
    assert mixed == ["Fact 2.", "Fact 3.", "2 + 2 = 4"]


CONTEXT = "The office has 3 meeting rooms. Each room seats 8 people. Coffee costs 2 dollars."


def test_notes_put_the_answer_first_and_are_served_only_when_verified() -> None:
    solved = [
        solved_from(
            "How many people can the rooms seat?",
            ["3 rooms * 8 people = 24 people\nThe answer is 24."] * 3,
        ),
        solved_from(
            "How much do 5 cups cost?",
            ["5 * 2 = 10\nThe answer is 10.", "The answer is 12.", "5 * 2 = 11\nThe answer is 11."],
        ),
    ]
    notes, marked = render_notes(solved, 2000)
    assert notes.splitlines()[:4] == [
        "Q: How many people can the rooms seat?",
        "A: 24 (reached by 3 of 3 workings)",
        "Working:",
        "  3 rooms * 8 people = 24 people",
    ]
    assert "A: 10 (unconfirmed: reached by 1 of 3 workings)" in notes
    assert marked == 0
    pairs = parse_qa_pairs(notes)
    assert [p["question"] for p in pairs] == [s.question for s in solved]
    verified = verify_anticipated(pairs, CONTEXT, notes)
    assert [v["verified"] for v in verified] == [True, False]


def test_a_slip_is_marked_in_the_working_and_on_the_answer() -> None:
    item = solved_from("How many seats?", ["3 * 8 = 26\nThe answer is 26."])
    assert item.slip
    notes, marked = render_notes([item], 1000)
    assert marked == 1
    assert "  3 * 8 = 26 [calculator: 3 * 8 = 24]" in notes
    assert f"A: 26 {SLIP_MARK}" in notes
    [pair] = verify_anticipated(parse_qa_pairs(notes), CONTEXT, notes)
    assert not pair["verified"]


def test_one_solution_shows_no_support_and_no_answer_means_no_item() -> None:
    one = solved_from("How many seats?", ["3 * 8 = 24\nThe answer is 24 seats."])
    assert one.answer_line() == "A: 24 seats"
    none = solved_from("Who runs it?", ["Nobody knows."])
    assert none.answer is None
    notes, _ = render_notes([none, one], 1000)
    assert notes.startswith("Q: How many seats?")


def test_notes_fit_the_cap_by_shortening_working_then_dropping_questions() -> None:
    working = "\n".join(f"{i} * 2 = {2 * i}" for i in range(1, 9))
    items = [
        Solved(f"How many in group {n}?", str(n), 1, 1, working.splitlines()) for n in range(4)
    ]
    full, _ = render_notes(items, 100_000)
    for cap in (60, 120, 200, 400, len(full) - 1):
        notes, _ = render_notes(items, cap)
        assert len(notes) <= cap
        # Every question kept has its answer; questions are dropped from the end.
        pairs = parse_qa_pairs(notes)
        assert [p["question"] for p in pairs] == [i.question for i in items[: len(pairs)]]
    notes, _ = render_notes(items, 120)
    assert notes.startswith("Q: How many in group 0?\nA: 0")
    assert render_notes(items, 20)[0] == ""
