"""The overview's path sample: spread over the tree, code first, capped.

A shallow-first sample showed no source file on a ``src/`` layout with many top-level
files; these tests pin the properties that replaced it, on trees built in memory.
"""

from __future__ import annotations

from pathlib import Path

from sleeptime.repo.overview import overview, sample_paths
from sleeptime.repo.snapshot import FileEntry, Snapshot


def _files(spec: dict[str, int]) -> tuple[FileEntry, ...]:
    return tuple(FileEntry(path, size, "0" * 64) for path, size in sorted(spec.items()))


def _src_layout() -> dict[str, int]:
    """A package under src/ with eight subpackages, next to many top-level scripts."""
    files = {f"tools/script{i:02d}.py": 100 for i in range(30)}
    files |= {"README.md": 500, "pyproject.toml": 300}
    for package in ("api", "cli", "core", "db", "jobs", "mail", "search", "web"):
        files |= {f"src/app/{package}/{name}.py": 50 for name in ("a", "b", "c")}
        files[f"src/app/{package}/main.py"] = 900  # the largest file of each subpackage
    files |= {f"tests/test_{i}.py": 10 for i in range(20)}
    return files


def test_every_subpackage_shows_its_largest_file_before_any_shows_two() -> None:
    for cap in (30, 34, 40):
        src = [p for p in sample_paths(_files(_src_layout()), cap) if p.startswith("src/")]
        assert len(src) >= 8
        packages = ("api", "cli", "core", "db", "jobs", "mail", "search", "web")
        assert src[:8] == [f"src/app/{package}/main.py" for package in packages]


def test_top_level_folders_share_the_cap() -> None:
    shown = sample_paths(_files(_src_layout()), 24)
    counts = {top: sum(p.startswith(top) for p in shown) for top in ("src/", "tools/", "tests/")}
    assert max(counts.values()) - min(counts.values()) <= 1, counts


def test_folders_without_code_wait_until_the_code_beside_them_is_shown() -> None:
    files = {f"tests/test_{i}.py": 10 for i in range(5)}
    files |= {f"tests/cassettes/case{i}.yaml": 5000 for i in range(10)}
    files |= {"lib/core.py": 10}
    shown = sample_paths(_files(files), 7)
    assert sum(p.startswith("tests/test_") for p in shown) == 5
    assert sum(p.startswith("tests/cassettes/") for p in shown) == 1


def test_a_folder_of_documents_alone_is_spread_too() -> None:
    files = {
        f"notes/{year}/{month:02d}.md": 100 for year in (2023, 2024, 2025) for month in range(1, 13)
    }
    shown = sample_paths(_files(files), 6)
    assert sorted({p.split("/")[1] for p in shown}) == ["2023", "2024", "2025"]


def test_cap_and_edge_cases() -> None:
    files = _files({"a.py": 1, "b/c.py": 1})
    assert sorted(sample_paths(files, 10)) == ["a.py", "b/c.py"]
    assert sample_paths(files, 0) == []
    assert sample_paths((), 5) == []
    assert len(sample_paths(_files(_src_layout()), 60)) == 60
    assert sample_paths(_files(_src_layout()), 60) == sample_paths(_files(_src_layout()), 60)


def test_overview_lists_the_sample_sorted_with_counts(tmp_path: Path) -> None:
    snap = Snapshot(root=tmp_path, kind="folder", head=None, files=_files(_src_layout()))
    text = overview(snap, 10)
    lines = text.splitlines()
    assert lines[0].startswith(f"{len(snap.files)} files")
    assert "src/ (32)" in lines[1] and "tools/ (30)" in lines[1]
    assert lines[2] == "Some files (10 shown):"
    assert lines[3:] == sorted(lines[3:]) and len(lines[3:]) == 10
    assert "Files:" in overview(Snapshot(tmp_path, "folder", None, _files({"x.md": 1})))
    assert "list_files" in overview(snap, 0) and "src/app" not in overview(snap, 0)
