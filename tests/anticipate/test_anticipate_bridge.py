"""Fourth-round matching: typos, WordNet synonyms and derived forms, measure and money
frames, a passive naming the active's subject as a place; and the near-misses each must
still refuse.

The pairs are written for these tests, not taken from the evaluation sets.
"""

from __future__ import annotations

import pytest

from sleeptime.anticipate import compare_questions, wordnet
from sleeptime.anticipate.bridge import are_derived, are_synonyms, is_typo_of, one_edit_apart
from sleeptime.errors import ConfigError


@pytest.mark.parametrize(
    ("asked", "stored"),
    [
        # one-edit typos of a word of the stored question
        ("What time does the shcool bus leave?", "What time does the school bus leave?"),
        ("How many tickts did Ana buy for the concert?",
         "How many tickets did Ana buy for the concert?"),
        ("Who signs the delivery reciept?", "Who signs the delivery receipt?"),
        # a WordNet synonym in a common sense, a derived form
        ("How many places are left on the coach trip?",
         "How many seats are left on the coach trip?"),
        ("How much did the upgrade cut the deployment time by?",
         "How much did the upgrade cut the deploy time by?"),
        # money nouns, measure nouns
        ("What is the annual budget of the club?", "How much is the annual budget of the club?"),
        ("How big is the entry fee?", "How much is the entry fee?"),
        ("What is the size of the largest tent?", "How big is the largest tent?"),
        ("What is the distance to the summit?", "How far is the summit?"),
        ("whats the trip distance in km?", "How many km is the trip?"),
        # a passive that names the active's subject as a place
        ("When is dinner served in the hostel?", "When does the hostel serve dinner?"),
        ("How many pages are printed in each batch?", "How many pages does each batch print?"),
        # search-box plural, dates, versions, "last", "free of charge", abbreviations, frames
        ("spare keys in the office?", "How many spare keys are in the office?"),
        ("When is the closing date for entries?", "When do entries close?"),
        ("On what date was the rent paid?", "When was the rent paid?"),
        ("What is the default timeout in 2.1.0?", "What is the default timeout in version 2.1.0?"),
        ("How long does the tour last?", "How long is the tour?"),
        ("Can the room be cancelled free of charge?", "Can the room be cancelled for free?"),
        ("whats the price incl delivery?", "What is the price including delivery?"),
        ("Can you explain why the parcel was returned?", "Why was the parcel returned?"),
        ("Could you tell me how much the new tyres cost?", "How much did the new tyres cost?"),
        # after fresh4 (match2.6): "did" with a subject of its own asks for the object,
        # in any case; "how much" before a noun that is no money asks an amount of it
        ("Whom did Maria Lopez replace?", "Who did Maria Lopez replace?"),
        ("whom did maria lopez replace", "Who did Maria Lopez replace?"),
        ("Who was replaced by Maria Lopez?", "Who did Maria Lopez replace?"),
        ("Who was Maria Lopez replaced by?", "Who replaced Maria Lopez?"),
        ("How much did the March gas cost?", "What did the gas cost in March?"),
        ("How much did the gas used in March cost?", "What did the gas used in March cost?"),
        ("How much water was used in March?", "What amount of water was used in March?"),
        ("How much remains in the repair fund?", "How much is left in the repair fund?"),
    ],
)  # fmt: skip
def test_round_four_serves(asked: str, stored: str) -> None:
    verdict = compare_questions(asked, stored)
    assert verdict.ok, verdict.reason


@pytest.mark.parametrize(
    ("asked", "stored"),
    [
        # a real word is never a typo; a typo fixes only toward the stored word; a slip of
        # four letters only when it keeps the first letter (match2.8; "tkae" is one now)
        ("How many coats did Ana buy for the concert?",
         "How many costs did Ana buy for the concert?"),
        ("What time does the shcool bus leave?", "What time does the school bus arrive?"),
        ("How many tablets can an adult atke per day?",
         "How many tablets can an adult take per day?"),
        # co-hyponyms, light verbs, vague senses, agent nouns of one verb
        ("How much is the balance of the booking?", "How much is the deposit of the booking?"),
        ("Who plays the members' lunch?", "Who runs the members' lunch?"),
        ("How many rows are upserted in each heap?", "How many rows are upserted in each batch?"),
        ("Who is the employee of the month?", "Who is the employer of the month?"),
        ("Who lets the flat?", "Who rents the flat?"),
        # a sense shared only far down both lists ("return"/"deliver": {render, deliver,
        # return}); "still" asks what is left (both were false hits on fresh3)
        ("When will the package be returned?", "When will the package be delivered?"),
        ("How long is the laptop still under guarantee?",
         "How long is the laptop under guarantee?"),
        # the place must be "in"/"at"; a named subject is never set aside
        ("When is dinner served for the hostel?", "When does the hostel serve dinner?"),
        ("When does Maria serve dinner?", "When is dinner served in the hostel?"),
        # measures and money stay apart; a stranded preposition asks for its object
        ("What is the size of the entry fee?", "How big is the largest tent?"),
        ("How big is the largest tent?", "How much is the largest tent?"),
        ("What is the age of the tent?", "How big is the tent?"),
        ("What is the learning budget for?", "How much is the learning budget?"),
        ("What is the deposit for?", "How much is the deposit?"),
        # dates, versions, tense, abbreviations, plurals
        ("When is the opening date for entries?", "When do entries close?"),
        ("What is the default timeout in 2.1.1?", "What is the default timeout in version 2.1.0?"),
        ("How long does the tour last?", "How long was the tour?"),
        ("How much do the new tyres cost?", "How much did the new tyres cost?"),
        ("whats the price excl delivery?", "What is the price including delivery?"),
        ("spare key prices in the office?", "How many spare keys are in the office?"),
        # who replaced whom; money for an amount of something (false hits on fresh4)
        ("Who replaced Maria Lopez?", "Who did Maria Lopez replace?"),
        ("who replaced maria lopez", "Who did Maria Lopez replace?"),
        ("Who Did Maria Lopez Replace?", "Who replaced Maria Lopez?"),
        ("How much did the gas used in March cost?", "How much gas was used in March?"),
        ("How much did we pay for the water we used?", "How much water did we use?"),
    ],
)  # fmt: skip
def test_round_four_refuses(asked: str, stored: str) -> None:
    verdict = compare_questions(asked, stored)
    assert not verdict.ok, verdict.reason


def test_word_pairs() -> None:
    assert one_edit_apart("shool", "school") and one_edit_apart("recieve", "receive")
    assert not one_edit_apart("shool", "schools")
    assert is_typo_of("tablts", "tablets") and not is_typo_of("coats", "costs")
    assert not is_typo_of("nxt", "next")  # too short to tell from another word
    assert are_synonyms("seats", "places") and not are_synonyms("deposit", "balance")
    assert not are_synonyms("play", "run") and not are_synonyms("returned", "delivered")
    assert are_derived("deployment", "deploy") and not are_derived("employer", "employee")


def test_wordnet_reads_the_shipped_files() -> None:
    assert wordnet.is_word("school") and wordnet.is_word("cancelled")
    assert not wordnet.is_word("shool")
    assert wordnet.base_forms("stopped", "v") == ("stop",)
    first = wordnet.synset(wordnet.senses("seat", "n")[0], "n")
    assert first.words == ("seat", "place")


def test_missing_wordnet_says_what_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(wordnet, "_DISTRIBUTION", "no-such-distribution-here")
    wordnet._files.cache_clear()
    try:
        with pytest.raises(ConfigError, match="pip install"):
            wordnet._files()
    finally:
        monkeypatch.undo()
        wordnet._files.cache_clear()
