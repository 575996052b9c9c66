"""Answer prompts: a fixed prefix per context/notes/layout, then the question and budget."""

from __future__ import annotations

import itertools

import pytest

from sleeptime.answer import LAYOUTS, build_answer_prompt
from sleeptime.answer.prompt import Layout, Mode
from sleeptime.errors import InputError
from sleeptime.prompts import load_prompt

CONTEXT = "The office opens at 9 and closes at 17. It has 3 rooms."
NOTES = "Open 9-17 (8 hours). Rooms: 3."
CASES: list[tuple[Mode, Layout]] = [
    ("baseline", "replace"),
    ("sleep", "replace"),
    ("sleep", "both"),
]


def _build(mode: Mode, layout: Layout, question: str = "How many rooms?", level: int = 2):  # type: ignore[no-untyped-def]
    return build_answer_prompt(
        mode=mode, layout=layout, context=CONTEXT, notes=NOTES, question=question, level=level
    )


@pytest.mark.parametrize(("mode", "layout"), CASES)
def test_question_and_budget_come_after_the_prefix(mode: Mode, layout: Layout) -> None:
    prompt = _build(mode, layout, "How many rooms?", 4)
    system, user = prompt.messages
    assert system.role == "system" and user.role == "user"
    assert system.content == load_prompt("answer_system").render()
    assert user.content.startswith(prompt.prefix)
    tail = user.content[len(prompt.prefix) :]
    assert "Question: How many rooms?" in tail
    assert load_prompt("budget_4").render() in tail
    assert tail.index("How many rooms?") < tail.index(load_prompt("budget_4").render())
    assert "How many rooms?" not in prompt.prefix
    assert load_prompt("budget_4").render() not in prompt.prefix


@pytest.mark.parametrize(("mode", "layout"), CASES)
def test_prefix_is_identical_across_questions_and_budgets(mode: Mode, layout: Layout) -> None:
    questions = ["How many rooms?", "When does it close?", "Q" * 500]
    prompts = [
        _build(mode, layout, q, level) for q, level in itertools.product(questions, range(5))
    ]
    prefixes = {p.prefix for p in prompts}
    assert len(prefixes) == 1
    [prefix] = prefixes
    # The cacheable part is the whole token stream up to the question: system + prefix.
    assert {p.messages[0].content for p in prompts} == {prompts[0].messages[0].content}
    assert all(p.messages[1].content.startswith(prefix + "\n\n") for p in prompts)
    assert len({p.messages[1].content for p in prompts}) == len(prompts)


def test_baseline_prefix_holds_the_context_only() -> None:
    prompt = _build("baseline", "both")
    assert CONTEXT in prompt.prefix
    assert NOTES not in prompt.prefix


def test_baseline_needs_no_notes() -> None:
    prompt = build_answer_prompt(
        mode="baseline", layout="replace", context=CONTEXT, notes=None, question="q?", level=0
    )
    assert CONTEXT in prompt.prefix


def test_sleep_replace_prefix_holds_the_notes_only() -> None:
    prompt = _build("sleep", "replace")
    assert NOTES in prompt.prefix
    assert CONTEXT not in prompt.prefix


def test_sleep_both_prefix_holds_context_then_notes() -> None:
    prompt = _build("sleep", "both")
    assert prompt.prefix.index(CONTEXT) < prompt.prefix.index(NOTES)


def test_prefixes_differ_by_layout_and_mode() -> None:
    assert len({_build(mode, layout).prefix for mode, layout in CASES}) == 3


def test_sleep_mode_without_notes_says_to_sleep_first() -> None:
    for layout in LAYOUTS:
        with pytest.raises(InputError, match="sleeptime sleep"):
            build_answer_prompt(
                mode="sleep", layout=layout, context=CONTEXT, notes=None, question="q", level=1
            )


@pytest.mark.parametrize(
    ("mode", "layout", "prefix_name"),
    [
        ("baseline", "replace", "answer_baseline"),
        ("sleep", "replace", "answer_notes"),
        ("sleep", "both", "answer_context_and_notes"),
    ],
)
def test_prompt_version_names_every_prompt_used(
    mode: Mode, layout: Layout, prefix_name: str
) -> None:
    prompt = _build(mode, layout, level=3)
    expected = "+".join(
        load_prompt(name).key
        for name in ("answer_system", prefix_name, "answer_question", "budget_3")
    )
    assert prompt.prompt_version == expected


def test_dollar_signs_in_text_are_kept_verbatim() -> None:
    # string.Template must not treat $ in user text as placeholders.
    prompt = build_answer_prompt(
        mode="sleep",
        layout="both",
        context="Price: $5 or ${total}",
        notes="Total $10",
        question="Is $x cheap?",
        level=0,
    )
    user = prompt.messages[1].content
    assert "Price: $5 or ${total}" in user and "Total $10" in user and "Is $x cheap?" in user
