"""Shared pieces of the commands: opening the app from options, running coroutines."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, TypeVar

import click

if TYPE_CHECKING:
    from sleeptime.app import Sleeptime

T = TypeVar("T")


def open_app(ctx: click.Context) -> Sleeptime:
    """Build the facade from environment settings plus the global flags."""
    from sleeptime.app import Sleeptime
    from sleeptime.settings import Settings

    overrides: dict[str, Any] = {}
    options = ctx.find_root().obj or {}
    if options.get("database_url"):
        overrides["database_url"] = options["database_url"]
    if options.get("tenant"):
        overrides["tenant"] = options["tenant"]
    return Sleeptime(Settings(**overrides))


def run_with_app(ctx: click.Context, work: Callable[[Sleeptime], Awaitable[T]]) -> T:
    """Open the app, run ``work`` in an event loop, and always close the app."""
    app = open_app(ctx)

    async def runner() -> T:
        try:
            return await work(app)
        finally:
            await app.aclose()

    return asyncio.run(runner())


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
