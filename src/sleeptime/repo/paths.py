"""Turning a path a model wrote into a path inside the tree, or a refusal it can act on.

Models write paths every way there is (``./src/a.py``, ``src\\a.py``, quoted, with a
leading ``/``). Whatever they write, nothing outside the snapshot's root may be read:
``..`` that climbs out, absolute paths and symlinks pointing out are refused with a
message that says what to send instead.
"""

from __future__ import annotations

import posixpath
import re
from pathlib import Path


class ToolError(Exception):
    """A tool call that cannot be carried out; its message goes back to the model as the result."""


_DRIVE = re.compile(r"^[A-Za-z]:[\\/]")


def normalize(raw: object) -> str:
    """Return ``raw`` as a clean relative ``/`` path ("" for the root); refuse escapes.

    Raises ``ToolError`` for absolute paths and for ``..`` that leaves the tree.
    """
    if not isinstance(raw, str):
        raise ToolError(f"a path must be a string, got {type(raw).__name__}")
    text = raw.strip().strip("`'\"").strip().replace("\\", "/")
    if text.startswith(("/", "~")) or _DRIVE.match(raw.strip()):
        raise ToolError(
            f"refused {raw!r}: absolute paths are not allowed; give a path relative to "
            "the repository root, such as src/main.py"
        )
    if "\0" in text:
        raise ToolError(f"refused {raw!r}: a path cannot contain a NUL character")
    norm = posixpath.normpath(text) if text else "."
    if norm == ".." or norm.startswith("../"):
        raise ToolError(
            f"refused {raw!r}: it leaves the repository; only files inside it can be read"
        )
    return "" if norm == "." else norm


def resolve_inside(root: Path, rel: str) -> Path:
    """Return ``root/rel`` with symlinks resolved, refusing any that resolve outside ``root``."""
    target = (root / rel).resolve()
    if target != root and not target.is_relative_to(root):
        raise ToolError(
            f"refused {rel!r}: it is a link that points outside the repository; "
            "only files inside it can be read"
        )
    return target
