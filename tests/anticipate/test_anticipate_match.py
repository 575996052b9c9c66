"""The matcher serves a stored answer only for the same question; the required false-hit test."""

from __future__ import annotations

from typing import Any

import pytest

from sleeptime.anticipate import (
    PERTURBATION_KINDS,
    compare_questions,
    match_anticipated,
    match_structural,
    paraphrases,
    perturbations,
)
from sleeptime.backends import ScriptedBackend


def _items(eval_set: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        {"question": q["question"], "answer": q["answer"], "source": "notes"}
        for context in eval_set["contexts"]
        for q in context["questions"]
    ]


def test_every_perturbed_question_is_rejected(eval_set: dict[str, Any]) -> None:
    items = _items(eval_set)
    kinds: set[str] = set()
    total = 0
    for item in items:
        for variant in perturbations(item["question"]):
            kinds.add(variant.kind)
            total += 1
            result = match_structural(variant.text, items)
            assert not result.hit, (variant.kind, variant.text, result.candidate)
    assert kinds == set(PERTURBATION_KINDS)
    assert total >= 150


def test_every_benign_paraphrase_is_served_its_own_answer(eval_set: dict[str, Any]) -> None:
    items = _items(eval_set)
    for item in items:
        for variant in paraphrases(item["question"]):
            result = match_structural(variant.text, items)
            assert result.item is not None, (variant.kind, variant.text, result.reason)
            assert result.item["answer"] == item["answer"]
            assert result.usage.total_tokens == 0 and result.verifier == "structural"


@pytest.mark.parametrize(
    ("asked", "stored"),
    [
        ("How many apples does Tom have?", "how many apples does tom have"),
        ("How many  apples does Tom have ?!", "How many apples does Tom have?"),
        ("What's the total cost?", "What is the total cost?"),
        ("Why doesn't the tap work?", "Why does the tap not work?"),
        ("How much is 3 kg of flour?", "How much is three kilograms of flour?"),
        ("How much are twenty-five apples?", "How much are 25 apples?"),
        ("Does it cost $2.50?", "Does it cost 2.50 dollars?"),
        ("Is it 50% off?", "Is it 50 percent off?"),
        ("Is half of it gone?", "Is 1/2 of it gone?"),
        ("What is 0.5 of it?", "What is .50 of it?"),
        ("How many beds are there, please?", "How many beds are there?"),
    ],
)
def test_same_question_is_accepted(asked: str, stored: str) -> None:
    assert compare_questions(asked, stored).ok, compare_questions(asked, stored).reason


@pytest.mark.parametrize(
    ("asked", "stored", "why"),
    [
        ("How many apples does Tom have?", "How many apples does Tom not have?", "negations"),
        ("How many apples does Tom have?", "How many apples doesn't Tom have?", "negations"),
        ("How much with tax?", "How much without tax?", "negations"),
        ("Who came, except Ann?", "Who came?", "negations"),
        ("What is the price of 3 loaves?", "What is the price of three loaves?", "accept"),
        ("What is the price of 3 loaves?", "What is the price of four loaves?", "numbers"),
        ("What is 2.5 times 4?", "What is 25 times 4?", "numbers"),
        ("What is 1/2 of 8?", "What is 1/3 of 8?", "numbers"),
        ("Is it 50% off?", "Is it 60% off?", "numbers"),
        ("How long in minutes?", "How long in hours?", "units"),
        ("Does it cost 5 dollars?", "Does it cost 5 cents?", "units"),
        ("Is it 10 km?", "Is it 10 miles?", "units"),
        ("Is it 2 kg?", "Is it 2 g?", "units"),
        ("Is it 5 percent?", "Is it 5 points?", "units"),
        ("How old is Anna Smith?", "How old is Omar Smith?", "name"),
        ("Which bed has the most plants?", "Which bed has the least plants?", "comparatives"),
        ("Who arrived before noon?", "Who arrived after noon?", "comparatives"),
        ("Who finished first?", "Who finished last?", "comparatives"),
        ("Are there more apples than pears?", "Are there fewer apples than pears?", "comp"),
        ("Are there more apples than pears?", "Are there more pears than apples?", "content"),
        ("How much does each pay?", "How much do they pay in total?", "quantifiers"),
        ("What is the cost per day?", "What is the average cost?", "quantifiers"),
        ("How much did he pay?", "How much did she pay?", "pronouns"),
        ("When does the shop open?", "Where does the shop open?", "question words"),
        ("How many red apples are in the basket?", "How many apples are in the basket?", "c"),
    ],
)
def test_different_question_is_rejected(asked: str, stored: str, why: str) -> None:
    verdict = compare_questions(asked, stored)
    assert verdict.ok is (why == "accept"), verdict.reason


def test_the_closest_candidate_is_reported_on_a_miss() -> None:
    items: list[dict[str, Any]] = [
        {"question": "How many rooms are there?", "answer": "3"},
        {"bad": 1},
    ]
    result = match_structural("How many rooms are not there?", items)
    assert not result.hit and result.checked == 1
    assert result.candidate == "How many rooms are there?"
    assert "negations" in result.reason
    assert match_structural("Anything?", []).candidate is None


async def test_model_confirmation_can_only_reject() -> None:
    items = [{"question": "How many rooms are there?", "answer": "3"}]
    yes = ScriptedBackend(["Yes"])
    hit = await match_anticipated("how many rooms are there", items, backend=yes)
    assert hit.hit and hit.verifier == "structural+model"
    assert hit.usage.completion_tokens > 0 and len(yes.requests) == 1
    assert yes.requests[0].max_tokens == 2
    no = ScriptedBackend(["No"])
    refused = await match_anticipated("how many rooms are there", items, backend=no)
    assert not refused.hit
    never_asked = ScriptedBackend(["Yes"])
    miss = await match_anticipated("How many rooms are not there?", items, backend=never_asked)
    assert not miss.hit and not never_asked.requests
