"""``sleeptime bench generate``: fresh GSM-Symbolic problems from the templates, offline.

A thin wrapper over ``sleeptime.benchmark.generate``. Output is derived from CC BY-NC-ND
data, so it goes to the user data folder by default and never into the repository.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

_VARIANTS = ("main", "p1", "p2")


@click.command("generate")
@click.option(
    "--variant",
    type=click.Choice([*_VARIANTS, "all"]),
    default="all",
    show_default=True,
    help="Template set: main (GSM-Symbolic), p1, p2, or all three.",
)
@click.option(
    "--instances",
    type=click.IntRange(min=1),
    default=50,
    show_default=True,
    help="Instances per template (upstream ships 50).",
)
@click.option("--seed", type=int, default=0, show_default=True, help="Same seed, same bytes.")
@click.option(
    "--templates-dir",
    type=click.Path(path_type=Path, exists=True, file_okay=False),
    default=None,
    help="Folder holding symbolic/, p1/ and p2/ (default: DATA_ROOT/gsm-symbolic/templates, "
    "DATA_ROOT being $SLEEPTIME_DATA_ROOT or ../shared/data).",
)
@click.option(
    "--templates",
    "selection",
    default=None,
    metavar="IDS",
    help="Only these template ids, e.g. 0-49 or 0-9,20 (inclusive); disjoint sets give "
    "template-disjoint tuning and test splits.",
)
@click.option(
    "--out",
    type=click.Path(path_type=Path),
    default=None,
    help="Output folder (default: <user data dir>/gsm-symbolic-generated/seed-S). Never "
    "inside the repository: GSM-Symbolic is CC BY-NC-ND, so derived problems must not be "
    "committed or shared.",
)
@click.option(
    "--check",
    is_flag=True,
    help="Write nothing; check every template against its defaults and generated P2 "
    "against the shipped GSM_p2.jsonl. Exit status 1 on an unexplained difference.",
)
def generate_command(
    variant: str,
    instances: int,
    seed: int,
    templates_dir: Path | None,
    selection: str | None,
    out: Path | None,
    check: bool,
) -> None:
    """Instantiate GSM-Symbolic templates into jsonl files that `--data` accepts."""
    from sleeptime.benchmark.datasets import default_data_root
    from sleeptime.benchmark.generate import (
        check_out_dir,
        generate_variant,
        parse_selection,
        validate,
        write_meta,
        write_variant,
    )

    root = templates_dir or default_data_root() / "gsm-symbolic" / "templates"
    chosen = parse_selection(selection) if selection else None
    variants = list(_VARIANTS) if variant == "all" else [variant]
    if check:
        shipped = root.parent / "generated_data" / "GSM_p2.jsonl"
        result = validate(root, variants, chosen, shipped, instances, seed)
        for line in result.lines:
            click.echo(line)
        for problem in result.problems:
            click.secho(f"problem: {problem}", fg="red", err=True)
        click.echo(f"{len(result.problems)} unexplained problem(s)")
        sys.exit(1 if result.problems else 0)
    folder = check_out_dir(out or _default_out(seed, selection))
    results = []
    for name in variants:
        outcome = generate_variant(root, name, instances, seed, chosen)
        path = write_variant(folder, outcome)
        results.append(outcome)
        click.echo(
            f"{name}: {len(outcome.records)} instances from {outcome.templates} templates -> {path}"
        )
        if outcome.repeats:
            click.echo(f"  {outcome.repeats} question(s) repeat an earlier one (small domains)")
        for label, reason in outcome.skipped.items():
            click.secho(f"  skipped {label}: {reason}", fg="yellow")
    meta = write_meta(
        folder,
        results,
        {"seed": seed, "instances": instances, "templates": selection, "source": str(root)},
    )
    click.echo(f"wrote {meta}")
    datasets = {"main": "gsm-symbolic", "p1": "gsm-symbolic-p1", "p2": "gsm-symbolic-p2"}
    for name in variants:
        click.echo(f"use with: sleeptime bench sweep --dataset {datasets[name]} --data {folder}")
    click.echo("(derived from CC BY-NC-ND data: do not share or commit these files)")


def _default_out(seed: int, selection: str | None) -> Path:
    from sleeptime.settings import Settings

    name = f"seed-{seed}"
    if selection:
        name += "-templates-" + selection.replace(",", "_").replace(" ", "")
    return Settings().data_dir / "gsm-symbolic-generated" / name
