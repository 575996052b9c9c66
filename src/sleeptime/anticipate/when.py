"""Questions that ask "when" in another shape, and which kind of "when" each asks.

"When" has several spellings that ask the same thing: "what date", "which day", "on what
date" and "what hours" are rewritten to "when" (``lexicon.PHRASES``), as "what time"
already was; a copula "what" whose noun phrase ends in a date word ("What is the end date
of the tariff?", "paper form deadline?", "What are the office hours?") asks "when" too
(``head_wh``), even when a money word stands before it ("next pay date?" asks a date,
not an amount: the head of the phrase says what is asked). A place word heads a phrase that
asks "where" the same way ("car return location?"). The head says nothing the question
word does not when it is a place or a bare "date" or "day" ("concert date?" asks when the
concert is), so the reader drops it (``drop_head_noun``).

"Opening hours" and "opening times" name the span a place is open, so they read as the state
"open" (``span_state``): they match "When is the pool open?" and, like it, never "What time
does the pool open?" (``align.state_event``); a singular "opening time" stays the moment.

Merging them loses one distinction that matters: "What time is the bin collected?" asks for
an hour, "What day is the bin collected?" for a day. ``when_kind`` keeps what the asker
named ("time" or "day"), and ``kinds_differ`` refuses a pair that named different ones; a
plain "when" agrees with either.
"""

from __future__ import annotations

import re

from sleeptime.anticipate import lexicon as lx
from sleeptime.anticipate.words import lemma

_TIME_OF_DAY = re.compile(r"\b(?:what|which) (?:times?|hours?)\b")
_DAY = re.compile(r"\b(?:what|which) (?:dates?|days?)\b")
_DAY_HEADS = {"date", "deadline", "day"}
"""Nouns that name a point on a calendar: a phrase that ends in one asks "when"."""
_CALENDAR_NOUNS = {"date", "dates", "day", "days"}
PLACE_HEADS = {"location", "address", "venue", "whereabouts"}
"""Nouns that name a place: a phrase that ends in one asks "where"."""
_PLACE_LEMMAS = {lemma(w) for w in PLACE_HEADS}
_COPULA_HEADS = {"dates": "day", "deadlines": "day", "days": "day", "hours": "time"}
"""Plurals that ask "when" only after "what are the": a bare "holiday days?" or "overtime
hours?" asks how many (``measure.py``)."""
_SPAN = re.compile(r"\bopening (?:hours|times)\b")
_OPEN = lemma("open")
_PHRASE_ENDS = lx.FILLERS | set(lx.ROLE_PREPOSITIONS) | {"per", "each", "if", "when", "that"}


def when_kind(text: str) -> str:
    """ "time" when the lower-case question names a clock time ("what time", "what
    hours"), "day" when it names a day ("what date", "which day"), else ""."""
    if _TIME_OF_DAY.search(text):
        return "time"
    if _DAY.search(text):
        return "day"
    return ""


def _head(written: list[str]) -> str:
    """The last word of the noun phrase that opens ``written`` (up to a preposition)."""
    head = ""
    for word in written:
        if word in _PHRASE_ENDS or not word.isalpha():
            break
        head = word
    return head


def head_wh(wh: list[str], words: list[str], *, noun_phrase: bool) -> tuple[str, str]:
    """("when", kind) when a copula "what" question or a search-box noun phrase asks for a
    date or hours by its head noun ("What is the closing date for entries?", "collection
    day?", "What are the office hours?"), ("where", "") when it names a place ("What is the
    location of the depot?", "car return location?"); ("", "") otherwise.

    Only the head counts: "What is the date of the pay rise?" ends its first phrase in
    "date", but "What is the deadline extension?" ends in "extension" and asks something
    else; "How many days ...?" has its own question word and is never read here."""
    written = [w for w in words if w]
    copula = (
        wh == ["what"] and len(written) > 2 and written[0] == "what" and written[1] in lx.BE_FORMS
    )
    if not (copula or noun_phrase):
        return "", ""
    phrase = [w for w in written[2:] if w not in {"the", "a", "an"}] if copula else written
    head = _head(phrase)
    if head in {"hours", "times"} and _SPAN.search(" ".join(phrase)):
        return "when", ""  # "pool opening hours": the span it is open (``span_state``)
    if head in _DAY_HEADS:
        return "when", "day"
    if copula and head in _COPULA_HEADS:
        return "when", _COPULA_HEADS[head]
    if head in PLACE_HEADS:
        return "where", ""
    return "", ""


def drop_head_noun(wh: str, words: list[str], content: list[str]) -> None:
    """Take out of ``content`` the head noun the question word says already: a place
    noun for "where" ("depot location?" = "Where is the depot?"), a bare "date" or "day"
    for "when" ("What is the concert's date?", "concert date?", "When is the pay date?" ask
    when the concert or the pay is); "deadline" names a limit, not the event's day, and
    stays."""
    if wh == "where":
        places = [k for k, w in enumerate(content) if w in _PLACE_LEMMAS]
        if places:
            del content[places[-1]]
        return
    if wh != "when":
        return
    written = [w for w in words if w]
    if written[:1] in (["what"], ["when"]) and written[1:2] and written[1] in lx.BE_FORMS:
        written = [w for w in written[2:] if w not in {"the", "a", "an"}]
    head = _head(written)
    if head in _CALENDAR_NOUNS and lemma(head) in content:
        content.remove(lemma(head))


def span_state(text: str) -> str | None:
    """The lemma of "open" when the lower-case question asks for opening hours (a span in
    which the place is open), else None."""
    return _OPEN if _SPAN.search(text) else None


def kinds_differ(a: str, b: str) -> str | None:
    """Why two "when" questions ask for different things (a clock time and a day), or None."""
    if a and b and a != b:
        return f"one question asks for a {a}, the other for a {b}"
    return None
