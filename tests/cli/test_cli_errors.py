"""Bad input on the command line: one clear line on stderr, a distinct exit code, no traceback."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import click
import pytest
from click.testing import Result

from sleeptime.cli.main import cli

Invoke = Callable[..., Result]
Replies = Callable[..., str]
SCRIPTED = ("--backend", "scripted")


def _clean_error(result: Result, code: int, *parts: str) -> None:
    assert result.exit_code == code, result.output
    assert isinstance(result.exception, SystemExit)
    assert "Traceback" not in result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: ")
    for part in parts:
        assert part in lines[0]


def test_unknown_context_everywhere(invoke: Invoke, replies: Replies) -> None:
    model = replies("x")
    for args in (
        ("ask", "nope", "q?", *SCRIPTED, "--model", model),
        ("sleep", "nope", *SCRIPTED, "--model", model, "--quiet"),
        ("stats", "nope"),
        ("runs", "list", "nope"),
        ("context", "show", "nope"),
    ):
        _clean_error(invoke(*args), 3, "no context named 'nope'", "sleeptime context add nope FILE")


def test_empty_file(invoke: Invoke, tmp_path: Path) -> None:
    path = tmp_path / "empty.txt"
    path.write_bytes(b"")
    _clean_error(invoke("context", "add", "x", str(path)), 2, "is empty")


def test_whitespace_file(invoke: Invoke, tmp_path: Path) -> None:
    path = tmp_path / "blank.txt"
    path.write_text("  \n\n\t", encoding="utf-8")
    _clean_error(invoke("context", "add", "x", str(path)), 2, "is empty")


def test_non_utf8_file(invoke: Invoke, tmp_path: Path) -> None:
    path = tmp_path / "latin.txt"
    path.write_bytes("Caf\u00e9 opens at 9".encode("latin-1"))
    _clean_error(invoke("context", "add", "x", str(path)), 2, "not UTF-8", "iconv")


def test_missing_file_and_directory(invoke: Invoke, tmp_path: Path) -> None:
    _clean_error(invoke("context", "add", "x", str(tmp_path / "nope.txt")), 2, "no such file")
    # A folder is a directory context; a missing folder says so.
    _clean_error(invoke("context", "add", "x", f"{tmp_path / 'nope'}/"), 2, "does not exist")


def test_bad_context_name(invoke: Invoke, context_file: Path) -> None:
    _clean_error(invoke("context", "add", " x", str(context_file)), 2, "whitespace")


@pytest.mark.parametrize("budget", ["7", "-1", "two"])
def test_budget_out_of_range_is_a_usage_error(invoke: Invoke, added: str, budget: str) -> None:
    result = invoke("ask", "office", "q?", "--budget", budget)
    assert result.exit_code == 2
    assert "Invalid value for '--budget'" in result.stderr
    assert "Traceback" not in result.output


def test_bad_mode_is_a_usage_error(invoke: Invoke, added: str) -> None:
    result = invoke("ask", "office", "q?", "--mode", "fast")
    assert result.exit_code == 2
    assert "Invalid value for '--mode'" in result.stderr


def test_unknown_recipe(invoke: Invoke, added: str, replies: Replies) -> None:
    result = invoke("sleep", "office", *SCRIPTED, "--model", replies("x"), "--recipe", "foo")
    _clean_error(result, 2, "unknown sleep recipe 'foo'", "parallel:K")
    assert invoke("runs", "list", "office").stdout.startswith("no sleep runs")


@pytest.mark.parametrize(
    "option",
    [
        ("--max-rounds", "0"),
        ("--memory-chars", "10"),
        ("--round-tokens", "1"),
        ("--max-sleep-tokens", "0"),
    ],
)
def test_bad_sleep_budget(invoke: Invoke, added: str, option: tuple[str, str]) -> None:
    _clean_error(invoke("sleep", "office", *SCRIPTED, *option, "--quiet"), 2)


def test_unknown_backend(invoke: Invoke, added: str) -> None:
    for args in (("sleep", "office", "--quiet"), ("ask", "office", "q?", "--mode", "baseline")):
        _clean_error(invoke(*args, "--backend", "nope"), 4, "unknown backend 'nope'", "scripted")
    assert invoke("runs", "list", "office").stdout.startswith("no sleep runs")


def test_scripted_model_that_is_not_a_file(invoke: Invoke, added: str, tmp_path: Path) -> None:
    result = invoke("sleep", "office", *SCRIPTED, "--model", str(tmp_path / "none.json"), "--quiet")
    _clean_error(result, 4, "is not a file")


def test_ask_in_sleep_mode_before_sleeping(invoke: Invoke, added: str, replies: Replies) -> None:
    result = invoke("ask", "office", "How many rooms?", *SCRIPTED, "--model", replies("x"))
    _clean_error(result, 3, "has no notes yet", "sleeptime sleep office", "--mode baseline")


@pytest.mark.parametrize("question", ["", "   "])
def test_empty_question(invoke: Invoke, added: str, question: str) -> None:
    result = invoke("ask", "office", question, "--mode", "baseline", *SCRIPTED)
    _clean_error(result, 2, "the question is empty")


def test_backend_failure_during_sleep(invoke: Invoke, added: str, replies: Replies) -> None:
    # One reply for a run that needs more: the scripted backend runs dry, a BackendError.
    result = invoke(
        "sleep",
        "office",
        *SCRIPTED,
        "--model",
        replies("<notes>a b c</notes>"),
        "--quiet",
        "--max-rounds",
        "3",
    )
    _clean_error(result, 5, "ran out of replies")
    [line] = invoke("runs", "list", "office").stdout.splitlines()
    assert "failed" in line


def test_model_writing_garbage(invoke: Invoke, added: str, replies: Replies) -> None:
    model = replies("ok", "no", "hmm")
    result = invoke("sleep", "office", *SCRIPTED, "--model", model, "--max-rounds", "3", "--quiet")
    _clean_error(result, 1, "wrote no notes", "sleeptime runs show")


def _commands(group: click.Group, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    found = [prefix]
    for name, command in group.commands.items():
        if isinstance(command, click.Group):
            found.extend(_commands(command, (*prefix, name)))
        else:
            found.append((*prefix, name))
    return found


def test_every_command_has_fast_help(invoke: Invoke) -> None:
    commands = _commands(cli)
    assert ("context", "add") in commands and ("runs", "show") in commands and ("demo",) in commands
    # "Fast" is checked as "imports nothing heavy" in a fresh process (test_cli_entry_point):
    # a wall-clock bound here failed whenever the machine was busy.
    for command in commands:
        result = invoke(*command, "--help")
        assert result.exit_code == 0, (command, result.output)
        assert "Usage: " in result.stdout
    assert invoke("-h").exit_code == 0
