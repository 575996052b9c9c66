"""``sleeptime cache show|clear``: the saved KV states of notes (embedded backend)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import click


def _kv_root() -> Path:
    from sleeptime.settings import Settings

    return Settings().kv_cache_dir


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


@click.group("cache")
def cache_group() -> None:
    """Show or clear saved KV states of notes (SLEEPTIME_KV_CACHE_MB bounds their size)."""


@cache_group.command("show")
def show_cache() -> None:
    """List saved prefix states per model configuration, with their sizes."""
    root = _kv_root()
    folders = _folders(root)
    if not folders:
        click.echo(f"no saved KV states under {root}")
        return
    for folder, entries in folders:
        size = sum(p.stat().st_size for p in folder.glob("*.kv"))
        click.secho(f"{folder.name}: {len(entries)} states, {size / 2**20:.1f} MiB", bold=True)
        for entry in entries:
            click.echo(
                f"  {str(entry.get('digest', ''))[:12]}  {entry.get('n_tokens')} tokens  "
                f"{int(entry.get('n_bytes', 0)) / 2**20:.1f} MiB  {entry.get('label', '')}"
            )


@cache_group.command("clear")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
def clear_cache(yes: bool) -> None:
    """Delete every saved KV state (answers stay correct; the next ones prefill again)."""
    root = _kv_root()
    if not root.is_dir():
        click.echo("nothing to clear")
        return
    if not yes:
        click.confirm(f"delete all saved KV states under {root}?", abort=True)
    shutil.rmtree(root)
    click.echo(f"cleared {root}")
