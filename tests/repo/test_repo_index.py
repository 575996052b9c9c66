"""The model-free repository index on real git repositories built by the tests: symbols,
headings, files it must not read, co-change counts, the history cut at the snapshot's
commit, ranking and the character cap."""

from __future__ import annotations

from pathlib import Path

import pytest

from helpers.git_repos import commit, git, init_repo, write
from sleeptime.errors import InputError
from sleeptime.repo.file_facts import markdown_headings, python_facts, rst_headings
from sleeptime.repo.history import FileHistory, HistoryLimits, clean_subject, read_history
from sleeptime.repo.index import (
    MARKER,
    MIN_INDEX_CHARS,
    IndexLimits,
    build_index,
    check_index_chars,
    split_index,
    with_index,
)
from sleeptime.repo.snapshot import SnapshotOptions, take_snapshot
from sleeptime.repo.tasks import MinerOptions, mine_tasks, parent_checkout

MODELS = '''"""Orders and their totals.

More words that the index does not show.
"""

import json


class Order:
    def to_dict(self):
        return {}


def _helper():
    pass


async def load_orders(path):
    return []


TAX = 0.2
'''
GUIDE = """---
title: ignored front matter
---
# Shop guide

Intro.

```python
# not a heading, inside a fence
```

Exporting orders
----------------

## 1.2.0

## Configuration `settings`
"""
API = """=========
Shop API
=========

Orders
------

* a list item
-------------

0.3
---
"""


def _index_text(root: Path, cap: int = 20_000, **options: object) -> str:
    snapshot = take_snapshot(root, SnapshotOptions(**options))  # type: ignore[arg-type]
    return build_index(snapshot).render(cap).text


def test_python_symbols_docstring_and_a_file_that_does_not_parse(tmp_path: Path) -> None:
    root = init_repo(tmp_path / "shop")
    commit(
        root,
        "Start",
        {
            "shop/models.py": MODELS,
            "shop/broken.py": "def broken(:\n    pass\n",
            "shop/escapes.py": '"""Paths like C:\\dir."""\nPATTERN = "\\d+"\n',
        },
    )
    facts = python_facts("shop/models.py", MODELS.encode())
    assert facts.summary == "Orders and their totals."
    # Top-level classes and functions only (no methods, no constants), public first.
    assert facts.names == ("Order", "load_orders()", "_helper()")
    assert not python_facts("x.py", b"def broken(:\n").parsed
    assert not python_facts("x.py", b"x = 1\0\n").parsed
    assert not python_facts("x.py", b"x = " + b"(" * 300_000 + b")" * 300_000).parsed
    text = _index_text(root)
    [models] = [line for line in text.splitlines() if line.startswith("- shop/models.py")]
    assert '"Orders and their totals."' in models
    assert "defines: Order, load_orders(), _helper()" in models
    assert "More words" not in text and "to_dict" not in text and "TAX" not in text
    [broken] = [line for line in text.splitlines() if line.startswith("- shop/broken.py")]
    assert broken == '- shop/broken.py (1 commit) | recent: "Start"'  # path and history only
    assert '"Paths like C:\\dir."' in text  # an invalid escape is no reason to fail


def test_markdown_and_rst_headings(tmp_path: Path) -> None:
    assert markdown_headings(GUIDE) == ("Shop guide", "Exporting orders", "Configuration settings")
    assert rst_headings(API) == ("Shop API", "Orders")
    root = tmp_path / "docs"
    write(root, {"guide.md": GUIDE, "api.rst": API, "notes.txt": "# not markdown\n"})
    text = _index_text(root)
    assert "- guide.md | headings: Shop guide; Exporting orders; Configuration settings" in text
    assert "- api.rst | headings: Shop API; Orders" in text
    assert "- notes.txt\n" in text + "\n"  # another text file: its path only
    assert "the files only (not a git repository)" in text


def test_binary_and_huge_files_are_never_read(tmp_path: Path) -> None:
    root = tmp_path / "mixed"
    write(
        root,
        {
            "logo.py": b"\x89PNG\0\0 def hidden(): pass\n",
            "huge.py": "def huge():\n    pass\n" + "# padding\n" * 200,
            "big.md": "# Big heading\n" + "text\n" * 100,
            "small.py": '"""Small."""\n\ndef small():\n    pass\n',
        },
    )
    snapshot = take_snapshot(root, SnapshotOptions(max_file_bytes=1500))
    assert {s.path for s in snapshot.skipped} == {"logo.py", "huge.py"}
    index = build_index(snapshot, IndexLimits(max_file_bytes=200))
    text = index.render(5000).text
    assert "logo.py" not in text and "huge.py" not in text and "hidden" not in text
    # Under the snapshot's cap but over the index's: the path only.
    assert "- big.md\n" in text + "\n" and "Big heading" not in text
    assert "defines: small()" in text


