"""A short overview of a snapshot for the first message: folders, counts, some paths.

A model that starts blind spends its first steps listing files; a capped overview saves
those steps without flooding the window on a large repository.
"""

from __future__ import annotations

from collections import Counter

from sleeptime.repo.snapshot import Snapshot

OVERVIEW_PATHS = 60
"""Paths the overview lists by default (and always for an agent without notes)."""


def overview(snapshot: Snapshot, max_paths: int = OVERVIEW_PATHS) -> str:
    """Describe the tree: file count, top-level folders, then up to ``max_paths`` paths.

    ``max_paths=0`` gives the brief form (counts and folders only), for an agent whose
    notes already name the files that matter: the path list is most of the overview's
    tokens, and list_files is one tool call away.
    """
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
    if max_paths <= 0:
        lines.append("The notes name the files that matter; list_files shows the rest.")
        return "\n".join(lines)
    # Shallow paths first: they say more about the layout than deep ones.
    shown = sorted(paths, key=lambda p: (p.count("/"), p))[:max_paths]
    lines.append("Files:" if len(shown) == len(paths) else f"Some files ({len(shown)} shown):")
    lines.extend(sorted(shown))
    return "\n".join(lines)
