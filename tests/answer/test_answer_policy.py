"""``--layout auto``: notes beside the context at low budgets, the context alone at high ones."""

from __future__ import annotations

import pytest

from sleeptime.answer import AUTO_LAYOUTS, build_answer_prompt, resolve_layout
from sleeptime.answer.policy import describe_auto
from sleeptime.errors import InputError


def test_every_budget_level_has_an_auto_layout() -> None:
    assert sorted(AUTO_LAYOUTS) == [0, 1, 2, 3, 4]
    assert all(resolve_layout("auto", level) == AUTO_LAYOUTS[level] for level in range(5))


def test_explicit_layouts_are_kept_and_unknown_ones_refused() -> None:
    for layout in ("replace", "both", "derived", "context"):
        assert resolve_layout(layout, 4) == layout
    with pytest.raises(InputError, match="auto, replace, both, derived, context"):
        resolve_layout("notes-first", 0)


def test_description_follows_the_table() -> None:
    assert describe_auto() == "c and the notes that add to it at budget 0, c alone at budgets 1-4"


def test_context_layout_in_sleep_mode_is_the_baseline_prompt_with_the_policy_version() -> None:
    kwargs = {"context": "Ann has 3 cats.", "notes": "Q: cats? A: 3", "question": "Cats?"}
    sleep = build_answer_prompt(mode="sleep", layout="auto", level=4, **kwargs)
    base = build_answer_prompt(mode="baseline", layout="auto", level=4, **kwargs)
    assert sleep.messages == base.messages  # identical requests: a call log replays them
    assert sleep.layout == "context" and "Q: cats?" not in sleep.messages[1].content
    assert sleep.prompt_version == base.prompt_version + "+auto@v3"
    low = build_answer_prompt(mode="sleep", layout="auto", level=0, **kwargs)
    assert low.layout == "context"  # the only note restates c (3 cats): nothing to add
    kwargs["notes"] = "Q: legs? A: 3 * 4 = 12"
    low = build_answer_prompt(mode="sleep", layout="auto", level=0, **kwargs)
    assert low.layout == "derived" and "Q: legs?" in low.messages[1].content


def test_sleep_mode_needs_notes_whatever_the_layout() -> None:
    with pytest.raises(InputError, match="sleeptime sleep"):
        build_answer_prompt(
            mode="sleep", layout="context", level=4, context="c", notes=None, question="q"
        )
