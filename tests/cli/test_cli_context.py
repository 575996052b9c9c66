"""``sleeptime context add|list|show|delete`` through CliRunner."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from click.testing import Result

Invoke = Callable[..., Result]


def test_add_from_file_then_unchanged_then_new_revision(invoke: Invoke, context_file: Path) -> None:
    first = invoke("context", "add", "office", str(context_file))
    assert first.exit_code == 0, first.output
    assert "context 'office': revision 1" in first.stdout
    assert "sleeptime sleep office" in first.stdout

    again = invoke("context", "add", "office", str(context_file))
    assert again.exit_code == 0
    assert "unchanged, still revision 1" in again.stdout

    context_file.write_text("Now it has 4 rooms.", encoding="utf-8")
    changed = invoke("context", "add", "office", str(context_file))
    assert changed.exit_code == 0
    assert "revision 2 (19 characters)" in changed.stdout


def test_add_from_stdin(invoke: Invoke) -> None:
    result = invoke("context", "add", "notes", "-", input="Piped text about the office.\n")
    assert result.exit_code == 0, result.output
    assert "context 'notes': revision 1" in result.stdout
    shown = invoke("context", "show", "notes")
    assert "Piped text about the office." in shown.stdout


def test_add_from_stdin_non_utf8(invoke: Invoke) -> None:
    result = invoke("context", "add", "notes", "-", input=b"caf\xe9")
    assert result.exit_code == 2
    assert "standard input is not UTF-8" in result.stderr


def test_list(invoke: Invoke, added: str, replies: Callable[..., str]) -> None:
    empty_tenant = invoke("--tenant", "other", "context", "list")
    assert empty_tenant.exit_code == 0
    assert "no contexts yet" in empty_tenant.stdout

    listed = invoke("context", "list")
    assert listed.exit_code == 0, listed.output
    assert "office" in listed.stdout
    assert "no" in listed.stdout.split("office", 1)[1].splitlines()[0]

    model = replies("<notes>Rooms: 3.</notes><finish/>")
    assert (
        invoke("sleep", "office", "--backend", "scripted", "--model", model, "--quiet").exit_code
        == 0
    )
    listed = invoke("context", "list")
    assert "yes" in listed.stdout.split("office", 1)[1].splitlines()[0]


def test_show_before_and_after_sleep(
    invoke: Invoke, added: str, replies: Callable[..., str]
) -> None:
    before = invoke("context", "show", "office")
    assert before.exit_code == 0, before.output
    assert "office (tenant default)" in before.stdout
    assert "revisions: 1; current 1" in before.stdout
    assert "The office opens at 9" in before.stdout
    assert "no notes yet for revision 1; run: sleeptime sleep office" in before.stdout

    model = replies("<notes>Rooms: 3. Seats: 24.</notes><finish/>")
    invoke("sleep", "office", "--backend", "scripted", "--model", model, "--quiet")
    after = invoke("context", "show", "office")
    assert "recent sleep runs:" in after.stdout
    assert "complete" in after.stdout
    assert "Rooms: 3. Seats: 24." in after.stdout


def test_show_long_text_is_cut_unless_full(invoke: Invoke, tmp_path: Path) -> None:
    path = tmp_path / "long.txt"
    path.write_text("\n".join(f"line {i}" for i in range(30)), encoding="utf-8")
    invoke("context", "add", "long", str(path))
    short = invoke("context", "show", "long")
    assert "line 11" in short.stdout and "line 12" not in short.stdout
    assert "18 more lines; use --full" in short.stdout
    full = invoke("context", "show", "long", "--full")
    assert "line 29" in full.stdout


def test_delete_with_yes(invoke: Invoke, added: str) -> None:
    result = invoke("context", "delete", "office", "--yes")
    assert result.exit_code == 0, result.output
    assert "deleted context 'office'" in result.stdout
    gone = invoke("context", "show", "office")
    assert gone.exit_code == 3
    assert "no context named 'office'" in gone.stderr


def test_delete_asks_and_can_be_declined(invoke: Invoke, added: str) -> None:
    result = invoke("context", "delete", "office", input="n\n")
    assert result.exit_code == 1
    assert "Aborted" in result.output
    assert invoke("context", "show", "office").exit_code == 0
    confirmed = invoke("context", "delete", "office", input="y\n")
    assert confirmed.exit_code == 0
    assert invoke("context", "show", "office").exit_code == 3


def test_delete_unknown(invoke: Invoke) -> None:
    result = invoke("context", "delete", "missing", "--yes")
    assert result.exit_code == 3
    assert "sleeptime context list" in result.stderr


def test_db_flag_overrides_the_environment(
    invoke: Invoke, tmp_path: Path, context_file: Path
) -> None:
    other = f"sqlite:///{tmp_path / 'other.db'}"
    assert invoke("--db", other, "context", "add", "elsewhere", str(context_file)).exit_code == 0
    assert "elsewhere" in invoke("--db", other, "context", "list").stdout
    assert "elsewhere" not in invoke("context", "list").stdout
