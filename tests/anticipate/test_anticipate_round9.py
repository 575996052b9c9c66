"""Ninth-round rules (match2.12): question shapes of English the reader did not restate,
each with the near-misses it must still refuse.

The pairs are written for these tests, not taken from the evaluation sets.
"""

from __future__ import annotations

import pytest

from sleeptime.anticipate import canonical, compare_questions
from sleeptime.anticipate.restate import concealed_question, degree_bound, name_question


def _check(asked: str, stored: str, same: bool) -> None:
    verdict = compare_questions(asked, stored)
    assert verdict.ok is same, verdict.reason


@pytest.mark.parametrize(
    ("asked", "stored", "same"),
    [
        # "deep" makes one question word with "how", as "depth" asks it
        ("How deep is the garden pond?", "What is the depth of the garden pond?", True),
        ("What is the pond's depth?", "How deep is the pond?", True),
        ("How deep is the garden pond?", "How wide is the garden pond?", False),
        ("How deep is the garden pond?", "How deep is the fish pond?", False),
        # "what <measure noun> is X" asks the measure's "how" question
        ("What size is the spare bedroom?", "How big is the spare bedroom?", True),
        ("What height are the hedges?", "How tall are the hedges?", True),
        ("What size is the spare bedroom?", "How big is the main bedroom?", False),
        ("What size is the spare bedroom?", "How old is the spare bedroom?", False),
        # a passive after the noun is a setting of the verb, no copula: left alone
        ("At what speed is the batter mixed?", "How fast is the batter?", False),
    ],
)
def test_measure_nouns_ask_their_how_question(asked: str, stored: str, same: bool) -> None:
    _check(asked, stored, same)


@pytest.mark.parametrize(
    ("asked", "stored", "same"),
    [
        # "How ADJ can X be?" asks the upper bound: what "the maximum ..." asks
        ("How wide can a driveway be?", "What is the maximum width of a driveway?", True),
        ("How heavy may a parcel be?", "What is the maximum parcel weight?", True),
        ("Tell me how tall a fence can be.", "What is the maximum fence height?", True),
        ("How long can a talk be at most?", "How long can a talk be?", True),
        ("How many guests may come at most?", "How many guests can come at most?", True),
        # no bound: the thing as it is, advice, a minimum, or another verb
        ("How heavy is the parcel?", "What is the maximum parcel weight?", False),
        ("How heavy can a parcel be?", "How heavy is a parcel?", False),
        ("How wide can a driveway be?", "What is the minimum width of a driveway?", False),
        ("How long should a talk be?", "What is the maximum length of a talk?", False),
        ("How long can I stay?", "What is the maximum stay?", False),
    ],
)
def test_a_degree_with_can_be_asks_the_maximum(asked: str, stored: str, same: bool) -> None:
    _check(asked, stored, same)


def test_degree_bound_rewrites_only_be_clauses() -> None:
    assert degree_bound("how big can my suitcase be?") == "how big is maximum my suitcase?"
    assert degree_bound("how big my suitcase can be") == "how big is maximum my suitcase"
    assert degree_bound("how long can i park here?") == "how long can i park here?"
    assert degree_bound("how many seats are there at most?") == "how many seats are there maximum?"


@pytest.mark.parametrize(
    ("asked", "stored", "same"),
    [
        # the name of a person is who the person is
        ("What is the name of the head gardener?", "Who is the head gardener?", True),
        ("What's the landlord's name?", "Who is the landlord?", True),
        ("What was the name of the referee?", "Who was the referee?", True),
        # not for things, kinds of name, someone else's thing, or another person
        ("What is the name of the guest house?", "Who is the guest house?", False),
        ("What is the name of the landlord's dog?", "Who is the landlord's dog?", False),
        ("What is the landlord's first name?", "Who is the landlord?", False),
        ("What is the name of the head gardener?", "Who is the assistant gardener?", False),
        ("What was the name of the referee?", "Who is the referee?", False),
    ],
)
def test_a_persons_name_asks_who(asked: str, stored: str, same: bool) -> None:
    _check(asked, stored, same)


def test_name_question_needs_a_plain_person_phrase() -> None:
    assert name_question("what is the name of the nurse?") == "who is the nurse?"
    assert name_question("what is the name of the nurse on the ward?") == (
        "what is the name of the nurse on the ward?"
    )
    assert name_question("what is the name of the street?") == "what is the name of the street?"


@pytest.mark.parametrize(
    ("asked", "stored", "same"),
    [
        # a request for "the X" asks what the X is
        ("Could you tell me the wifi password?", "What is the wifi password?", True),
        ("Can you let me know the checkout time?", "What is the checkout time?", True),
        ("I need to know the gate code.", "What is the gate code?", True),
        # other phrases, or another thing
        ("Could you tell me the wifi password?", "What is the guest wifi password?", False),
        ("Could you tell me the wifi password?", "Is there a wifi password?", False),
    ],
)
def test_a_request_for_the_thing_asks_what_it_is(asked: str, stored: str, same: bool) -> None:
    _check(asked, stored, same)


def test_concealed_question_only_after_an_information_frame() -> None:
    assert concealed_question("tell me the code", "the code") == "what is the code"
    assert concealed_question("give me the key", "the key") == "the key"
    assert concealed_question("tell me a good time", "a good time") == "a good time"
    assert concealed_question("the code", "the code") == "the code"


@pytest.mark.parametrize(
    ("asked", "stored", "same"),
    [
        # a bare "date" or "day" heading a "when" question names nothing "when" does not
        ("What is the date of the village fete?", "When is the village fete?", True),
        ("village fete date?", "What date is the village fete?", True),
        ("When is the fete date?", "When is the fete?", True),
        # other events, other heads, other tenses
        ("What is the date of the village fete?", "When is the village show?", False),
        ("What is the deadline for the village fete?", "When is the village fete?", False),
        ("What was the date of the village fete?", "When is the village fete?", False),
    ],
)
def test_a_date_head_asks_when(asked: str, stored: str, same: bool) -> None:
    _check(asked, stored, same)


@pytest.mark.parametrize(
    ("asked", "stored", "same"),
    [
        ("How far away is the beach?", "How far is the beach?", True),
        ("How far away is the beach?", "How far is the harbour?", False),
        ("How far away is the beach?", "How long is the beach?", False),
        # "What ... worth?" asks "how much ... worth", never the price
        ("What is the gift card worth?", "How much is the gift card worth?", True),
        ("What is the gift card worth?", "How much is the gift card?", False),
        ("What was the gift card worth?", "How much is the gift card worth?", False),
    ],
)
def test_words_the_question_word_says(asked: str, stored: str, same: bool) -> None:
    _check(asked, stored, same)


def test_maximum_is_read_as_a_comparative() -> None:
    form = canonical("How tall can the hedge be?")
    assert form.wh == ("how tall",)
    assert form.comparatives == ("maximum",)
    assert form.modals == ()
