"""Combining parallel notes by agreement (``vote:K``) and marking calculator slips."""

from __future__ import annotations

from sleeptime.sleep import choose_by_consensus, combine, parse_recipe
from sleeptime.sleep.combine import mark_slips

AGREE_A = "Apples: 3 * 4 = 12\nQ: How many apples in all?\nA: 12\nQ: Cost?\nA: $24"
AGREE_B = "Total apples 12.\nQ: How many apples altogether?\nA: 12 apples\nQ: Price?\nA: 24"
OUTLIER = "Apples: 3 * 5 = 15\nQ: How many apples in all?\nA: 15\nQ: Cost?\nA: $30"


def test_the_notes_most_loops_agree_with_are_kept_and_answers_marked() -> None:
    consensus = choose_by_consensus([OUTLIER, AGREE_A, AGREE_B])
    assert consensus.chosen == 1
    assert consensus.agreement == (0, 2, 2)
    assert "A: 12 (reached by 2 of 3 workings)" in consensus.text
    assert "A: $24 (reached by 2 of 3 workings)" in consensus.text
    assert (consensus.confirmed, consensus.unconfirmed) == (2, 0)
    assert "15" not in consensus.text


def test_an_answer_no_majority_reached_is_marked_unconfirmed() -> None:
    lone = AGREE_A + "\nQ: Pears?\nA: 7"
    consensus = choose_by_consensus([lone, AGREE_B, OUTLIER])
    assert consensus.chosen == 0
    assert "A: 7 (unconfirmed: other workings disagree)" in consensus.text
    assert consensus.unconfirmed == 1


def test_ties_prefer_notes_without_calculator_slips() -> None:
    slipped = "Apples: 3 * 4 = 13\nQ: How many apples?\nA: 12"
    clean = "Apples: 3 * 4 = 12\nQ: How many apples?\nA: 12"
    assert choose_by_consensus([slipped, clean]).chosen == 1


def test_vote_recipe_combines_by_consensus_and_parallel_concatenates() -> None:
    notes = [OUTLIER, AGREE_A, AGREE_B]
    voted = combine(parse_recipe("vote:3"), notes)
    assert voted.details["combine"] == "vote" and voted.details["chosen_loop"] == 1
    joined = combine(parse_recipe("parallel:3"), notes)
    assert joined.text.count("[Notes") == 3 and joined.details["combine"] == "concat"


def test_remaining_slips_are_marked_with_the_right_result() -> None:
    text, marked = mark_slips("Eggs: 12 * 7 = 74\nBoxes: 2 + 2 = 4")
    assert marked == 1
    assert text.splitlines()[0] == "Eggs: 12 * 7 = 74 [calculator: 12 * 7 = 84]"
    assert text.splitlines()[1] == "Boxes: 2 + 2 = 4"
    combined = combine(parse_recipe("rethink"), ["Eggs: 12 * 7 = 74"], check_arithmetic=False)
    assert combined.text == "Eggs: 12 * 7 = 74"


def test_recipe_names_round_trip() -> None:
    for name in ("rethink", "parallel:5", "vote:3"):
        assert parse_recipe(name).name == name
    assert parse_recipe("vote:1").name == "rethink"
