"""A repository index computed at sleep time without a model, capped to a character budget.

A small model's architecture map may name no file at all; sleep-time compute should not
depend on it alone. The index is built from what the files and the git history say
(``file_facts.py``, ``history.py``): one line per file with how often it changed, its
docstring's first line and top-level names or its headings, the files it usually
changes with, and recent commit subjects. It goes into ``c'`` after the model's map
(``with_index``), under its own cap, so a test-time agent can name files from ``c'``
alone or check a guess with one read instead of exploring.

Ranking, and why: source files come before everything else (tests, docs, configuration),
then files are ordered by how many commits changed them, then by how many names or
headings they define, then shallow paths first. A feature request is carried out in
source files; the tests and docs that come with a change are named by the source file's
"changed with" list, so they need no room of their own in a small window. Where earlier
changes landed is the best model-free prior for where the next one lands (history is
skewed: in ``simonw/llm`` two modules are among the changed files of most mined tasks),
and among files the history does not separate (a plain folder, new files) the ones that
define more hold more of the code a change could touch. A folder with no source file is
ranked by the same rules without the first. The cap is filled in that order, so a small
window keeps the files most likely to matter.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pathspec

from sleeptime.errors import InputError
from sleeptime.prompts import load_prompt
from sleeptime.repo.file_facts import FileFacts, kind_of, read_facts
from sleeptime.repo.history import FileHistory, History, HistoryLimits, read_history
from sleeptime.repo.snapshot import Snapshot
from sleeptime.repo.tasks import NOT_SOURCE_PATTERNS, SOURCE_PATTERNS

INDEX_PROMPT = "repo_index"
"""The prompt file that heads the index section; its key versions the section."""
INDEX_FORMAT = "map+index/1"
"""``format_version`` of an artifact whose text is the model's map followed by an index
(a map alone is format "1"), so an old map is never taken for one with an index."""
MARKER = "## Repository index"
"""The first line of the section (the prompt's first line): where ``split_index`` cuts."""
MIN_INDEX_CHARS = 500
"""Below this no useful entry fits after the section's header."""


@dataclass(frozen=True, slots=True)
class IndexLimits:
    """How much of each file an entry may show, and how much is read to build the index."""

    max_names: int = 12
    """Top-level names shown per Python file (the rest are counted)."""
    max_headings: int = 6
    """Headings shown per document."""
    subject_chars: int = 72
    """Longest commit subject shown."""
    entry_chars: int | None = None
    """Longest entry; None: a tenth of the budget, between 160 and 500 characters."""
    max_file_bytes: int = 1_000_000
    """Python and document files larger than this are indexed by path only."""
    max_read_bytes: int = 20_000_000
    """Bytes read over the whole build; files past it (in rank order) get their path only."""
    history: HistoryLimits = field(default_factory=HistoryLimits)


@dataclass(frozen=True, slots=True)
class IndexEntry:
    """One file: what it says about itself and what the history says about it."""

    facts: FileFacts
    history: FileHistory
    source: bool
    """A source file (``tasks.SOURCE_PATTERNS``, not a test, doc or build file)."""

    @property
    def path(self) -> str:
        """The file's path relative to the root."""
        return self.facts.path

    def rank_key(self) -> tuple[bool, int, int, int, str]:
        """Source first, most changed first, then most names or headings, shallow paths."""
        defined = len(self.facts.names) + len(self.facts.headings)
        return (not self.source, -self.history.touches, -defined, self.path.count("/"), self.path)


@dataclass(frozen=True, slots=True)
class RenderedIndex:
    """The index section at one budget: its text and which files got an entry."""

    text: str
    files: tuple[str, ...]
    """Paths with an entry, in rank order."""
    lines: tuple[str, ...]
    """Their entries, in the same order."""
    max_chars: int
    history_commit: str | None
    history_commits: int

    @property
    def version(self) -> str:
        """The key of the prompt that heads the section (``repo_index@vN``)."""
        return load_prompt(INDEX_PROMPT).key

    def details(self) -> dict[str, Any]:
        """What a run records about its index (artifact details, benchmark rows)."""
        return {
            "version": self.version,
            "format": INDEX_FORMAT,
            "max_chars": self.max_chars,
            "chars": len(self.text),
            "files": len(self.files),
            "history_commit": self.history_commit,
            "history_commits": self.history_commits,
        }


@dataclass(frozen=True, slots=True)
class RepoIndex:
    """Every file of a snapshot, ranked; ``render`` caps it to a budget."""

    entries: tuple[IndexEntry, ...]
    history: History
    limits: IndexLimits = field(default_factory=IndexLimits)

    def render(self, max_chars: int) -> RenderedIndex:
        """The section, at most ``max_chars`` characters, entries filled in rank order."""
        return render_index(self, max_chars)


def check_index_chars(value: int) -> int:
    """``value`` if it is a usable index cap (0 is off); ``InputError`` otherwise."""
    if value != 0 and not MIN_INDEX_CHARS <= value <= 200_000:
        raise InputError(
            f"the repository index cap must be 0 (off) or {MIN_INDEX_CHARS} to 200000 "
            f"characters, not {value}; 3000 suits a 4k-token window"
        ).hinted("--index-chars")
    return value


def build_index(snapshot: Snapshot, limits: IndexLimits | None = None) -> RepoIndex:
    """Read the snapshot's files and history into a ranked index (no model, nothing run).

    Files are read in history order (most changed first) so that, past
    ``max_read_bytes``, the files left as bare paths are the least likely to matter.
    """
    limits = limits or IndexLimits()
    history = read_history(snapshot, limits.history)
    source = pathspec.GitIgnoreSpec.from_lines(SOURCE_PATTERNS)
    not_source = pathspec.GitIgnoreSpec.from_lines(NOT_SOURCE_PATTERNS)
    order = sorted(
        snapshot.files, key=lambda e: (-history.of(e.path).touches, e.path.count("/"), e.path)
    )
    read = 0
    entries = []
    for file in order:
        readable = kind_of(file.path) != "other" and file.size <= limits.max_file_bytes
        if readable and read + file.size <= limits.max_read_bytes:
            read += file.size
            facts = read_facts(snapshot.root, file.path, limits.max_file_bytes)
        else:
            facts = FileFacts(file.path, kind_of(file.path), parsed=not readable)
        is_source = source.match_file(file.path) and not not_source.match_file(file.path)
        entries.append(IndexEntry(facts, history.of(file.path), bool(is_source)))
    entries.sort(key=IndexEntry.rank_key)
    return RepoIndex(tuple(entries), history, limits)


def _basis(history: History) -> str:
    if history.commit is not None:
        return (
            f"the files and the git history up to commit {history.commit[:12]} "
            f"({history.used} commits)"
        )
    return f"the files only ({history.note or 'no history'})"


def _items(label: str, items: list[str], room: int, sep: str, more: int = 0) -> str:
    """``label`` and as many ``items`` as fit in ``room``, counting the ones left out."""
    shown: list[str] = []
    for index, item in enumerate(items):
        left = len(items) - index - 1 + more
        tail = f" +{left} more" if left else ""
        candidate = label + sep.join([*shown, item]) + tail
        if len(candidate) > room:
            break
        shown.append(item)
    if not shown:
        return ""
    left = len(items) - len(shown) + more
    return label + sep.join(shown) + (f" +{left} more" if left else "")


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 3].rstrip() + "..."


