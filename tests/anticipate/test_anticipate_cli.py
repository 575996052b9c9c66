"""``sleeptime ask`` says when it served an anticipated answer; ``--no-anticipated`` skips it."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from click.testing import CliRunner

from sleeptime.cli.main import cli

TEXT = "The office opens at 9 and closes at 17. It has 3 rooms with 8 seats each.\n"
SLEEP = (
    "<notes>Seats: 3 * 8 = 24.\nQ: How many seats are there in total?\nA: 24 seats.</notes>"
    "<finish/>"
)
UNTRACED = "<notes>Q: How many seats are there in total?\nA: 26 seats.</notes><finish/>"


def _replies(tmp_path: Path, name: str, *texts: str) -> str:
    path = tmp_path / f"{name}.json"
    path.write_text(json.dumps(list(texts)), encoding="utf-8")
    return str(path)


Run = Callable[..., tuple[int, str, str]]


def _office(tmp_path: Path, db_url: str) -> Run:
    """Add the office context and return a runner of CLI commands against the same store."""
    runner = CliRunner()
    env = {"SLEEPTIME_DATABASE_URL": db_url}

    def run(*args: str) -> tuple[int, str, str]:
        result = runner.invoke(cli, list(args), env=env)
        return result.exit_code, result.stdout, result.stderr

    context = tmp_path / "office.txt"
    context.write_text(TEXT, encoding="utf-8")
    assert run("context", "add", "office", str(context))[0] == 0
    return run


def test_ask_serves_and_can_skip_anticipated(tmp_path: Path, db_url: str) -> None:
    run = _office(tmp_path, db_url)
    code, out, _ = run(
        "sleep", "office", "--backend", "scripted", "--quiet",
        "--model", _replies(tmp_path, "sleep", SLEEP),
    )  # fmt: skip
    assert code == 0, out
    assert "anticipated answers stored: 1" in out

    empty = _replies(tmp_path, "none")  # a model call would fail: no replies queued
    code, out, err = run(
        "ask", "office", "How many seats are there in total?", "--backend", "scripted",
        "--model", empty,
    )  # fmt: skip
    assert code == 0, out + err
    assert out.strip() == "24 seats."
    assert "[served from an anticipated answer]" in err

    code, out, err = run(
        "ask", "office", "How many seats are there in total?", "--no-anticipated",
        "--backend", "scripted", "--model", _replies(tmp_path, "ask", "The answer is 24."),
    )  # fmt: skip
    assert code == 0, out + err
    assert out.strip() == "The answer is 24."
    assert "anticipated" not in err

    code, out, _ = run(
        "ask", "office", "How many seats are there in total?", "--json",
        "--backend", "scripted", "--model", empty,
    )  # fmt: skip
    record = json.loads(out)
    assert record["served"] == "anticipated"
    assert record["usage"]["completion_tokens"] == 0


def test_sleep_anticipate_off(tmp_path: Path, db_url: str) -> None:
    runner = CliRunner()
    env = {"SLEEPTIME_DATABASE_URL": db_url}
    context = tmp_path / "office.txt"
    context.write_text(TEXT, encoding="utf-8")
    runner.invoke(cli, ["context", "add", "office", str(context)], env=env)
    result = runner.invoke(
        cli,
        ["sleep", "office", "--backend", "scripted", "--quiet", "--anticipate", "off",
         "--model", _replies(tmp_path, "sleep", SLEEP)],
        env=env,
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "anticipated answers stored" not in result.stdout


def test_an_answer_the_sleep_run_could_not_verify_is_not_served_by_default(
    tmp_path: Path, db_url: str
) -> None:
    run = _office(tmp_path, db_url)
    code, out, _ = run(
        "sleep", "office", "--backend", "scripted", "--quiet",
        "--model", _replies(tmp_path, "sleep", UNTRACED),
    )  # fmt: skip
    assert code == 0, out
    # 26 is neither in the context nor a checked calculation's result: the model answers.
    code, out, err = run(
        "ask", "office", "How many seats are there in total?", "--backend", "scripted",
        "--model", _replies(tmp_path, "ask", "3 * 8 = 24. The answer is 24."),
    )  # fmt: skip
    assert code == 0, out + err
    assert out.strip() == "3 * 8 = 24. The answer is 24."
    assert "[served from an anticipated answer]" not in err
    code, out, err = run(
        "ask", "office", "How many seats are there in total?", "--serve-unverified",
        "--backend", "scripted", "--model", _replies(tmp_path, "none"),
    )  # fmt: skip
    assert code == 0, out + err
    assert out.strip() == "26 seats." and "[served from an anticipated answer]" in err
