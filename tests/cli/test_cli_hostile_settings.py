"""Bad settings and arguments end in one line that says what is wrong, and nothing is written.

Each case is what a user (or a script with an empty variable) actually types: values that
do not parse, values out of range, databases that would silently lose every write, empty
names, and arguments that are not valid UTF-8 (they reach Python as lone surrogates).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from helpers.scripted_http import Reply, ScriptedHTTPServer
from sleeptime.cli.main import cli

CHAT = "POST /v1/chat/completions"


def _run(*args: str, env: dict[str, str] | None = None, input: str | None = None) -> Result:
    return CliRunner().invoke(cli, list(args), env=env, input=input)


def _one_line_error(result: Result, code: int) -> str:
    assert result.exit_code == code, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exc_info
    assert "Traceback" not in result.output, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1, result.output
    return lines[0]


@pytest.mark.parametrize(
    ("variable", "value", "allowed"),
    [
        ("SLEEPTIME_N_THREADS", "abc", "give a whole number"),
        ("SLEEPTIME_SEED", "xyz", "give a whole number"),
        ("SLEEPTIME_OPENAI_BATCH", "maybe", "give true or false"),
        ("SLEEPTIME_N_THREADS", "-3", "give a whole number >= 1"),
        ("SLEEPTIME_N_CTX", "0", "give a whole number >= 256"),
        ("SLEEPTIME_MAX_RETRIES", "-5", "give a whole number >= 0"),
        ("SLEEPTIME_KV_CACHE_MB", "-1", "give a whole number >= 0"),
        ("SLEEPTIME_REQUEST_TIMEOUT_S", "0", "give a number > 0"),
        ("SLEEPTIME_TENANT", "", "tenant is empty"),
        ("SLEEPTIME_REPO_AGENT_BUDGET", "0", "give auto, or a step budget from 1 to 100"),
        ("SLEEPTIME_REPO_AGENT_BUDGET", "soon", "give auto, or a step budget from 1 to 100"),
        ("SLEEPTIME_REPO_AGENT_BUDGET", "8.5", "give auto, or a step budget from 1 to 100"),
    ],
)
def test_a_bad_setting_is_one_line_naming_variable_value_and_what_is_allowed(
    variable: str, value: str, allowed: str
) -> None:
    line = _one_line_error(_run("context", "list", env={variable: value}), 4)
    assert line.startswith(f"error: {variable}={value!r} is not allowed: {allowed}"), line


@pytest.mark.parametrize(
    "url",
    [
        "sqlite://",
        "sqlite:///",
        "sqlite:///:memory:",
        "sqlite:///file:x?mode=memory&uri=true",
        "sqlite:///file::memory:?uri=true",
    ],
)
def test_an_in_memory_database_is_refused(url: str, tmp_path: Path) -> None:
    line = _one_line_error(
        _run("context", "add", "a", "-", env={"SLEEPTIME_DATABASE_URL": url}, input="text"), 4
    )
    assert "in-memory SQLite database" in line and "give a file" in line


def test_an_empty_data_dir_writes_nothing_to_the_current_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    line = _one_line_error(
        _run("context", "add", "a", "-", env={"SLEEPTIME_DATA_DIR": ""}, input="text"), 4
    )
    assert line.startswith("error: SLEEPTIME_DATA_DIR='' is not allowed: give a directory path")
    assert os.listdir(tmp_path) == []


def test_sleep_without_map_or_index_is_refused_at_start() -> None:
    env = {"SLEEPTIME_REPO_SLEEP_MAP": "false", "SLEEPTIME_REPO_INDEX_CHARS": "0"}
    line = _one_line_error(_run("context", "add", "a", "-", env=env, input="text"), 4)
    assert "SLEEPTIME_REPO_SLEEP_MAP" in line and "index alone" in line
    assert "no contexts yet" in _run("context", "list").output  # nothing was written


def test_an_empty_tenant_flag_is_refused_not_taken_as_default() -> None:
    line = _one_line_error(_run("--tenant", "", "context", "add", "a", "-", input="text"), 2)
    assert line == "error: --tenant is empty; give a short name such as 'handbook'"
    assert "no contexts yet" in _run("context", "list").output


@pytest.fixture
def http() -> Iterator[ScriptedHTTPServer]:
    with ScriptedHTTPServer() as server:
        server.script(CHAT, default=Reply(status=500, body="must not be called"))
        yield server


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["context", "add", "menu\udcff", "-"], "context name 'menu\\udcff' contains a byte 0xff"),
        (["--tenant", "t\udce9", "context", "list"], "--tenant 't\\udce9' contains a byte 0xe9"),
        (["ask", "menu", "price\udcff?"], "question 'price\\udcff?' contains a byte 0xff"),
        (["ask", "menu\udcff", "price?"], "context name 'menu\\udcff' contains a byte 0xff"),
        (["--tenant", "t\udce9", "ask", "menu", "price?"], "--tenant 't\\udce9'"),
        (["ask", "menu", "price\x01?"], "question 'price\\u0001?' contains a control character"),
        (
            ["context", "add", "a\u200bb", "-"],
            "'a\\u200bb' contains a newline, control or invisible",
        ),
        (["context", "add", "x\u202etxt", "-"], "U+202E RIGHT-TO-LEFT OVERRIDE"),
    ],
)
def test_undecodable_or_invisible_arguments_are_refused_before_any_model_call(
    http: ScriptedHTTPServer, args: list[str], fragment: str
) -> None:
    env = {"SLEEPTIME_OPENAI_BASE_URL": http.base_url}
    added = _run("context", "add", "menu", "-", env=env, input="Tea costs 3 euros.")
    assert added.exit_code == 0, added.output
    if args[0] == "ask" or args[2:3] == ["ask"]:
        args = [*args, "--mode", "baseline", "--backend", "openai", "--model", "m"]
    line = _one_line_error(_run(*args, env=env, input="text"), 2)
    assert fragment in line, line
    assert http.count(CHAT) == 0
