"""How a directory context is stored: where its folder is, and a manifest per revision.

A directory context keeps its root and snapshot options in ``contexts.source`` and one
revision per distinct snapshot. A revision's text is the snapshot's **manifest**: kind,
HEAD, the snapshot hash and one line per included file (content hash, size, path). It is
a function of the tree's content and HEAD only, so its SHA-256 (the revision key) changes
exactly when an included file or HEAD changes, and it holds what an incremental re-sleep
needs from an older revision (which files changed) after the folder has moved on.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any, Literal

from sleeptime.errors import InputError
from sleeptime.repo.snapshot import FileEntry, Snapshot, SnapshotOptions, take_snapshot

SOURCE_KIND = "directory"
SOURCE_VERSION = 1
MANIFEST_HEADER = "sleeptime directory snapshot v1"
_LIMIT_FIELDS = ("max_file_bytes", "max_total_bytes", "max_files")


@dataclass(frozen=True, slots=True)
class DirectorySource:
    """A directory context's folder and what of it is included."""

    root: Path
    options: SnapshotOptions = field(default_factory=SnapshotOptions)

    def to_json(self) -> dict[str, Any]:
        """The ``contexts.source`` value."""
        options = self.options
        return {
            "kind": SOURCE_KIND,
            "version": SOURCE_VERSION,
            "root": str(self.root),
            "include": list(options.include),
            "exclude": list(options.exclude),
            **{name: getattr(options, name) for name in _LIMIT_FIELDS},
            "use_git": options.use_git,
        }

    @classmethod
    def from_json(cls, data: Any) -> DirectorySource:
        """Rebuild a source from the database; ``InputError`` naming the fault if garbled."""
        if not isinstance(data, dict) or data.get("kind") != SOURCE_KIND:
            raise InputError("this context's source is not a directory source")
        root = data.get("root")
        if not isinstance(root, str) or not root.startswith("/"):
            raise InputError(f"the directory context's root {root!r} is not an absolute path")
        known = {f.name for f in fields(SnapshotOptions)}
        values: dict[str, Any] = {}
        for key in ("include", "exclude"):
            patterns = data.get(key, [])
            if not isinstance(patterns, list) or not all(isinstance(p, str) for p in patterns):
                raise InputError(f"the directory context's {key} patterns are not a list of text")
            values[key] = tuple(patterns)
        for key in _LIMIT_FIELDS:
            if key in data:
                value = data[key]
                if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                    raise InputError(f"the directory context's {key} {value!r} is not a count")
                values[key] = value
        if "use_git" in data:
            values["use_git"] = bool(data["use_git"])
        assert set(values) <= known
        return cls(root=Path(root), options=SnapshotOptions(**values))

    def snapshot(self) -> Snapshot:
        """Snapshot the folder now; ``InputError`` when it is gone or holds nothing usable."""
        if not self.root.is_dir():
            raise InputError(
                f"the folder of this context, {self.root}, no longer exists or is not a "
                "directory; add the context again with its new path, or delete it"
            )
        return checked_snapshot(self.root, self.options)


def checked_snapshot(path: Path, options: SnapshotOptions) -> Snapshot:
    """``take_snapshot`` that refuses a tree with no readable file (nothing to sleep on)."""
    snapshot = take_snapshot(path, options)
    if not snapshot.files:
        reasons = "; ".join(f"{s.path}: {s.reason}" for s in snapshot.skipped[:3])
        more = f" (skipped: {reasons})" if reasons else ""
        raise InputError(
            f"{snapshot.root} has no readable text files to include{more}; check the "
            "include/exclude patterns and size caps, or give another folder"
        )
    return snapshot


def render_manifest(snapshot: Snapshot) -> str:
    """The revision text of ``snapshot``: deterministic in its content and HEAD."""
    lines = [
        MANIFEST_HEADER,
        f"kind: {snapshot.kind}",
        f"head: {snapshot.head or '-'}",
        f"snapshot: {snapshot.content_hash}",
        f"files: {len(snapshot.files)} ({snapshot.total_bytes} bytes)",
        "",
    ]
    # JSON-quoted paths: a file name may hold spaces, quotes or even newlines.
    lines.extend(f"{e.sha256} {e.size} {json.dumps(e.path)}" for e in snapshot.files)
    return "\n".join(lines) + "\n"


@dataclass(frozen=True, slots=True)
class Manifest:
    """A manifest read back: HEAD, the snapshot hash and every file's content hash."""

    kind: str
    head: str | None
    snapshot_hash: str
    files: tuple[FileEntry, ...]

    def as_snapshot(self, root: Path) -> Snapshot:
        """A file list to diff against (``diff_snapshots``); nothing is read from ``root``."""
        kind: Literal["git", "folder"] = "git" if self.kind == "git" else "folder"
        return Snapshot(root=root, kind=kind, head=self.head, files=self.files)


def parse_manifest(text: str) -> Manifest:
    """Read a revision text written by ``render_manifest``; ``InputError`` if it is not one."""
    lines = text.split("\n")
    if not lines or lines[0] != MANIFEST_HEADER:
        raise InputError("this revision is not a directory snapshot manifest")
    header: dict[str, str] = {}
    index = 1
    while index < len(lines) and lines[index]:
        key, _, value = lines[index].partition(": ")
        header[key] = value
        index += 1
    files: list[FileEntry] = []
    for line in lines[index + 1 :]:
        if not line:
            continue
        digest, size, quoted = line.split(" ", 2)
        files.append(FileEntry(path=json.loads(quoted), size=int(size), sha256=digest))
    head = header.get("head", "-")
    return Manifest(
        kind=header.get("kind", "folder"),
        head=None if head == "-" else head,
        snapshot_hash=header.get("snapshot", ""),
        files=tuple(files),
    )


def is_directory_source(source: Any) -> bool:
    """Whether a context's ``source`` column marks a directory context."""
    return isinstance(source, dict) and source.get("kind") == SOURCE_KIND
