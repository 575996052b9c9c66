"""A word lookup of a feature request in the repository index, prepared at sleep time.

Why: the index section in ``c'`` is capped (1,200 characters by default), so it shows the
few files the history ranks highest, whatever is asked. On ``simonw/llm`` those hold most
changed files; on this project's own history they held 18 % of them (24 tasks, seed 0),
and ``ask --agent`` then named the files it was shown instead of the ones the request was
about (``bench/results/repo-qwen1.5b-latency-kv-b8-selfrepo/``). A word lookup of the
request over every source file's entry (path, docstring line, top-level names, headings,
and the subjects of the commits that changed it) held 34 % of them in its top five on
those tasks, and 67 % on ``simonw/llm``'s (measured offline, no model).

What sleep prepares and what a request pays: the terms of each entry are computed at
sleep time with the index and stored in the sleep run's details (``details["lookup"]``),
so an ask reads no file and no history; ranking a few thousand entries is milliseconds.
The ranked files go *after* the request, so the saved KV state of everything before it
still serves every request. It is a lookup, not a judgement: the prompt says so, and the
agent still checks with its tools.

Measured at budget 8 on 96 tasks of two repositories no design step saw
(``bench/results/repo-qwen1.5b-latency-kv-b8-lookup/`` and ``-lookup2/``): the 1.5B
model's F1 went from 0.25-0.28 with the index alone to 0.43-0.45 with the list, and its
answers got slower, since the list is prefilled and the model names more files.

Ranking is Okapi BM25 (k1 1.2, b 0.75) over words of three letters or more, split at
case changes, underscores and punctuation, cut to their first six letters (so "plugins"
meets "plugin" and "templates" meets "template" without a stemmer), minus common English
and change-request words ("add", "support", "fix") that every request has. Only files
with at least one shared word are listed; a request that shares none gets no list.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Literal, get_args

from sleeptime.prompts import load_prompt
from sleeptime.repo.index import IndexEntry, RepoIndex

LookupStyle = Literal["about", "paths"]
"""How the list reads: each path with its docstring line or names, or the paths alone."""
LOOKUP_STYLES: tuple[LookupStyle, ...] = get_args(LookupStyle)
LOOKUP_STYLE: LookupStyle = "paths"
"""The default (``Settings.repo_lookup_style``): on 48 new tasks over two repositories the
paths alone scored as well as paths with descriptions (mean F1 0.434 against 0.451, 11
tasks higher and 13 lower, p = 0.84) with about 100 fewer tokens to prefill, and answered
faster on 34 tasks of 48 (bench/results/repo-qwen1.5b-latency-kv-b8-lookup2/)."""
LOOKUP_PROMPTS: dict[LookupStyle, str] = {"about": "repo_lookup", "paths": "repo_lookup_paths"}
"""The prompt that heads the list in each style; its key versions the wording."""
LOOKUP_VERSION = "lookup1"
"""Versions the terms and the ranking: a table of another version is not used."""
LOOKUP_FILES = 5
"""Files listed after a request by default (``Settings.repo_lookup_files``)."""
MAX_FILES = 3000
"""Entries kept in a table: the index's first ones, in rank order (bounded details)."""
MAX_TERMS = 160
"""Terms kept per entry (path and docstring first, then names, headings, subjects)."""
ABOUT_CHARS = 80
"""Longest description shown beside a listed file."""
STEM = 6
"""Letters a word is cut to."""
_K1 = 1.2
_B = 0.75

_WORD = re.compile(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])|\d+")
_STOP_WORDS = """
the and for with from into onto this that these those its are was were has have had
not but can could should would will may might must also than then when where which
what who how why all any each every some more most other such only own same very
just now new use used uses using add adds added adding support supports supported
fix fixes fixed make makes made allow allows allowed via per instead way ways
change changes changed update updates updated remove removes removed move moved
refs ref see issue issues closes close pull request work works better here
"""
_STOP = frozenset(_STOP_WORDS.split())


def terms(text: str) -> list[str]:
    """The lookup's words of ``text``, in order, repeats kept (see the module docstring)."""
    return [lower[:STEM] for lower in _telling(text)]


def _telling(text: str) -> list[str]:
    """The words of ``text`` the lookup keeps, lower case and whole, in order."""
    lowered = (word.lower() for word in _WORD.findall(text))
    return [lower for lower in lowered if len(lower) >= 3 and lower not in _STOP]


def _entry_terms(entry: IndexEntry) -> list[str]:
    facts, history = entry.facts, entry.history
    parts: list[str] = [facts.path, facts.summary, *facts.names, *facts.headings]
    parts.extend(history.subjects)
    return terms(" ".join(parts))[:MAX_TERMS]


def _about(entry: IndexEntry) -> str:
    facts = entry.facts
    text = facts.summary or ", ".join(facts.names[:6]) or "; ".join(facts.headings[:4])
    return text if len(text) <= ABOUT_CHARS else text[: ABOUT_CHARS - 3].rstrip() + "..."


