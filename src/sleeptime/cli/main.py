"""The ``sleeptime`` command: a thin layer over ``sleeptime.app.Sleeptime``.

Heavy modules (llama.cpp, openai, SQLAlchemy) are imported inside commands so that
``sleeptime --help`` stays instant. Every ``SleeptimeError`` is printed as one line with
no traceback and a distinct exit code.
"""

from __future__ import annotations

import sys
from typing import Any

import click

from sleeptime.cli.context_cmds import context_group
from sleeptime.cli.query_cmds import ask_command, stats_command
from sleeptime.cli.runs_cmds import runs_group
from sleeptime.cli.sleep_cmd import sleep_command
from sleeptime.errors import SleeptimeError


class _Group(click.Group):
    """A click group that turns library errors into one clear line on stderr."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except SleeptimeError as exc:
            hint = f" (on the command line: {exc.cli_hint})" if exc.cli_hint else ""
            click.secho(f"error: {exc}{hint}", fg="red", err=True)
            sys.exit(exc.exit_code)
        except KeyboardInterrupt:
            click.secho("interrupted; nothing half-written was kept", fg="yellow", err=True)
            sys.exit(130)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--db",
    "database_url",
    envvar="SLEEPTIME_DATABASE_URL",
    default=None,
    help="Database URL (default: a SQLite file in the user data directory).",
)
@click.option(
    "--tenant",
    envvar="SLEEPTIME_TENANT",
    default=None,
    help="Namespace for context names (default: 'default').",
)
@click.version_option(package_name="sleeptime")
@click.pass_context
def cli(ctx: click.Context, database_url: str | None, tenant: str | None) -> None:
    """Sleep-time compute: think about a context before the questions arrive."""
    ctx.obj = {"database_url": database_url, "tenant": tenant}


def _register() -> None:
    from sleeptime.cli.bench_cmds import bench_group
    from sleeptime.cli.bench_generate_cmd import generate_command
    from sleeptime.cli.bench_repo_cmd import references_command, repo_command
    from sleeptime.cli.cache_cmds import cache_group
    from sleeptime.cli.demo_cmd import demo_command
    from sleeptime.cli.jobs_cmds import jobs_group
    from sleeptime.cli.models_cmds import models_group
    from sleeptime.cli.multiquery_cmd import multiquery_command
    from sleeptime.cli.schedule_cmds import priorities_command
    from sleeptime.cli.serve_cmd import keys_group, serve_command
    from sleeptime.cli.worker_cmd import worker_command

    cli.add_command(context_group)
    cli.add_command(sleep_command)
    cli.add_command(ask_command)
    cli.add_command(stats_command)
    cli.add_command(runs_group)
    cli.add_command(demo_command)
    cli.add_command(bench_group)
    bench_group.add_command(multiquery_command, "multiquery")
    bench_group.add_command(generate_command, "generate")
    bench_group.add_command(repo_command, "repo")
    bench_group.add_command(references_command, "references")
    cli.add_command(cache_group)
    cli.add_command(priorities_command)
    cli.add_command(models_group)
    cli.add_command(multiquery_command)
    cli.add_command(worker_command)
    cli.add_command(jobs_group)
    cli.add_command(serve_command)
    cli.add_command(keys_group)


_register()


def main() -> None:
    """Console-script entry point."""
    cli(prog_name="sleeptime")
