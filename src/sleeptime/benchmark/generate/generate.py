"""Generate fresh GSM-Symbolic instances from the templates and write them as jsonl.

The files are named and shaped like upstream's ``generated_data`` (``GSM_symbolic.jsonl``,
``GSM_p1.jsonl``, ``GSM_p2.jsonl``; keys ``id``, ``instance``, ``question``, ``answer``
ending ``#### N``), so ``load_gsm_symbolic(path, variant=...)`` reads them unchanged.
The output is an adaptation of CC BY-NC-ND data: it may be used but not shared, so it is
written under the user data folder by default and never inside this repository.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sleeptime.benchmark.datasets.gsm import GSM_SYMBOLIC_FILES
from sleeptime.benchmark.generate.sampler import MAX_TRIES, PreparedTemplate, template_rng
from sleeptime.benchmark.generate.template import (
    Template,
    TemplateError,
    load_templates,
)
from sleeptime.errors import InputError

GENERATOR_VERSION = "1"
_SELECTION = re.compile(r"^\s*(\d+)\s*(?:-\s*(\d+)\s*)?$")


@dataclass
class VariantResult:
    """What one variant produced: records, templates used, templates skipped and why."""

    variant: str
    records: list[dict[str, Any]] = field(default_factory=list)
    templates: int = 0
    skipped: dict[str, str] = field(default_factory=dict)
    repeats: int = 0
    path: Path | None = None


def parse_selection(text: str) -> set[int]:
    """Read ``"0-49,60,70-79"`` as a set of template ids (ranges are inclusive)."""
    chosen: set[int] = set()
    for part in text.split(","):
        match = _SELECTION.match(part)
        if not match:
            raise InputError(
                f"--templates expects ids and inclusive ranges like '0-49,60', got {part!r}."
            )
        low = int(match.group(1))
        high = int(match.group(2)) if match.group(2) else low
        if high < low:
            raise InputError(f"--templates range {part.strip()!r} runs backwards.")
        chosen.update(range(low, high + 1))
    return chosen


def select(templates: list[Template], selection: set[int] | None) -> list[Template]:
    """Keep the templates whose id is in ``selection`` (all when None); unknown ids fail."""
    if selection is None:
        return templates
    known = {t.id for t in templates}
    unknown = sorted(selection - known)
    if unknown:
        shown = ", ".join(str(i) for i in unknown[:10])
        raise InputError(
            f"--templates names ids with no template file: {shown} "
            f"(this folder has ids {min(known)}-{max(known)})."
        )
    return [t for t in templates if t.id in selection]


def generate_variant(
    templates_dir: Path,
    variant: str,
    instances: int,
    seed: int,
    selection: set[int] | None = None,
    max_tries: int = MAX_TRIES,
) -> VariantResult:
    """Draw ``instances`` problems per template; a failing template is skipped, not fatal.

    Each template has its own random stream derived from (seed, variant, template id), so
    the same seed gives the same bytes, and a subset gives the same problems for the
    templates it keeps.
    """
    if instances < 1:
        raise InputError(f"instances must be 1 or more, got {instances}.")
    result = VariantResult(variant)
    for template in select(load_templates(templates_dir, variant), selection):
        try:
            records, repeats = _instances(template, instances, seed, max_tries)
        except TemplateError as error:
            result.skipped[template.label] = str(error)
            continue
        result.records.extend(records)
        result.repeats += repeats
        result.templates += 1
    return result


def _instances(
    template: Template, instances: int, seed: int, max_tries: int
) -> tuple[list[dict[str, Any]], int]:
    prepared = PreparedTemplate(template)
    rng = template_rng(seed, template.variant, template.id)
    seen: set[str] = set()
    records = []
    repeats = 0
    for number in range(instances):
        instance, repeated = prepared.sample(rng, seen, max_tries)
        seen.add(instance.question)
        repeats += repeated
        records.append(
            {
                "id": template.id,
                "instance": number,
                "question": instance.question,
                "answer": instance.answer,
                "original_id": template.id_orig,
                "variant": template.variant,
                "template": template.label,
                "seed": seed,
                "generator_version": GENERATOR_VERSION,
            }
        )
    return records, repeats


def repository_root() -> Path | None:
    """The git checkout this package runs from, if any (None for an installed wheel)."""
    for parent in Path(__file__).resolve().parents:
        if (parent / ".git").exists() and (parent / "pyproject.toml").is_file():
            return parent
    return None


def check_out_dir(out: Path) -> Path:
    """Refuse an output folder inside the repository or one that is a file."""
    resolved = out.expanduser().resolve()
    root = repository_root()
    if root is not None and resolved.is_relative_to(root):
        raise InputError(
            f"Refusing to write generated problems into the repository ({resolved}): "
            "GSM-Symbolic is CC BY-NC-ND, so derived files must not be committed. "
            "Pick a folder outside it (the default is under the user data folder)."
        )
    if resolved.exists() and not resolved.is_dir():
        raise InputError(f"--out {out} is a file; pass a folder to write the jsonl files into.")
    return resolved


def write_variant(out_dir: Path, result: VariantResult) -> Path:
    """Write a variant's records as ``out_dir/GSM_*.jsonl`` (atomically) and return the path."""
    folder = check_out_dir(out_dir)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / GSM_SYMBOLIC_FILES[result.variant]
    temporary = path.with_suffix(".jsonl.tmp")
    temporary.write_text(_jsonl(result.records), encoding="utf-8")
    os.replace(temporary, path)
    result.path = path
    return path


def _jsonl(records: Iterable[dict[str, Any]]) -> str:
    return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records)


def write_meta(out_dir: Path, results: list[VariantResult], settings: dict[str, Any]) -> Path:
    """Record how the files were made (seed, counts, skipped templates) next to them."""
    folder = check_out_dir(out_dir)
    meta = {
        "generator_version": GENERATOR_VERSION,
        **settings,
        "variants": {
            r.variant: {
                "file": r.path.name if r.path else None,
                "records": len(r.records),
                "templates": r.templates,
                "repeated_questions": r.repeats,
                "skipped": r.skipped,
            }
            for r in results
        },
        "license": "derived from GSM-Symbolic (CC BY-NC-ND 4.0): do not redistribute",
    }
    path = folder / "generate.meta.json"
    path.write_text(json.dumps(meta, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return path
