"""The installed ``sleeptime`` script, run as a real subprocess with the scripted backend."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = Path(sys.executable).parent / "sleeptime"

pytestmark = pytest.mark.skipif(not SCRIPT.exists(), reason=f"{SCRIPT} is not installed")


def _run(db_url: str, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "SLEEPTIME_DATABASE_URL": db_url, "NO_COLOR": "1"}
    return subprocess.run(
        [str(SCRIPT), *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )


def test_add_sleep_ask_flow(db_url: str, tmp_path: Path) -> None:
    sleep_replies = tmp_path / "sleep.json"
    sleep_replies.write_text(json.dumps(["<notes>Rooms: 3. Seats: 24.</notes><finish/>"]))
    ask_replies = tmp_path / "ask.json"
    ask_replies.write_text(json.dumps(["24 seats in all. The answer is 24."]))

    added = _run(db_url, "context", "add", "office", "-", stdin="The office has 3 rooms of 8.")
    assert added.returncode == 0, added.stderr
    assert "revision 1" in added.stdout

    slept = _run(
        db_url, "sleep", "office", "--backend", "scripted", "--model", str(sleep_replies), "--quiet"
    )
    assert slept.returncode == 0, slept.stderr
    assert "slept on 'office'" in slept.stdout

    asked = _run(
        db_url,
        "ask",
        "office",
        "How many seats?",
        "--backend",
        "scripted",
        "--model",
        str(ask_replies),
        "--json",
    )
    assert asked.returncode == 0, asked.stderr
    record = json.loads(asked.stdout)
    assert record["final"] == "24"
    assert record["mode"] == "sleep"
    assert record["artifact_id"] is not None


def test_error_is_one_line_with_its_exit_code(db_url: str) -> None:
    result = _run(db_url, "ask", "missing", "q?", "--backend", "scripted")
    assert result.returncode == 3
    assert "Traceback" not in result.stderr
    assert result.stdout == ""
    [line] = result.stderr.strip().splitlines()
    assert line.startswith("error: no context named 'missing'")
    assert "sleeptime context add missing FILE" in line


def test_help_does_not_import_heavy_modules() -> None:
    code = (
        "import sys\n"
        "import click\n"
        "from sleeptime.cli.main import cli\n"
        "def leaves(group, prefix=()):\n"
        "    for name, command in group.commands.items():\n"
        "        if isinstance(command, click.Group):\n"
        "            yield from leaves(command, (*prefix, name))\n"
        "        else:\n"
        "            yield (*prefix, name)\n"
        "for args in [['--help'], *([*c, '--help'] for c in leaves(cli))]:\n"
        "    try:\n"
        "        cli(args, prog_name='sleeptime')\n"
        "    except SystemExit as exc:\n"
        "        assert exc.code == 0, exc.code\n"
        "heavy = ('sqlalchemy', 'alembic', 'llama_cpp', 'openai', 'httpx', 'rich', 'pydantic')\n"
        "print('HEAVY=' + ','.join(m for m in heavy if m in sys.modules))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "HEAVY="
