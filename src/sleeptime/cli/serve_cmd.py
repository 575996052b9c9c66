"""``sleeptime serve`` and ``sleeptime keys``: the HTTP service and its API keys."""

from __future__ import annotations

import click

from sleeptime.cli.common import app_for, cli_settings


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", type=click.IntRange(0, 65535), default=8000, show_default=True)
@click.option(
    "--worker/--no-worker",
    default=None,
    help="Run a background worker in this process (default: yes on SQLite, no on PostgreSQL,"
    " where separate `sleeptime worker` processes do it).",
)
@click.pass_context
def serve_command(ctx: click.Context, host: str, port: int, worker: bool | None) -> None:
    """Serve the REST API and OpenAI-compatible endpoints (API reference at /docs).

    On first start with no API key, one is created for the tenant and printed once.
    """
    import uvicorn

    from sleeptime.app import Runtime
    from sleeptime.service import create_app

    settings = cli_settings(ctx)
    runtime = Runtime(settings)
    if not runtime.has_api_keys():
        record, secret = runtime.tenant().create_key("first key")
        click.echo(
            f"created API key {record.id} for tenant {record.tenant!r} (shown once, keep it):\n"
            f"  {secret}\n"
            "more with: sleeptime --tenant NAME keys create",
            err=True,
        )
    app = create_app(runtime, worker=worker, close_runtime=True)
    click.echo(
        f"serving on http://{host}:{port} (API reference: /docs), database "
        f"{runtime.database}, in-process worker {'on' if app.state.worker else 'off'}",
        err=True,
    )
    uvicorn.run(app, host=host, port=port, log_level="warning", access_log=False)


@click.group("keys")
def keys_group() -> None:
    """API keys of the service, per tenant (--tenant)."""


@keys_group.command("create")
@click.option("--name", default="key", show_default=True, help="A label for the key.")
@click.pass_context
def create_key(ctx: click.Context, name: str) -> None:
    """Create an API key for the tenant; the secret is printed once."""
    with app_for(ctx) as app:
        record, secret = app.create_key(name)
    click.echo(secret)
    click.echo(f"key {record.id} for tenant {record.tenant!r}; it is shown only now", err=True)


@keys_group.command("list")
@click.pass_context
def list_keys(ctx: click.Context) -> None:
    """List the tenant's keys (ids and names; secrets are never stored)."""
    with app_for(ctx) as app:
        keys = app.keys()
    if not keys:
        click.echo("no API keys; create one with: sleeptime keys create")
    for key in keys:
        state = f"revoked {key.revoked_at:%Y-%m-%d %H:%M}" if key.revoked_at else "active"
        click.echo(f"{key.id}  {key.name:20} {state:22} created {key.created_at:%Y-%m-%d %H:%M}")


@keys_group.command("revoke")
@click.argument("key_id")
@click.pass_context
def revoke_key(ctx: click.Context, key_id: str) -> None:
    """Revoke one of the tenant's keys by id."""
    with app_for(ctx) as app:
        record = app.revoke_key(key_id)
    click.echo(f"revoked key {record.id} ({record.name})")
