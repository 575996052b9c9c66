"""What a file says about itself, read without a model and without running anything.

For a Python file: the first line of its module docstring and its top-level classes and
functions, from ``ast`` (the file is parsed, never imported or executed; one that does
not parse is known by its path only). For Markdown and reStructuredText: its headings.
Any other text file is known by its path.
"""

from __future__ import annotations

import ast
import re
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from sleeptime.repo.paths import ToolError, resolve_inside

FileKind = Literal["python", "doc", "other"]

PYTHON_SUFFIXES = (".py", ".pyi")
MARKDOWN_SUFFIXES = (".md", ".markdown")
RST_SUFFIXES = (".rst",)
SUMMARY_CHARS = 100
"""Longest docstring line kept; the rest of a first paragraph rarely names more."""
MAX_HEADINGS = 40
"""Headings kept per document (a changelog has hundreds; the index shows a few anyway)."""


@dataclass(frozen=True, slots=True)
class FileFacts:
    """One file as the index describes it."""

    path: str
    kind: FileKind
    summary: str = ""
    """First line of a Python module's docstring."""
    names: tuple[str, ...] = ()
    """Top-level classes (``Order``) and functions (``export()``): public ones first,
    each group in file order."""
    headings: tuple[str, ...] = ()
    """Document headings, in order (version numbers and dates left out)."""
    parsed: bool = True
    """False for a Python file that did not parse (or could not be read)."""


def kind_of(path: str) -> FileKind:
    """Which reader a path gets, by its suffix."""
    lower = path.lower()
    if lower.endswith(PYTHON_SUFFIXES):
        return "python"
    if lower.endswith(MARKDOWN_SUFFIXES + RST_SUFFIXES):
        return "doc"
    return "other"


def python_facts(path: str, source: bytes) -> FileFacts:
    """Docstring line and top-level names of a Python file; path only if it does not parse.

    ``ast.parse`` takes the bytes so an encoding declaration is honoured. Deep nesting
    (RecursionError, MemoryError) and null bytes (ValueError) count as not parsing; the
    warnings a parse can raise (invalid escapes) are not the reader's business.
    """
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            tree = ast.parse(source, filename=path)
    except (SyntaxError, ValueError, RecursionError, MemoryError, UnicodeDecodeError):
        return FileFacts(path, "python", parsed=False)
    docstring = ast.get_docstring(tree, clean=True) or ""
    summary = next((line.strip() for line in docstring.splitlines() if line.strip()), "")
    if len(summary) > SUMMARY_CHARS:
        summary = summary[: SUMMARY_CHARS - 3].rstrip() + "..."
    public: list[str] = []
    private: list[str] = []
    for node in tree.body:
        if isinstance(node, ast.ClassDef):
            name = node.name
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            name = node.name + "()"
        else:
            continue
        (private if name.startswith("_") else public).append(name)
    return FileFacts(path, "python", summary=summary, names=tuple(public + private))


_ATX = re.compile(r"^ {0,3}(#{1,6})[ \t]+(.*?)[ \t]*#*[ \t]*$")
_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_SETEXT = re.compile(r"^ {0,3}(=+|-+)[ \t]*$")
_RST_UNDERLINE = re.compile(r"^([=\-~^\"'`#*+:.,_<>!$%&/;?@\\|])\1{2,}\s*$")
_NOT_A_TITLE = re.compile(r"^\s*(?:[-*+>|]|\d+[.)]\s|\.\.\s|:)")
_VERSION = re.compile(r"^[vV]?\d+(?:\.\d+)+\S*(?:\s.*)?$|^\d{4}-\d{2}-\d{2}")
_MARKUP = re.compile(r"[`*_]|\[([^\]]*)\]\([^)]*\)")


def _plain(title: str) -> str:
    """A heading without inline markup: links keep their text."""
    return _MARKUP.sub(lambda m: m.group(1) or "", title).strip()


def _keep(title: str, out: list[str]) -> None:
    title = _plain(title)
    if title and not _VERSION.match(title) and len(out) < MAX_HEADINGS:
        out.append(title[:SUMMARY_CHARS])


def markdown_headings(text: str) -> tuple[str, ...]:
    """ATX (``# Title``) and setext (``Title`` over ``===``) headings outside code fences
    and front matter."""
    lines = text.splitlines()
    out: list[str] = []
    start = 0
    if lines and lines[0].strip() == "---":  # YAML front matter
        end = next((i for i in range(1, len(lines)) if lines[i].strip() == "---"), None)
        start = end + 1 if end is not None else 0
    fence: str | None = None
    previous = ""
    for line in lines[start:]:
        opened = _FENCE.match(line)
        if fence is not None:
            if opened and opened.group(1)[0] == fence[0] and len(opened.group(1)) >= len(fence):
                fence = None
            previous = ""
            continue
        if opened:
            fence, previous = opened.group(1), ""
            continue
        atx = _ATX.match(line)
        if atx:
            _keep(atx.group(2), out)
            previous = ""
            continue
        if _SETEXT.match(line) and previous.strip() and not _NOT_A_TITLE.match(previous):
            _keep(previous, out)
            previous = ""
            continue
        previous = line
    return tuple(out)


def rst_headings(text: str) -> tuple[str, ...]:
    """Section titles of reStructuredText: a line underlined (and maybe overlined) with a
    repeated punctuation character at least as long as the title."""
    lines = text.splitlines()
    out: list[str] = []
    for index in range(1, len(lines)):
        under, title = lines[index], lines[index - 1]
        if not _RST_UNDERLINE.match(under) or not title.strip():
            continue
        if _RST_UNDERLINE.match(title) or _NOT_A_TITLE.match(title):
            continue  # an overline, a transition, or a list item
        if len(under.rstrip()) >= len(title.strip()):
            _keep(title.strip(), out)
    return tuple(out)


def doc_facts(path: str, source: bytes) -> FileFacts:
    """Headings of a Markdown or reStructuredText file."""
    text = source.decode("utf-8", "replace")
    headings = (
        rst_headings(text) if path.lower().endswith(RST_SUFFIXES) else markdown_headings(text)
    )
    return FileFacts(path, "doc", headings=headings)


def read_facts(root: Path, path: str, max_bytes: int) -> FileFacts:
    """The facts of one snapshot file; path only when it is not Python or a document, or
    cannot be read now (it may have changed since the snapshot: grown, swapped for a
    link out of the tree, gone).
    """
    kind = kind_of(path)
    if kind == "other":
        return FileFacts(path, "other")
    try:
        with resolve_inside(root, path).open("rb") as handle:
            source = handle.read(max_bytes + 1)
    except (OSError, ToolError):
        return FileFacts(path, kind, parsed=False)
    if len(source) > max_bytes or b"\0" in source[:8192]:
        return FileFacts(path, kind, parsed=False)
    return python_facts(path, source) if kind == "python" else doc_facts(path, source)
