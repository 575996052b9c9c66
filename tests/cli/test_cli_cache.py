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
    store.record(digest, 3, "garden artifact 7")
    shown = runner.invoke(cli, ["cache", "show"])
    assert shown.exit_code == 0
    assert "abc123: 1 states" in shown.output and "garden artifact 7" in shown.output
    cleared = runner.invoke(cli, ["cache", "clear", "--yes"])
    assert cleared.exit_code == 0 and not root.exists()
    assert "nothing to clear" in runner.invoke(cli, ["cache", "clear", "--yes"]).output
