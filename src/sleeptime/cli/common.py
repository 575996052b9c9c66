"""Shared pieces of the commands: opening the app from options, running coroutines."""

from __future__ import annotations

import asyncio
import contextlib
import signal
from collections.abc import Awaitable, Callable, Iterator
from typing import TYPE_CHECKING, Any, TypeVar

import click

from sleeptime.errors import SleeptimeError

if TYPE_CHECKING:
    from sleeptime.app import Sleeptime
    from sleeptime.settings import Settings

T = TypeVar("T")


def cli_settings(ctx: click.Context) -> Settings:
    """Settings from the environment plus the global flags, checked for a command-line run."""
    from sleeptime.names import check_name
    from sleeptime.settings import Settings

    overrides: dict[str, Any] = {}
    options = ctx.find_root().obj or {}
    if options.get("database_url"):
        overrides["database_url"] = options["database_url"]
    tenant = options.get("tenant")
    if tenant is not None:
        check_name(tenant, "--tenant")  # an empty flag must not silently mean 'default'
        overrides["tenant"] = tenant
    settings = Settings(**overrides)
    refuse_memory_database(settings.resolved_database_url())
    return settings


def refuse_memory_database(url: str) -> None:
    """Raise ``ConfigError`` for an in-memory SQLite URL: a command's writes would vanish.

    Each command is its own process, so ``sqlite://`` or ``sqlite:///:memory:`` would
    accept a context that the next command cannot see.
    """
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    from sleeptime.errors import ConfigError

    try:
        parsed = make_url(url)
    except ArgumentError:
        return  # the store explains unparseable URLs
    if parsed.get_backend_name() != "sqlite":
        return
    database = parsed.database or ""
    memory = (
        database in ("", ":memory:")
        or parsed.query.get("mode") == "memory"
        or (database.startswith("file:") and ("mode=memory" in database or ":memory:" in database))
    )
    if memory:
        raise ConfigError(
            f"the database URL {url!r} is an in-memory SQLite database: everything this "
            "command writes would be gone when it exits; give a file, e.g. "
            "SLEEPTIME_DATABASE_URL=sqlite:////path/to/sleeptime.db, or unset it for the "
            "default file in SLEEPTIME_DATA_DIR"
        )


def open_app(ctx: click.Context) -> Sleeptime:
    """Build the facade from environment settings plus the global flags."""
    from sleeptime.app import Sleeptime

    return Sleeptime(cli_settings(ctx))


@contextlib.contextmanager
def app_for(ctx: click.Context) -> Iterator[Sleeptime]:
    """The facade for a command that does no model work; closed (database too) on the way out."""
    app = open_app(ctx)
    try:
        yield app
    finally:
        asyncio.run(app.aclose())


STOP_SIGNALS = tuple(
    getattr(signal, name) for name in ("SIGTERM", "SIGHUP") if hasattr(signal, name)
)
"""Signals that end a command like Ctrl-C does: the work is cancelled and recorded."""


class TerminatedError(SleeptimeError):
    """The command was stopped by SIGTERM or SIGHUP; exits with 128 + the signal number."""

    def __init__(self, signum: int) -> None:
        name = signal.Signals(signum).name
        super().__init__(
            f"stopped by {name}; a sleep run in progress was recorded as failed "
            "(see `sleeptime runs list NAME`); nothing half-written was kept"
        )
        self.exit_code = 128 + signum
        self.signal_name = name


def run_with_app(ctx: click.Context, work: Callable[[Sleeptime], Awaitable[T]]) -> T:
    """Open the app, run ``work`` in an event loop, and always close the app.

    SIGTERM and SIGHUP (``kill``, ``timeout``, a closed terminal) cancel the work like
    Ctrl-C, so a sleep run ends as ``failed`` with the reason instead of staying
    ``running``. A signal the caller chose to ignore (``nohup``) stays ignored.
    """
    app = open_app(ctx)
    received: list[int] = []

    async def runner() -> T:
        task = asyncio.current_task()
        loop = asyncio.get_running_loop()
        for signum in STOP_SIGNALS:
            if task is None or signal.getsignal(signum) is not signal.SIG_DFL:
                continue

            def stop(signum: int = signum, task: asyncio.Task[Any] = task) -> None:
                received.append(signum)
                task.cancel(f"terminated by {signal.Signals(signum).name}")

            # No signal handlers on this platform or thread: the default action applies.
            with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
                loop.add_signal_handler(signum, stop)
        try:
            return await work(app)
        finally:
            await app.aclose()

    try:
        return asyncio.run(runner())
    except asyncio.CancelledError:
        if received:
            raise TerminatedError(received[0]) from None
        raise


backend_option = click.option(
    "--backend",
    default=None,
    help="Backend: llama (embedded, default), openai (compatible server), scripted.",
)
model_option = click.option(
    "--model",
    default=None,
    help=(
        "llama: a GGUF path or a name from `sleeptime models list`; openai: a model id "
        "(default: the backend's default)."
    ),
)
