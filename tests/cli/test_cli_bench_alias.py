"""``sleeptime bench multiquery`` is the same command as ``sleeptime multiquery``."""

from __future__ import annotations

from click.testing import CliRunner

from sleeptime.cli.main import cli


def test_bench_multiquery_is_the_multiquery_command() -> None:
    runner = CliRunner()
    top = runner.invoke(cli, ["multiquery", "--help"])
    nested = runner.invoke(cli, ["bench", "multiquery", "--help"])
    assert top.exit_code == 0 and nested.exit_code == 0
    assert "--n-questions" in nested.output
    assert "[default: gsm-symbolic-p2]" in nested.output.replace("\n", " ").replace("  ", " ")
