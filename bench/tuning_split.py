"""Write the GSM8K tuning split used to choose sleep and answer settings (issue 10).

Tuning and testing must not share problems: the reported numbers come from fresh
GSM-Symbolic main instances (``sleeptime bench generate``), and the GSM-Symbolic
templates were written from GSM8K test problems. So the tuning split is GSM8K test
problems that are *not* the original of any template (``id_orig`` in every template
file), drawn with a fixed seed. Files are written outside the repository; the dataset is
read from ``../shared/data`` by path.

Usage: ``.venv/bin/python bench/tuning_split.py [--n 60] [--seed 7] [--out PATH]``
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def template_originals(templates: Path) -> set[int]:
    """GSM8K test indices that some GSM-Symbolic template was written from."""
    found: set[int] = set()
    for path in templates.glob("*/*.json"):
        found.add(int(json.loads(path.read_text(encoding="utf-8"))["id_orig"]))
    return found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--n", type=int, default=60)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--out", type=Path, default=Path.home() / "sleeptime-data" / "tune_gsm8k.jsonl"
    )
    args = parser.parse_args()
    gsm8k = args.data / "gsm8k" / "test.jsonl"
    templates = args.data / "gsm-symbolic" / "templates"
    if not gsm8k.is_file() or not templates.is_dir():
        print(f"need {gsm8k} and {templates}; pass --data DATA_ROOT", file=sys.stderr)
        return 2
    if ROOT in args.out.resolve().parents:
        print("write the split outside the repository (--out)", file=sys.stderr)
        return 2
    rows = gsm8k.read_text(encoding="utf-8").splitlines()
    excluded = template_originals(templates)
    candidates = [i for i in range(len(rows)) if i not in excluded]
    random.Random(args.seed).shuffle(candidates)
    chosen = sorted(candidates[: args.n])
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text("".join(rows[i] + "\n" for i in chosen), encoding="utf-8")
    print(
        f"{len(chosen)} GSM8K test problems, none a template original "
        f"({len(excluded)} excluded) -> {args.out}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
