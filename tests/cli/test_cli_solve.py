"""``sleeptime sleep --recipe solve:K`` through CliRunner on the scripted backend."""

from __future__ import annotations

from collections.abc import Callable

from click.testing import Result

Invoke = Callable[..., Result]
Replies = Callable[..., str]


def test_sleep_solve_writes_answer_first_notes(
    invoke: Invoke, added: str, replies: Replies
) -> None:
    model = replies(
        "Q1: How many seats are there in all the rooms?",
        "Each room seats 8.\n3 * 8 = 24\nThe answer is 24 seats.",
    )
    result = invoke(
        "sleep", "office", "--backend", "scripted", "--model", model, "--recipe", "solve:1:1",
        "--quiet",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "2 rounds" in result.stdout
    shown = invoke("context", "show", "office")
    assert "Q: How many seats are there in all the rooms?" in shown.stdout
    assert "A: 24 seats" in shown.stdout


def test_an_unknown_solve_recipe_says_what_to_use(invoke: Invoke, added: str) -> None:
    result = invoke("sleep", "office", "--backend", "scripted", "--recipe", "solve:1:99")
    assert result.exit_code != 0
    assert "solve:K" in result.output
