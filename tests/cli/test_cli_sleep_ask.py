"""``sleeptime sleep``, ``ask``, ``stats`` and ``runs`` through CliRunner, scripted backend."""

from __future__ import annotations

import json
from collections.abc import Callable

from click.testing import Result

Invoke = Callable[..., Result]
Replies = Callable[..., str]
SCRIPTED = ("--backend", "scripted")


def test_sleep_quiet_prints_the_result(invoke: Invoke, added: str, replies: Replies) -> None:
    model = replies("<notes>Open 9-17. Rooms: 3.</notes>", "<finish/>")
    result = invoke("sleep", "office", *SCRIPTED, "--model", model, "--quiet")
    assert result.exit_code == 0, result.output
    assert "slept on 'office': run " in result.stdout
    assert "2 rounds" in result.stdout
    assert "notes: 20 characters" in result.stdout
    assert 'next: sleeptime ask office "your question"' in result.stdout
    assert result.stderr == ""


def test_sleep_with_progress_display(invoke: Invoke, added: str, replies: Replies) -> None:
    model = replies("<notes>Open 9-17.</notes><finish/>")
    result = invoke("sleep", "office", *SCRIPTED, "--model", model)
    assert result.exit_code == 0, result.output
    assert "slept on 'office'" in result.stdout
    assert "loop 1" in result.stderr


def test_sleep_parallel(invoke: Invoke, added: str, replies: Replies) -> None:
    model = replies(*["<notes>Rooms: 3.</notes><finish/>"] * 3)
    result = invoke(
        "sleep", "office", *SCRIPTED, "--model", model, "--recipe", "parallel:3", "--quiet"
    )
    assert result.exit_code == 0, result.output
    assert "3 rounds" in result.stdout
    shown = invoke("context", "show", "office")
    assert "[Notes 3]" in shown.stdout


def test_ask_sleep_and_baseline(invoke: Invoke, slept: str, replies: Replies) -> None:
    model = replies("There are 24 seats. The answer is 24.")
    sleep = invoke("ask", "office", "How many seats?", *SCRIPTED, "--model", model)
    assert sleep.exit_code == 0, sleep.output
    assert sleep.stdout.strip() == "There are 24 seats. The answer is 24."
    assert "[sleep, budget 0:" in sleep.stderr

    base = invoke(
        "ask", "office", "How many seats?", *SCRIPTED, "--model", model, "--mode", "baseline"
    )
    assert base.exit_code == 0, base.output
    assert "[baseline, budget 0:" in base.stderr


def test_ask_json(invoke: Invoke, slept: str, replies: Replies) -> None:
    model = replies("There are 24 seats. The answer is 24.")
    result = invoke(
        "ask",
        "office",
        "How many seats?",
        *SCRIPTED,
        "--model",
        model,
        "--json",
        "--budget",
        "0",
        "--layout",
        "both",
        "--max-tokens",
        "100",
    )
    assert result.exit_code == 0, result.output
    record = json.loads(result.stdout)
    assert record["answer"] == "There are 24 seats. The answer is 24."
    assert record["final"] == "24"
    assert (record["mode"], record["layout"], record["budget"]) == ("sleep", "both", 0)
    assert record["artifact_id"] is not None
    assert record["query_id"] >= 1
    assert record["usage"]["completion_tokens"] > 0
    assert record["usage"]["calls"] == 1
    assert "answer_context_and_notes@v" in record["prompt_version"]

    base = invoke(
        "ask",
        "office",
        "How many seats?",
        *SCRIPTED,
        "--model",
        model,
        "--json",
        "--mode",
        "baseline",
    )
    record = json.loads(base.stdout)
    assert record["artifact_id"] is None
    assert record["layout"] is None


def test_stats_before_and_after_both_modes(invoke: Invoke, slept: str, replies: Replies) -> None:
    model = replies("The answer is 24.")
    invoke("ask", "office", "How many seats?", *SCRIPTED, "--model", model)
    one = invoke("stats", "office")
    assert one.exit_code == 0, one.output
    assert "office, revision 1" in one.stdout
    assert "ask in both modes" in one.stdout
    assert "amortized" not in one.stdout

    invoke("ask", "office", "How many seats?", *SCRIPTED, "--model", model, "--mode", "baseline")
    both = invoke("stats", "office", "--t", "5")
    assert both.exit_code == 0, both.output
    assert "amortized cost per query, t=5" in both.stdout
    assert "ask in both modes" not in both.stdout


def test_stats_bad_t(invoke: Invoke, added: str) -> None:
    result = invoke("stats", "office", "--t", "0")
    assert result.exit_code == 2
    assert "positive" in result.stderr


def test_runs_list_and_show(invoke: Invoke, slept: str) -> None:
    listed = invoke("runs", "list", "office")
    assert listed.exit_code == 0, listed.output
    [line] = listed.stdout.splitlines()
    run_prefix = line.split()[0]
    assert "complete" in line and "rethink" in line and "rounds 2" in line

    shown = invoke("runs", "show", run_prefix)
    assert shown.exit_code == 0, shown.output
    record = json.loads(shown.stdout)
    assert record["id"].startswith(run_prefix)
    assert record["status"] == "complete"
    assert record["rounds"] == 2
    assert record["backend"] == "scripted"
    assert record["settings"]["budget"]["max_rounds"] == 10
    assert "sleep_round" in record["prompt_versions"]
    assert record["error"] is None


def test_runs_list_empty(invoke: Invoke, added: str) -> None:
    result = invoke("runs", "list", "office")
    assert result.exit_code == 0
    assert "no sleep runs for 'office'" in result.stdout


def test_cut_off_run_is_listed_with_its_partial_notes(
    invoke: Invoke, added: str, replies: Replies
) -> None:
    model = replies("<notes>Partial: rooms 3.</notes>")
    result = invoke(
        "sleep", "office", *SCRIPTED, "--model", model, "--max-sleep-tokens", "5", "--quiet"
    )
    assert result.exit_code == 6
    assert "over its budget of 5" in result.stderr
    [line] = invoke("runs", "list", "office").stdout.splitlines()
    assert "cut_off" in line
    shown = invoke("runs", "show", line.split()[0])
    assert "partial notes (never served):\nPartial: rooms 3." in shown.stdout
    # No artifact was written, so sleep-mode questions are still refused.
    ask = invoke("ask", "office", "q?", *SCRIPTED, "--model", replies("x"))
    assert ask.exit_code == 3


def test_runs_show_unknown_and_short(invoke: Invoke) -> None:
    unknown = invoke("runs", "show", "abcdef12")
    assert unknown.exit_code == 3
    short = invoke("runs", "show", "abc")
    assert short.exit_code == 2
    assert "at least 6" in short.stderr
