"""The demo's bundled questions and how a reply is checked against their expected answers."""

from __future__ import annotations

import pytest

from sleeptime.examples import DemoQuestion, demo_questions, example_text, parse_demo_questions


def test_bundled_questions_have_expected_answers() -> None:
    questions = demo_questions()
    assert len(questions) == 3
    handbook = example_text("garden.txt")
    for q in questions:
        assert q.question.endswith("?")
        assert q.expected in handbook  # look-ups: the handbook states each answer
        assert q.is_right(f"The answer is {q.expected}.", q.expected)


def test_number_check_uses_the_gsm_grader() -> None:
    q = DemoQuestion("How much?", "85", "number")
    assert q.is_right("20 + 50 + 15 = 85 dollars. The answer is $85.")
    assert q.is_right("She pays 85 dollars in total.")
    assert not q.is_right("The answer is 80. (85 would include the discount twice.)")
    assert not q.is_right("It depends on the bed.")


def test_phrase_check_wants_the_whole_name_in_the_final_answer() -> None:
    q = DemoQuestion("Who?", "Mei Lin", "phrase")
    assert q.is_right("Report it to mei lin the same day.")
    assert q.is_right("Mei Lin runs the taps. The answer is Mei Lin.", final="Mei Lin")
    assert not q.is_right("Mei Lin runs the taps. The answer is Rosa.", final="Rosa")
    assert not q.is_right("Tell Mei Linton.")


def test_parse_rejects_unknown_checks_and_empty_sets() -> None:
    with pytest.raises(ValueError, match="check must be"):
        parse_demo_questions([{"question": "Q?", "expected": "1", "check": "regex"}])
    with pytest.raises(ValueError, match="non-empty"):
        parse_demo_questions([])
    parsed = parse_demo_questions([{"question": "Q?", "expected": 3}])
    assert parsed == [DemoQuestion("Q?", "3", "number")]
