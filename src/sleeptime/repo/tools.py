"""Repository tools for the agents: list files, read a range, search text, git log and show.

Each tool is a ``ToolSpec`` the model sees plus an executor over one ``Snapshot``. Tool
errors are results, not exceptions: a refused path or a missing file comes back to the
model as a sentence saying what to do instead, because a small model that gets an
exception gets nothing to learn from. Every output is capped so one call cannot flood the
model's window.
"""

from __future__ import annotations

import difflib
import fnmatch
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import regex

from sleeptime.backends.base import ToolCall, ToolSpec
from sleeptime.repo.git_tools import git_log, git_show
from sleeptime.repo.paths import ToolError, normalize, resolve_inside
from sleeptime.repo.snapshot import SNIFF_BYTES, Snapshot


@dataclass(frozen=True, slots=True)
class ToolLimits:
    """Caps on what one tool call returns; small models have small windows."""

    list_files: int = 200
    read_lines: int = 200
    read_chars: int = 8000
    line_chars: int = 300
    search_results: int = 50
    search_seconds: float = 2.0
    pattern_chars: int = 300
    log_commits: int = 30
    diff_chars: int = 6000


@dataclass(frozen=True, slots=True)
class ToolOutput:
    """The text returned to the model for one call, and whether the call succeeded."""

    name: str
    text: str
    ok: bool


LIST_FILES = "list_files"
READ_FILE = "read_file"
SEARCH = "search"
GIT_LOG = "git_log"
GIT_SHOW = "git_show"


def _spec(name: str, description: str, properties: dict[str, Any], required: list[str]) -> ToolSpec:
    return ToolSpec(
        name=name,
        description=description,
        parameters={"type": "object", "properties": properties, "required": required},
    )


TOOL_SPECS: tuple[ToolSpec, ...] = (
    _spec(
        LIST_FILES,
        "List the repository's files. pattern is a glob such as '*.py' or 'src/*', "
        "or a folder name; leave it empty for every file.",
        {"pattern": {"type": "string", "description": "Glob or folder; empty for all."}},
        [],
    ),
    _spec(
        READ_FILE,
        "Read lines of one file, numbered. Reads at most 200 lines per call.",
        {
            "path": {"type": "string", "description": "Path relative to the repository root."},
            "start_line": {"type": "integer", "description": "First line (1-based)."},
            "end_line": {"type": "integer", "description": "Last line (inclusive)."},
        },
        ["path"],
    ),
    _spec(
        SEARCH,
        "Search the files for text; returns path:line: matching line.",
        {
            "query": {"type": "string", "description": "Text to find (case-insensitive)."},
            "regex": {"type": "boolean", "description": "Treat query as a regular expression."},
            "pattern": {"type": "string", "description": "Only files matching this glob."},
        },
        ["query"],
    ),
    _spec(
        GIT_LOG,
        "Recent commits (hash, date, subject), optionally only those touching a path.",
        {
            "path": {"type": "string", "description": "File or folder; empty for all."},
            "limit": {"type": "integer", "description": "How many commits (at most 30)."},
        },
        [],
    ),
    _spec(
        GIT_SHOW,
        "One commit: its message, the files it changed, and the start of its diff.",
        {"commit": {"type": "string", "description": "A commit hash from git_log."}},
        ["commit"],
    ),
)


def _lines(text: str) -> list[str]:
    """Split on newlines only, so line numbers agree between read_file and search."""
    lines = [line.rstrip("\r") for line in text.split("\n")]
    if lines and lines[-1] == "":
        lines.pop()
    return lines


def _as_int(arguments: dict[str, Any], key: str, default: int) -> int:
    value = arguments.get(key, default)
    if value is None or value == "":
        return default
    if isinstance(value, bool):
        raise ToolError(f"{key} must be a whole number, got {value!r}")
    try:
        return int(value)
    except (TypeError, ValueError):
        raise ToolError(f"{key} must be a whole number, got {value!r}") from None


def _as_str(arguments: dict[str, Any], key: str, *, required: bool = False) -> str:
    value = arguments.get(key)
    if value is None:
        if required:
            raise ToolError(f"missing argument {key!r}")
        return ""
    if not isinstance(value, str | int | float):
        raise ToolError(f"{key} must be a string, got {type(value).__name__}")
    return str(value)