SHARES = {"defines: ": 0.4, "headings: ": 0.4, "recent: ": 0.3, "changed with: ": 1.0}
"""Most of an entry's room each list may take, so long name lists leave room for the
history (which says in words what the file is for)."""


def render_entry(entry: IndexEntry, room: int, limits: IndexLimits) -> str:
    """One line for one file, at most ``room`` characters (or its bare path if longer)."""
    facts, past = entry.facts, entry.history
    line = f"- {entry.path}"
    if past.touches:
        line += f" ({past.touches} commit{'s' if past.touches != 1 else ''})"
    if facts.summary and room - len(line) - 5 >= 20:
        line += " | " + _clip(f'"{facts.summary}"', room - len(line) - 3)
    parts: list[tuple[str, list[str], str, int]] = []
    if facts.names:
        shown = list(facts.names[: limits.max_names])
        parts.append(("defines: ", shown, ", ", len(facts.names) - len(shown)))
    if facts.headings:
        shown = list(facts.headings[: limits.max_headings])
        parts.append(("headings: ", shown, "; ", len(facts.headings) - len(shown)))
    if past.subjects:
        quoted = [f'"{_clip(s, limits.subject_chars)}"' for s in past.subjects]
        parts.append(("recent: ", quoted, "; ", 0))
    if past.partners:
        parts.append(("changed with: ", [f"{p} ({n})" for p, n in past.partners], ", ", 0))
    for label, items, sep, more in parts:
        share = int(room * SHARES[label])
        piece = _items(label, items, min(share, room - len(line) - 3), sep, more)
        if piece:
            line += " | " + piece
    return line


def render_index(index: RepoIndex, max_chars: int) -> RenderedIndex:
    """Fill ``max_chars`` with the header and entries in rank order.

    Each entry gets at most ``entry_chars``; when the next one no longer fits whole, it
    gets what is left, and once not even a path fits, a last line counts the files left
    out. Below ``MIN_INDEX_CHARS`` (or with no file) the section is empty.
    """
    history = index.history
    empty = RenderedIndex("", (), (), max_chars, history.commit, history.used)
    if max_chars < MIN_INDEX_CHARS or not index.entries:
        return empty
    prompt = load_prompt(INDEX_PROMPT)
    header = prompt.render(basis=_basis(history), entries="")
    limits = index.limits
    entry_cap = limits.entry_chars or min(500, max(160, max_chars // 10))
    lines: list[str] = []
    files: list[str] = []
    used = len(header)
    total = len(index.entries)
    for entry in index.entries:
        tail = len(f"\n- ... {total:,} more files, not shown (list_files shows them)")
        room = min(entry_cap, max_chars - used - tail - 1)
        if room < len(entry.path) + 2:
            break
        line = render_entry(entry, room, limits)
        if len(line) > room:
            break
        lines.append(line)
        files.append(entry.path)
        used += len(line) + 1
    if not lines:
        return empty
    shown = tuple(lines)
    left = total - len(lines)
    if left:
        lines.append(f"- ... {left:,} more files, not shown (list_files shows them)")
    text = prompt.render(basis=_basis(history), entries="\n".join(lines))
    return RenderedIndex(text, tuple(files), shown, max_chars, history.commit, history.used)


def with_index(notes: str, index: str) -> str:
    """``c'``: the model's map, then the index section (either may be empty).

    The index comes after the map: the map is the summary a reader takes first, the
    index the reference it checks names against, and it ends nearest the request in the
    answering prompt. The map stays a prefix of ``c'``, so ``split_index`` gives it back
    unchanged (an incremental sleep updates the map, and the index is built again).
    """
    if not index:
        return notes
    if not notes.strip():
        return index
    return notes.rstrip() + "\n\n" + index


def split_index(text: str) -> tuple[str, str]:
    """(map, index section) of an artifact written by ``with_index`` (format ``INDEX_FORMAT``)."""
    if text.startswith(MARKER):
        return "", text
    at = text.rfind("\n\n" + MARKER)
    if at < 0:
        return text, ""
    return text[:at], text[at + 2 :]
