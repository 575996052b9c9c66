"""``sleeptime cache show|clear``: the saved KV states of notes (embedded backend).

The KV folder is shared by every tenant on the machine (two tenants with the same notes
share one file), so both commands see only the states the current tenant warmed: their
labels name contexts, and clearing must not throw away another tenant's states.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from sleeptime.cli.common import cli_settings


def _folders(root: Path) -> list[tuple[Path, list[dict[str, Any]]]]:
    found: list[tuple[Path, list[dict[str, Any]]]] = []
    if not root.is_dir():
        return found
    for folder in sorted(p for p in root.iterdir() if p.is_dir()):
        try:
            entries = json.loads((folder / "index.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            entries = []
        found.append((folder, entries if isinstance(entries, list) else []))
    return found


def _owned(entries: list[dict[str, Any]], tenant: str) -> list[tuple[dict[str, Any], str]]:
    """``tenant``'s entries with its own label for each."""
    out = []
    for entry in entries:
        owners = entry.get("owners") if isinstance(entry, dict) else None
        if isinstance(owners, dict) and tenant in owners:
            out.append((entry, str(owners[tenant])))
    return out


@click.group("cache")
def cache_group() -> None:
    """Show or clear saved KV states of notes (SLEEPTIME_KV_CACHE_MB bounds their size)."""


@cache_group.command("show")
@click.pass_context
def show_cache(ctx: click.Context) -> None:
    """List this tenant's saved prefix states per model configuration, with their sizes."""
    from sleeptime.names import shown

    settings = cli_settings(ctx)
    root, tenant = settings.kv_cache_dir, settings.tenant
    listed = [(f, owned) for f, entries in _folders(root) if (owned := _owned(entries, tenant))]
    if not listed:
        click.echo(f"no saved KV states of tenant {shown(tenant)} under {root}")
        return
    for folder, owned in listed:
        size = sum(int(entry.get("n_bytes", 0)) for entry, _ in owned)
        click.secho(f"{folder.name}: {len(owned)} states, {size / 2**20:.1f} MiB", bold=True)
        for entry, label in owned:
            click.echo(
                f"  {str(entry.get('digest', ''))[:12]}  {entry.get('n_tokens')} tokens  "
                f"{int(entry.get('n_bytes', 0)) / 2**20:.1f} MiB  {shown(label)}"
            )


@cache_group.command("clear")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@click.pass_context
def clear_cache(ctx: click.Context, yes: bool) -> None:
    """Delete this tenant's saved KV states (answers stay correct; the next ones prefill again).

    A state another tenant also uses is kept for that tenant.
    """
    from sleeptime.backends.llama_kv import PrefixStateStore
    from sleeptime.names import shown

    settings = cli_settings(ctx)
    root, tenant = settings.kv_cache_dir, settings.tenant
    folders = _folders(root)
    if not any(_owned(entries, tenant) for _, entries in folders):
        click.echo(f"nothing to clear for tenant {shown(tenant)}")
        return
    if not yes:
        click.confirm(
            f"delete the saved KV states of tenant {shown(tenant)} under {root}?", abort=True
        )
    count = 0
    for folder, _ in folders:
        count += PrefixStateStore(root, folder.name, max_bytes=1 << 62).release(tenant)
        _remove_if_empty(folder)
    _remove_if_empty(root)
    click.echo(f"cleared {count} saved KV states of tenant {shown(tenant)} under {root}")


def _remove_if_empty(folder: Path) -> None:
    """Remove a folder holding nothing but an empty index."""
    try:
        index = folder / "index.json"
        if index.is_file() and json.loads(index.read_text(encoding="utf-8")) == []:
            index.unlink()
        folder.rmdir()
    except (OSError, ValueError):
        pass  # not empty, or already gone