class RepoTools:
    """The tools of one snapshot; ``execute`` never raises for anything the model sends."""

    def __init__(self, snapshot: Snapshot, limits: ToolLimits | None = None) -> None:
        self.snapshot = snapshot
        self.limits = limits or ToolLimits()
        self.specs: tuple[ToolSpec, ...] = TOOL_SPECS
        self._handlers: dict[str, Callable[[dict[str, Any]], str]] = {
            LIST_FILES: self.list_files,
            READ_FILE: self.read_file,
            SEARCH: self.search,
            GIT_LOG: lambda args: git_log(self.snapshot, args, self.limits.log_commits),
            GIT_SHOW: lambda args: git_show(self.snapshot, args, self.limits.diff_chars),
        }

    @property
    def names(self) -> tuple[str, ...]:
        """Tool names in the order the model sees them."""
        return tuple(spec.name for spec in self.specs)

    def execute(self, call: ToolCall) -> ToolOutput:
        """Run one call; every problem becomes an error text for the model."""
        handler = self._handlers.get(call.name)
        if handler is None:
            return ToolOutput(
                call.name,
                f"error: there is no tool named {call.name!r}; use one of {', '.join(self.names)}",
                ok=False,
            )
        if not call.arguments and call.raw.strip() not in ("", "{}"):
            return ToolOutput(
                call.name,
                f"error: the arguments were not a JSON object: {call.raw[:120]!r}; "
                'send them like {"path": "src/main.py"}',
                ok=False,
            )
        try:
            return ToolOutput(call.name, handler(dict(call.arguments)), ok=True)
        except ToolError as exc:
            return ToolOutput(call.name, f"error: {exc}", ok=False)

    # -- files -------------------------------------------------------------------------

    def list_files(self, arguments: dict[str, Any]) -> str:
        """Paths (with sizes) matching a glob or under a folder."""
        pattern = _as_str(arguments, "pattern").strip()
        paths = self._matching(pattern)
        if not paths:
            return f"no files match {pattern!r}; call list_files with an empty pattern to see all"
        cap = self.limits.list_files
        lines = [f"{p} ({self.snapshot.by_path[p].size} bytes)" for p in paths[:cap]]
        if len(paths) > cap:
            lines.append(f"... and {len(paths) - cap} more; give a narrower pattern")
        return f"{len(paths)} file(s):\n" + "\n".join(lines)

    def _matching(self, pattern: str) -> list[str]:
        paths = list(self.snapshot.paths)
        if not pattern or pattern in ("*", "**", "**/*", "."):
            return paths
        if not any(ch in pattern for ch in "*?["):
            folder = normalize(pattern)
            return [p for p in paths if p == folder or p.startswith(folder + "/")]
        glob = pattern.removeprefix("./")
        # fnmatch's '*' also crosses '/', so '*.py' finds Python files at any depth.
        return [
            p
            for p in paths
            if fnmatch.fnmatchcase(p, glob) or fnmatch.fnmatchcase(p.rsplit("/", 1)[-1], glob)
        ]

    def _load(self, rel: str) -> str:
        """Read an included file's text, re-checking what may have changed since the snapshot."""
        entry = self.snapshot.by_path.get(rel)
        if entry is None:
            raise ToolError(self._not_included(rel))
        target = resolve_inside(self.snapshot.root, rel)
        cap = self.snapshot.options.max_file_bytes
        try:
            with target.open("rb") as handle:
                data = handle.read(cap + 1)
        except OSError as exc:
            raise ToolError(f"cannot read {rel}: {exc.strerror or exc}") from None
        if len(data) > cap:
            raise ToolError(f"cannot read {rel}: it is larger than {cap:,} bytes")
        if b"\0" in data[:SNIFF_BYTES]:
            raise ToolError(f"cannot read {rel}: it is a binary file")
        return data.decode("utf-8", errors="replace")

    def _not_included(self, rel: str) -> str:
        reason = self.snapshot.skipped_by_path.get(rel)
        if reason is not None:
            return f"{rel} is not readable here: {reason}"
        if not rel:
            return "give a file path, not the repository root; list_files shows the files"
        prefix = rel + "/"
        if any(p.startswith(prefix) for p in self.snapshot.paths):
            return f"{rel} is a folder; call list_files with pattern {rel!r} to see its files"
        name = rel.rsplit("/", 1)[-1]
        same_name = [p for p in self.snapshot.paths if p.rsplit("/", 1)[-1] == name][:5]
        close = same_name or difflib.get_close_matches(rel, self.snapshot.paths, n=3)
        hint = f"; did you mean {', '.join(close)}?" if close else "; use list_files or search"
        return f"no file {rel} in the repository{hint}"

    def read_file(self, arguments: dict[str, Any]) -> str:
        """Numbered lines ``start_line..end_line`` of one file, capped in lines and characters."""
        rel = normalize(_as_str(arguments, "path", required=True))
        resolve_inside(self.snapshot.root, rel)  # say "refused" for a link out, not "missing"
        text = self._load(rel)
        lines = _lines(text)
        if not lines:
            return f"{rel} is empty"
        limit = self.limits.read_lines
        start = max(1, _as_int(arguments, "start_line", 1))
        end = _as_int(arguments, "end_line", start + limit - 1)
        if start > len(lines):
            return f"{rel} has only {len(lines)} lines; start_line {start} is past the end"
        end = min(max(end, start), len(lines), start + limit - 1)
        out: list[str] = []
        used = 0
        for number in range(start, end + 1):
            line = lines[number - 1]
            if len(line) > self.limits.line_chars:
                line = line[: self.limits.line_chars] + " [line cut]"
            row = f"{number:>5}  {line}"
            if used + len(row) > self.limits.read_chars:
                end = number - 1
                break
            out.append(row)
            used += len(row) + 1
        header = f"{rel} lines {start}-{end} of {len(lines)}"
        if end < len(lines):
            header += f" (continue with start_line {end + 1})"
        return header + ":\n" + "\n".join(out)

    # -- search ------------------------------------------------------------------------

    def search(self, arguments: dict[str, Any]) -> str:
        """Matching lines across the snapshot's files, under a time and result cap."""
        query = _as_str(arguments, "query", required=True)
        if not query.strip():
            raise ToolError("query is empty; give the text to look for")
        if len(query) > self.limits.pattern_chars:
            raise ToolError(f"query is longer than {self.limits.pattern_chars} characters")
        use_regex = arguments.get("regex") in (True, "true", "True", 1)
        try:
            compiled = regex.compile(
                query if use_regex else regex.escape(query), regex.IGNORECASE | regex.MULTILINE
            )
        except regex.error as exc:
            raise ToolError(f"invalid regular expression {query!r}: {exc}") from None
        paths = self._matching(_as_str(arguments, "pattern").strip())
        return self._scan(query, compiled, paths)

    def _scan(self, query: str, compiled: regex.Pattern[str], paths: list[str]) -> str:
        deadline = time.monotonic() + self.limits.search_seconds
        hits: list[str] = []
        stopped = ""
        for rel in paths:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                stopped = f"stopped after {self.limits.search_seconds:g} s"
                break
            try:
                text = self._load(rel)
            except ToolError:
                continue
            seen_lines: set[int] = set()
            lines = _lines(text)
            try:
                for match in compiled.finditer(text, timeout=remaining):
                    number = text.count("\n", 0, match.start()) + 1
                    if number in seen_lines:
                        continue
                    seen_lines.add(number)
                    line = lines[number - 1] if number <= len(lines) else ""
                    hits.append(f"{rel}:{number}: {line.strip()[: self.limits.line_chars]}")
                    if len(hits) >= self.limits.search_results:
                        break
            except TimeoutError:
                stopped = f"stopped after {self.limits.search_seconds:g} s"
                break
            if len(hits) >= self.limits.search_results:
                stopped = f"showing the first {self.limits.search_results} matches"
                break
        if not hits:
            note = f" ({stopped}; make the pattern simpler)" if stopped else ""
            return f"no matches for {query!r}{note}"
        tail = f"\n[{stopped}; narrow the query or the file pattern]" if stopped else ""
        return "\n".join(hits) + tail
