"""An answer the model already produced is printed even when the query cannot be recorded.

The database is opened read-only (a real SQLite ``mode=ro`` URI: file permissions do not
stop root), so recording the query fails after the model answered. The answer still goes
to stdout, the failure to stderr, and the exit status says something went wrong.
"""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from sleeptime.cli.main import cli

ANSWER = "The pool opens at 7. The answer is 7."


def test_the_answer_is_printed_and_the_recording_failure_reported(tmp_path: Path) -> None:
    replies_file = tmp_path / "replies.json"
    replies_file.write_text(json.dumps([ANSWER]), encoding="utf-8")
    path = tmp_path / "ro.db"
    runner = CliRunner()
    writable = {"SLEEPTIME_DATABASE_URL": f"sqlite:///{path}"}
    added = runner.invoke(cli, ["context", "add", "pool", "-"], input="Opens at 7.", env=writable)
    assert added.exit_code == 0, added.output

    read_only = {"SLEEPTIME_DATABASE_URL": f"sqlite:///file:{path}?mode=ro&uri=true"}
    args = ["ask", "pool", "When does it open?", "--mode", "baseline", "--backend", "scripted"]
    asked = runner.invoke(cli, [*args, "--model", str(replies_file)], env=read_only)
    assert asked.exit_code == 7, asked.output
    assert asked.stdout.strip() == ANSWER
    assert asked.stderr.startswith("error: the answer was not recorded")
    assert "read-only" in asked.stderr and "Traceback" not in asked.output

    listed = runner.invoke(cli, ["context", "list"], env=writable)
    assert " 0 " in listed.output.splitlines()[3]  # nothing was recorded behind its back
