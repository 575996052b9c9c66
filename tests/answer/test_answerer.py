"""``answer_question`` and question validation, on the scripted backend."""

from __future__ import annotations

import pytest

from sleeptime.answer import answer_question, make_budget, validate_question
from sleeptime.answer.answerer import MAX_QUESTION_CHARS
from sleeptime.backends import ChatResult, ScriptedBackend, Usage
from sleeptime.errors import ContextTooLargeError, InputError

CONTEXT = "The office opens at 9 and closes at 17. It has 3 rooms."
NOTES = "Open 9-17. Rooms: 3."


def test_validate_strips() -> None:
    assert validate_question("  How many rooms?\n") == "How many rooms?"


@pytest.mark.parametrize("question", ["", "   ", "\n\t "])
def test_validate_empty(question: str) -> None:
    with pytest.raises(InputError, match="empty"):
        validate_question(question)


def test_validate_nul() -> None:
    with pytest.raises(InputError, match="NUL"):
        validate_question("how\x00many")


def test_validate_length_limit() -> None:
    assert validate_question("q" * MAX_QUESTION_CHARS)
    with pytest.raises(InputError, match=f"{MAX_QUESTION_CHARS + 1} characters"):
        validate_question("q" * (MAX_QUESTION_CHARS + 1))


async def test_sleep_answer_from_notes() -> None:
    backend = ScriptedBackend(["  There are 3 rooms. The answer is 3.\n"])
    answer = await answer_question(
        backend,
        question=" How many rooms? ",
        context=CONTEXT,
        notes=NOTES,
        mode="sleep",
        layout="replace",
        budget=make_budget(1),
        seed=3,
    )
    assert answer.text == "There are 3 rooms. The answer is 3."
    assert answer.final == "3"
    assert (answer.mode, answer.layout, answer.budget.level) == ("sleep", "replace", 1)
    assert answer.finish_reason == "stop"
    assert answer.usage.calls == 1 and answer.usage.completion_tokens > 0
    assert answer.latency_s >= 0
    assert "answer_notes@v" in answer.prompt_version
    [request] = backend.requests
    assert request.temperature == 0.0
    assert request.max_tokens == 96
    assert request.seed == 3
    user = request.messages[1].content
    assert NOTES in user and CONTEXT not in user
    assert "Question: How many rooms?\n" in user  # stripped


async def test_baseline_answer_has_no_layout() -> None:
    backend = ScriptedBackend(["The answer is 17."])
    answer = await answer_question(
        backend,
        question="When does it close?",
        context=CONTEXT,
        notes=None,
        mode="baseline",
        layout="both",
        budget=make_budget(0, 5),
    )
    assert answer.layout is None
    assert answer.final == "17"
    assert backend.requests[0].max_tokens == 5
    assert CONTEXT in backend.requests[0].messages[1].content


async def test_usage_is_the_backends() -> None:
    usage = Usage(prompt_tokens=321, cached_prompt_tokens=300, completion_tokens=12, calls=1)
    backend = ScriptedBackend(
        [ChatResult(text="No answer here", usage=usage, finish_reason="length")]
    )
    answer = await answer_question(
        backend,
        question="q?",
        context=CONTEXT,
        notes=NOTES,
        mode="sleep",
        layout="both",
        budget=make_budget(2),
    )
    assert answer.usage.prompt_tokens == 321
    assert answer.usage.cached_prompt_tokens == 300
    assert answer.final is None
    assert answer.finish_reason == "length"


@pytest.mark.parametrize(
    ("mode", "layout", "fix"),
    [
        ("baseline", "replace", "shorten the context"),
        ("sleep", "both", "use the layout 'replace'"),
        ("sleep", "replace", "smaller memory_chars"),
    ],
)
async def test_prompt_over_the_window_is_refused_before_calling(
    mode: str, layout: str, fix: str
) -> None:
    backend = ScriptedBackend(["The answer is 3."], context_window=40)
    with pytest.raises(ContextTooLargeError, match=fix):
        await answer_question(
            backend,
            question="How many rooms?",
            context=CONTEXT,
            notes=NOTES,
            mode=mode,  # type: ignore[arg-type]
            layout=layout,  # type: ignore[arg-type]
            budget=make_budget(2),
        )
    assert backend.requests == []


async def test_prompt_within_the_window_is_answered() -> None:
    backend = ScriptedBackend(["The answer is 3."], context_window=4096)
    answer = await answer_question(
        backend,
        question="How many rooms?",
        context=CONTEXT,
        notes=NOTES,
        mode="sleep",
        layout="replace",
        budget=make_budget(2),
    )
    assert answer.final == "3"


async def test_invalid_question_is_refused_before_calling() -> None:
    backend = ScriptedBackend(["The answer is 3."])
    with pytest.raises(InputError):
        await answer_question(
            backend,
            question="  ",
            context=CONTEXT,
            notes=NOTES,
            mode="sleep",
            layout="replace",
            budget=make_budget(2),
        )
    assert backend.requests == []
