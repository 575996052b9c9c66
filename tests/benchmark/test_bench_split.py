"""Context/query splitting on tricky synthetic strings (no dataset text here)."""

from __future__ import annotations

import pytest

from sleeptime.benchmark import naive_split, split_problem, split_sentences
from sleeptime.errors import InputError


@pytest.mark.parametrize(
    ("text", "sentences"),
    [
        (
            "Pens cost $2.50 each. How much are 4 pens?",
            ["Pens cost $2.50 each.", "How much are 4 pens?"],
        ),
        (
            "A rope is 3.5 m long. Cut 1.25 m. What is left?",
            ["A rope is 3.5 m long.", "Cut 1.25 m.", "What is left?"],
        ),
        (
            "Mr. Lee and Dr. Kim met Mrs. Park. Who left first?",
            ["Mr. Lee and Dr. Kim met Mrs. Park.", "Who left first?"],
        ),
        (
            "Buy fruit, e.g. apples, at 9 a.m. today. How many?",
            ["Buy fruit, e.g. apples, at 9 a.m. today.", "How many?"],
        ),
        ('He said "Stop." Then he ran. How far?', ['He said "Stop."', "Then he ran.", "How far?"]),
        ("Is it 5? No! It is 6. Why?", ["Is it 5?", "No!", "It is 6.", "Why?"]),
        ("  Tom has 1,200 coins.   How many?  \n", ["Tom has 1,200 coins.", "How many?"]),
        ("Let $x=2.5$. Find $x+n.$ Then stop.", ["Let $x=2.5$.", "Find $x+n.$", "Then stop."]),
        ("It sums to\n\\[a + b = 3. \\]\nFind $a$.", ["It sums to\n\\[a + b = 3. \\]\nFind $a$."]),
        ("First line\n\nSecond line.", ["First line", "Second line."]),
        ("", []),
    ],
)
def test_split_sentences_only_at_real_sentence_ends(text: str, sentences: list[str]) -> None:
    assert split_sentences(text) == sentences


def test_last_sentence_is_the_query() -> None:
    context, query = split_problem("Sam has $2.50. He buys a pen for $1.25. How much is left?")
    assert context == "Sam has $2.50. He buys a pen for $1.25."
    assert query == "How much is left?"


def test_single_sentence_problem_has_empty_context() -> None:
    assert split_problem("How many legs do 3 ducks have?") == ("", "How many legs do 3 ducks have?")


def test_trailing_statement_after_question_stays_in_the_query() -> None:
    context, query = split_problem("Ana reads 5 pages a day. How many in a week? She skips Sunday.")
    assert context == "Ana reads 5 pages a day."
    assert query == "How many in a week? She skips Sunday."


def test_instruction_sentence_counts_as_the_question() -> None:
    context, query = split_problem("Let $n$ be 7. Find $m+n$. Here $m$ is 3.")
    assert (context, query) == ("Let $n$ be 7.", "Find $m+n$. Here $m$ is 3.")


def test_no_asking_sentence_falls_back_to_the_last_sentence() -> None:
    assert split_problem("It rains. The ground is wet.") == ("It rains.", "The ground is wet.")


def test_naive_split_reproduces_the_paper_including_broken_decimals() -> None:
    context, query = naive_split("Pens cost $2.50 each. How much for 3.5 dozen?")
    assert context == "Pens cost $2. 50 each. How much for 3."
    assert query == "5 dozen?"
    assert split_problem("A is 1. B is 2. Why?", "naive") == ("A is 1. B is 2.", "Why?")


def test_naive_split_of_one_sentence_gives_a_bare_period_context() -> None:
    assert naive_split("How many?") == (".", "How many?")


def test_empty_problem_and_unknown_mode_are_input_errors() -> None:
    with pytest.raises(InputError):
        split_problem("   ")
    with pytest.raises(InputError):
        naive_split("...")
    with pytest.raises(InputError, match="split mode"):
        split_problem("A. B?", "words")  # type: ignore[arg-type]
