"""Split a problem into a context ``c`` and a query ``q``: sentence-aware, or the paper's naive way.

The paper makes a stateful problem by splitting the question into sentences and keeping the
last one as the query. Its released code splits on every ".", which breaks decimals and
abbreviations; the default here splits on real sentence ends only.
"""

from __future__ import annotations

import re
from typing import Literal, get_args

from sleeptime.errors import InputError

SplitMode = Literal["sentence", "naive"]
SPLIT_MODES: tuple[str, ...] = get_args(SplitMode)

# Words that end with "." without ending a sentence; compared lower-cased, without the dot.
_ABBREVIATIONS = frozenset(
    {
        "mr", "mrs", "ms", "dr", "prof", "st", "jr", "sr", "mt", "ft", "sgt", "capt", "gen",
        "vs", "etc", "e.g", "i.e", "a.m", "p.m", "approx", "no", "nos", "vol", "fig", "eq",
        "inc", "ltd", "co", "corp", "dept", "u.s", "u.k", "oz", "lb", "lbs", "hr", "hrs",
        "min", "mins", "sec", "secs", "cf", "al", "jan", "feb", "mar", "apr", "jun", "jul",
        "aug", "sep", "sept", "oct", "nov", "dec",
    }
)  # fmt: skip
# A candidate end: terminal punctuation, closing quotes/brackets/math delimiters, whitespace.
_END = re.compile(r"[.?!]+(?:[\"'”’)\]$]|\\\]|\\\))*(?=\s|$)")
_WORD_BEFORE = re.compile(r"([A-Za-z][A-Za-z.]*)$")
# Display math and environments are never split inside. Inline "$...$" is not protected: in
# GSM problems "$" is money, and the closing "$" of "$n.$ Then" is handled by _END.
_MATH = re.compile(
    r"\$\$.*?\$\$|\\\[.*?\\\]|\\\(.*?\\\)|\\begin\{(\w+\*?)\}.*?\\end\{\1\}", re.DOTALL
)
# A sentence that asks: a question, or an instruction such as AIME's "Find m + n."
_ASKS = re.compile(
    r"^(?:find|compute|determine|evaluate|calculate|what|how|which|who|when|where|why)\b",
    re.IGNORECASE,
)


def split_sentences(text: str) -> list[str]:
    """Return the sentences of ``text``, stripped, splitting only where a sentence really ends.

    A sentence ends at ".", "?" or "!" (plus closing quotes or brackets) followed by whitespace
    or the end of the text, unless the word before the period is a known abbreviation ("Mr.",
    "e.g.") or the next word starts lower-case. Decimals such as "$2.50" or "3.5" never split
    because no whitespace follows their period. LaTeX math (``$...$``, ``\\[...\\]``) is never
    split inside. A blank line also ends a sentence.
    """
    text = text.strip()
    if not text:
        return []
    protected = [(m.start(), m.end()) for m in _MATH.finditer(text)]
    cuts: list[int] = []
    for match in _END.finditer(text):
        end = match.end()
        if _inside(match.start(), protected):
            continue
        if _is_abbreviation(text, match) or _next_is_lowercase(text, end):
            continue
        cuts.append(end)
    for match in re.finditer(r"\n[ \t]*\n", text):
        if not _inside(match.start(), protected):
            cuts.append(match.start())
    sentences: list[str] = []
    start = 0
    for cut in sorted(set(cuts)):
        piece = text[start:cut].strip()
        if piece:
            sentences.append(piece)
        start = cut
    tail = text[start:].strip()
    if tail:
        sentences.append(tail)
    return sentences


def split_problem(text: str, mode: SplitMode = "sentence") -> tuple[str, str]:
    """Split ``text`` into ``(context, query)``; the query is the last sentence.

    ``mode="sentence"`` (default) uses :func:`split_sentences`. When the last sentence does not
    ask anything but an earlier one does (GSM-Symbolic P2 has "How many ...? Sam works overtime
    on the last day."; AIME has "Find m + n. Here i is the imaginary unit."), the query runs
    from that asking sentence to the end, so the context never holds the question. A sentence
    asks when it ends with "?" or starts with a question word, "Find", "Compute" and the like.
    A one-sentence problem gets an empty context. ``mode="naive"`` reproduces the paper's
    released code: see :func:`naive_split`.
    """
    if mode == "naive":
        return naive_split(text)
    if mode != "sentence":
        raise InputError(f"Unknown split mode {mode!r}; use one of: {', '.join(SPLIT_MODES)}.")
    sentences = split_sentences(text)
    if not sentences:
        raise InputError(
            "Cannot split an empty problem; give a problem with at least one sentence."
        )
    first = len(sentences) - 1
    if not _asks(sentences[-1]):
        for index in range(len(sentences) - 2, -1, -1):
            if _asks(sentences[index]):
                first = index
                break
    return " ".join(sentences[:first]), " ".join(sentences[first:])


def naive_split(text: str) -> tuple[str, str]:
    """Split like the paper's ``create_stateful_gsm_symbolic.py``: on every ".", last piece wins.

    The text is cut at every ".", pieces are stripped and empty ones dropped; the last piece is
    the query (its final "." is lost) and the others, joined with ". " plus a final ".", are the
    context. It breaks decimals: "Pens cost $2.50 each. How much for 3.5 dozen?" gives the
    context "Pens cost $2. 50 each. How much for 3." and the query "5 dozen?". An abbreviation
    in the last sentence ("Ask Mr. Lee how many?") leaves only "Lee how many?" as the query.
    "?" and "!" do not split, so "How many? Sam works late." gives the query
    "How many? Sam works late". A one-sentence problem gets the context ".".
    """
    pieces = [piece.strip() for piece in text.split(".") if piece.strip()]
    if not pieces:
        raise InputError(
            "Cannot split an empty problem; give a problem with at least one sentence."
        )
    return ". ".join(pieces[:-1]).strip() + ".", pieces[-1]


def _asks(sentence: str) -> bool:
    return sentence.rstrip("\"'”’)").endswith("?") or bool(_ASKS.match(sentence))


def _inside(position: int, spans: list[tuple[int, int]]) -> bool:
    return any(start <= position < end for start, end in spans)


def _is_abbreviation(text: str, match: re.Match[str]) -> bool:
    if not match.group().startswith(".") or match.group().startswith(".."):
        return False
    word = _WORD_BEFORE.search(text[: match.start()])
    return word is not None and word.group(1).lower() in _ABBREVIATIONS


def _next_is_lowercase(text: str, end: int) -> bool:
    rest = text[end:].lstrip()
    return bool(rest) and rest[0].islower()