@dataclass(frozen=True, slots=True)
class LookupFile:
    """One file a request can be looked up in: its path, a short description, its terms."""

    path: str
    about: str
    terms: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class LookupTable:
    """Every entry the lookup ranks, with the statistics BM25 needs, built once."""

    files: tuple[LookupFile, ...]

    @classmethod
    def from_index(cls, index: RepoIndex) -> LookupTable:
        """Source files of the index (every file in a folder without source), in rank order."""
        entries = [e for e in index.entries if e.source] or list(index.entries)
        kept = entries[:MAX_FILES]
        return cls(tuple(LookupFile(e.path, _about(e), tuple(_entry_terms(e))) for e in kept))

    def to_json(self) -> dict[str, Any]:
        """What an artifact stores (``details["lookup"]``): compact, versioned."""
        return {
            "version": LOOKUP_VERSION,
            "files": [[f.path, f.about, " ".join(f.terms)] for f in self.files],
        }

    @classmethod
    def from_json(cls, data: object) -> LookupTable | None:
        """The table stored by ``to_json``; None for another version or a malformed value.

        Why None and not an error: the table only adds a hint; an artifact written before
        the lookup existed, or by another version, is answered without one.
        """
        if not isinstance(data, Mapping) or data.get("version") != LOOKUP_VERSION:
            return None
        rows = data.get("files")
        if not isinstance(rows, list):
            return None
        files: list[LookupFile] = []
        for row in rows[:MAX_FILES]:
            well_formed = isinstance(row, list) and len(row) == 3
            if not (well_formed and all(isinstance(v, str) for v in row)):
                return None
            path, about, joined = row
            files.append(LookupFile(path, about[:ABOUT_CHARS], tuple(joined.split()[:MAX_TERMS])))
        return cls(tuple(files))

    def rank(
        self, request: str, limit: int, known: Iterable[str] | None = None
    ) -> list[LookupFile]:
        """The ``limit`` files sharing the most telling words with ``request``, best first.

        ``known`` keeps only paths still in the tree (notes of an older revision may name
        deleted files). Ties keep the index's order (history first).
        """
        if limit <= 0 or not self.files:
            return []
        keep = set(known) if known is not None else None
        files = [f for f in self.files if keep is None or f.path in keep]
        asked = set(terms(request))
        if not asked or not files:
            return []
        counts = [Counter(f.terms) for f in files]
        mean_len = sum(len(f.terms) for f in files) / len(files) or 1.0
        have = Counter(t for c in counts for t in c if t in asked)
        scored: list[tuple[float, int]] = []
        for position, (file, count) in enumerate(zip(files, counts, strict=True)):
            score = 0.0
            norm = _K1 * (1 - _B + _B * len(file.terms) / mean_len)
            for term in asked & count.keys():
                idf = math.log(1 + (len(files) - have[term] + 0.5) / (have[term] + 0.5))
                score += idf * count[term] * (_K1 + 1) / (count[term] + norm)
            if score > 0:
                scored.append((-score, position))
        scored.sort()
        return [files[position] for _, position in scored[:limit]]


def render_lookup(found: list[LookupFile], style: LookupStyle = LOOKUP_STYLE) -> str:
    """The text that follows the request: empty when nothing was found.

    ``paths`` lists the paths alone under a shorter head: every token after the request
    is prefilled on each request, and the 1.5B model mostly copies the paths anyway.
    """
    if not found:
        return ""
    if style == "paths":
        lines = "\n".join(f"- {f.path}" for f in found)
    else:
        lines = "\n".join(f"- {f.path}" + (f": {f.about}" if f.about else "") for f in found)
    return load_prompt(LOOKUP_PROMPTS[style]).render(files=lines)


def shared_words(request: str, file: LookupFile) -> list[str]:
    """The request's words (as written, lower case) that the lookup matched in ``file``."""
    have = set(file.terms)
    return list(dict.fromkeys(word for word in _telling(request) if word[:STEM] in have))


def render_lookup_answer(found: list[LookupFile], request: str) -> str:
    """The answer at a step budget of 0: each looked-up file with the words it matched.

    Why words and not a reason: no model reads the request at this budget, so the only
    honest "why" is what the lookup saw (a reader can judge "logs, json" at a glance).
    """
    return "\n".join(
        f"- {file.path}: shares {', '.join(shared_words(request, file))} with the request"
        for file in found  # each was ranked for a shared word, so none has an empty list
    )


def lookup_key(style: LookupStyle = LOOKUP_STYLE) -> str:
    """``repo_lookup_paths@vN+lookup1``: what a recorded query says about its list."""
    return f"{load_prompt(LOOKUP_PROMPTS[style]).key}+{LOOKUP_VERSION}"
