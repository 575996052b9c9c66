"""A short overview of a snapshot for the first message: folders, counts, some paths.

A model that starts blind spends its first steps listing files; a capped overview saves
those steps without flooding the window on a large repository.
"""

from __future__ import annotations

from collections import Counter

from sleeptime.repo.snapshot import Snapshot


def overview(snapshot: Snapshot, max_paths: int = 60) -> str:
    """Describe the tree: file count, top-level folders, then up to ``max_paths`` paths."""
    paths = snapshot.paths
    if not paths:
        return "The repository has no readable files."
    folders = Counter(p.split("/", 1)[0] for p in paths if "/" in p)
    lines = [f"{len(paths)} files, {snapshot.total_bytes:,} bytes."]
    if folders:
        lines.append(
            "Top-level folders: "
            + ", ".join(f"{name}/ ({count})" for name, count in sorted(folders.items()))
        )
    # Shallow paths first: they say more about the layout than deep ones.
    shown = sorted(paths, key=lambda p: (p.count("/"), p))[:max_paths]
    lines.append("Files:" if len(shown) == len(paths) else f"Some files ({len(shown)} shown):")
    lines.extend(sorted(shown))
    return "\n".join(lines)
