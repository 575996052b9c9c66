"""``sleeptime cache show|clear`` over a real KV state folder."""

from __future__ import annotations

import os
from pathlib import Path

from click.testing import CliRunner

from sleeptime.backends.llama_kv import PrefixStateStore, tokens_digest
from sleeptime.cli.main import cli


def test_show_and_clear(tmp_path: Path) -> None:
    root = Path(os.environ["SLEEPTIME_DATA_DIR"]) / "kv"
    runner = CliRunner()
    assert "no saved KV states" in runner.invoke(cli, ["cache", "show"]).output
    store = PrefixStateStore(root, "abc123", max_bytes=1 << 20)
    digest = tokens_digest([1, 2, 3])
    store.path(digest).write_bytes(b"x" * 2048)
    store.record(digest, 3, "garden artifact 7", "default")
    shown = runner.invoke(cli, ["cache", "show"])
    assert shown.exit_code == 0
    assert "abc123: 1 states" in shown.output and "garden artifact 7" in shown.output
    cleared = runner.invoke(cli, ["cache", "clear", "--yes"])
    assert cleared.exit_code == 0 and not root.exists()
    assert "nothing to clear" in runner.invoke(cli, ["cache", "clear", "--yes"]).output


def test_a_tenant_sees_and_clears_only_its_own_states(tmp_path: Path) -> None:
    root = Path(os.environ["SLEEPTIME_DATA_DIR"]) / "kv"
    runner = CliRunner()
    store = PrefixStateStore(root, "abc123", max_bytes=1 << 20)
    alone, shared = tokens_digest([1, 2, 3]), tokens_digest([4, 5, 6])
    for digest in (alone, shared):
        store.path(digest).write_bytes(b"x" * 2048)
    store.record(alone, 3, "payroll artifact 1", "alice")
    store.record(shared, 3, "handbook artifact 2", "alice")
    store.record(shared, 3, "faq artifact 3", "bob")

    bob = runner.invoke(cli, ["--tenant", "bob", "cache", "show"])
    assert bob.exit_code == 0
    assert "abc123: 1 states" in bob.output and "faq artifact 3" in bob.output
    assert "payroll" not in bob.output and "handbook" not in bob.output

    cleared = runner.invoke(cli, ["--tenant", "bob", "cache", "clear", "--yes"])
    assert cleared.exit_code == 0 and "cleared 1 saved KV states of tenant bob" in cleared.output
    assert store.path(alone).is_file() and store.path(shared).is_file()  # alice still uses both
    alice = runner.invoke(cli, ["--tenant", "alice", "cache", "show"])
    assert "abc123: 2 states" in alice.output and "handbook artifact 2" in alice.output
    assert "faq" not in alice.output
    assert "nothing to clear" in runner.invoke(cli, ["--tenant", "bob", "cache", "clear"]).output