def test_co_change_counting_and_oversized_commits(tmp_path: Path) -> None:
    root = init_repo(tmp_path / "app")
    files = {f"app/{n}.py": f"# {n}\n" for n in ("cli", "export", "models", "db", "web")}
    commit(root, "Start the app", files)  # all five together: 1 shared commit per pair
    for number in range(3):
        commit(
            root,
            f"Export change {number} (#12{number})",
            {"app/cli.py": f"# cli {number}\n", "app/export.py": f"# export {number}\n"},
        )
    commit(root, "Models and db, refs #7", {"app/models.py": "# m\n", "app/db.py": "# d\n"})
    commit(root, "Reformat everything", {p: f"# reformatted {p}\n" for p in files})
    history = read_history(take_snapshot(root), HistoryLimits(max_commit_files=4))
    assert history.commits == 6 and history.used == 4  # the two 5-file commits left out
    cli = history.of("app/cli.py")
    assert cli.touches == 3
    assert cli.partners == (("app/export.py", 3),)  # models/db together once: below min_pair
    assert cli.subjects == ("Export change 2", "Export change 1", "Export change 0")
    assert history.of("app/db.py").partners == ()  # one shared commit only
    assert history.of("app/db.py").subjects == ("Models and db",)
    assert history.of("app/web.py").touches == 0
    counted = read_history(take_snapshot(root))  # default cap 20: every commit counts
    assert counted.of("app/cli.py").partners[0] == ("app/export.py", 5)
    assert counted.of("app/models.py").partners == (
        ("app/db.py", 3), ("app/cli.py", 2), ("app/export.py", 2),
    )  # fmt: skip
    # A context rooted in a subfolder reads the same history with its own paths.
    sub = read_history(take_snapshot(root / "app"), HistoryLimits(max_commit_files=4))
    assert sub.of("cli.py") == FileHistory(3, cli.subjects, (("export.py", 3),))
    assert clean_subject("Schema option (#777)") == "Schema option"


def test_history_stops_at_the_snapshot_commit(tmp_path: Path) -> None:
    """The benchmark's case: a checkout of a task's parent in a clone that holds later
    commits. Nothing after the snapshot's commit may reach the index."""
    root = init_repo(tmp_path / "app")
    files = {f"app/{n}.py": f"# {n}\n" for n in ("cli", "export", "models", "db")}
    commit(root, "Start the app", files)
    commit(root, "Early pair", {"app/cli.py": "# 1\n", "app/export.py": "# 1\n"})
    commit(root, "Second early pair", {"app/cli.py": "# 2\n", "app/export.py": "# 2\n"})
    later = "Later secret change"
    for number in range(3):
        commit(
            root,
            f"{later} {number}",
            {"app/cli.py": f"# l{number}\n", "app/db.py": f"# l{number}\n", "app/models.py": "#\n"},
        )
    [task] = [t for t in mine_tasks(root, MinerOptions()) if t.request == f"{later} 0"]
    with parent_checkout(root, task, tmp_path / "checkout") as dest:
        # The later commits are in the object store the checkout reads from.
        assert git(dest, "cat-file", "-t", task.commit).strip() == "commit"
        snapshot = take_snapshot(dest)
        assert snapshot.head == task.parent
        index = build_index(snapshot)
        text = index.render(50_000).text
        assert index.history.commit == task.parent and index.history.used == 3
        assert later not in text and "Later" not in text
        assert index.history.of("app/cli.py").partners == (("app/export.py", 3),)
        assert index.history.of("app/db.py").touches == 1  # "Start the app" only
    # From the full history the same pairs read differently: the cut is what hid them.
    full = build_index(take_snapshot(root))
    assert later in full.render(50_000).text
    assert full.history.of("app/db.py").partners[0] == ("app/cli.py", 4)


def test_ranking_and_the_character_cap(tmp_path: Path) -> None:
    root = init_repo(tmp_path / "app")
    names = [f"mod{n:02d}" for n in range(30)]
    commit(
        root,
        "Start",
        {
            **{f"app/{n}.py": f'"""Module {n}."""\n\ndef {n}_run():\n    pass\n' for n in names},
            "tests/test_app.py": "def test_one():\n    pass\n",
            "README.md": "# App\n",
        },
    )
    for number in range(4):  # tests and docs change most, mod07 next
        commit(
            root,
            f"Busy {number}",
            {"tests/test_app.py": f"# {number}\n", "README.md": f"# App {number}\n"},
        )
    commit(root, "Touch mod07", {"app/mod07.py": '"""Module mod07."""\n\ndef mod07_run(): ...\n'})
    index = build_index(take_snapshot(root))
    order = [e.path for e in index.entries]
    # Source first (most changed first), then tests and docs, however often they change.
    assert order[0] == "app/mod07.py" and order[1] == "app/mod00.py"
    assert order[-2:] == ["README.md", "tests/test_app.py"]  # a tie: the shallower first
    previous: set[str] = set()
    for cap in (MIN_INDEX_CHARS, 600, 1200, 2500, 50_000):
        rendered = index.render(cap)
        assert 0 < len(rendered.text) <= cap and rendered.text.startswith(MARKER)
        assert list(rendered.files) == order[: len(rendered.files)]  # a prefix of the ranking
        assert previous <= set(rendered.files)
        previous = set(rendered.files)
        left = len(order) - len(rendered.files)
        if left:
            assert rendered.text.endswith(
                f"- ... {left:,} more files, not shown (list_files shows them)"
            )
    assert len(previous) == len(order)
    assert index.render(MIN_INDEX_CHARS - 1).text == ""
    details = index.render(1200).details()
    assert details["version"] == "repo_index@v1" and details["format"] == "map+index/1"
    assert (
        details["chars"] <= 1200
        and details["history_commit"] == git(root, "rev-parse", "HEAD").strip()
    )


def test_map_and_index_compose_and_split() -> None:
    index = f"{MARKER}\nBuilt from ...\n- a.py"
    assert with_index("The map.", "") == "The map."
    assert with_index("  ", index) == index
    both = with_index("The map.\n", index)
    assert both == f"The map.\n\n{index}"
    assert split_index(both) == ("The map.", index)
    assert split_index(index) == ("", index)
    assert split_index("A map alone.") == ("A map alone.", "")
    assert check_index_chars(0) == 0 and check_index_chars(3000) == 3000
    with pytest.raises(InputError, match="0 \\(off\\) or 500"):
        check_index_chars(100)
