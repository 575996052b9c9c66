"""The canonical form of a question, slot by slot (read by ``canonical.py``)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Canonical:
    """What a question asks, slot by slot (how each slot is read: ``canonical.py``)."""

    numbers: tuple[str, ...]
    units: tuple[str, ...]
    negations: tuple[str, ...]
    comparatives: tuple[str, ...]
    quantifiers: tuple[str, ...]
    wh: tuple[str, ...]
    wh_role: str | None
    modals: tuple[str, ...]
    tense: frozenset[str]
    pronouns: tuple[str, ...]
    conjunctions: tuple[str, ...]
    content: tuple[str, ...]
    """Content lemmas, numbers ("#3"), comparatives ("<most") and role prepositions
    ("@from") in the order they were written."""
    names: frozenset[str]
    voice: str
    """"passive" for a passive with no doer named ("How much was Sam paid?"), else "active"."""
    subject_at: int = -1
    """Where the subject starts in ``content`` after an inverted auxiliary ("How many did |
    the cafe sell?"); -1 without one. Lets an active match its passive (``align.py``)."""
    money_verb: tuple[str, int] | None = None
    """How a "how much" question's dropped money verb orders payer and paid ("pay", "cost")
    and where it stood in ``content`` ("How much does the landlord | *pay* the tenant?");
    None without one (``frames.implied_words``)."""
    passive_verb: str | None = None
    """The participle's lemma of a passive main clause ("were *sold*")."""
    progressive: bool = False
    """"Who is facilitating ...?": a present that may ask what "Who will facilitate" does."""
    forms: tuple[tuple[str, str], ...] = ()
    """(content lemma, word as written) pairs: what ``bridge.py`` looks up in WordNet."""
    places: frozenset[int] = frozenset()
    """Positions in ``content`` that follow "in" or "at" ("served *in* the restaurant")."""
    subject_det: str = ""
    """The word that opens the subject after an inverted auxiliary ("the", "a", "my"; ""
    for a bare noun): "can *a* member book" names a class of doers, "did *the* cafe sell"
    the one the text is about (``align.py``)."""
    finite: bool = False
    """An auxiliary or modal was read ("does it close"); a search-box question has none."""
    when_kind: str = ""
    """ "time" or "day" when the question named which "when" it asks ("what time", "what
    date", "the closing date"; ``when.py``), "" for a plain "when" or none."""
    bare_what: bool = False
    """The question word is a "what" alone in the verb's object or subject place ("What does
    Pepper get fed?"): it asks for a thing, not a time or a place (``clause.bare_what``)."""
    asked: tuple[str, ...] = ()
    """The content lemmas of the question word's own phrase when an auxiliary follows it
    ("How many *students* did the tutors teach?"): what is counted or picked, in the role
    ``wh_role`` names; () when there is none (``clause.asked_phrase``)."""
    state: str | None = None
    """The lemma read as a state after a be-form with no doer ("is the shop *closed*",
    "are the gates *open*"): it asks for a span, the verb ("does it close") for a moment."""
    asker_at: tuple[int, ...] = ()
    """Where the asker's own pronouns stood ("I", "me", "you", "we", "us"), which the
    reader drops: the number of content words read before each. "How soon should *you*
    phone a volunteer?" has one at 0, the doer; "How soon does a volunteer phone *you*?"
    one at 2, the object (``align.asker_swapped``). A pronoun that opens a clause of its
    own ("... if *you* won't be travelling") is not counted."""


def slot_difference(a: Canonical, b: Canonical, slots: tuple[tuple[str, str], ...]) -> str | None:
    """Why ``a`` and ``b`` differ in the first of ``slots`` (label, attribute) whose words
    are not the same multiset; None when all agree. The rule matcher and the model-confirmed
    accept check different slot lists with this one comparison."""
    for label, attribute in slots:
        left, right = getattr(a, attribute), getattr(b, attribute)
        if sorted(left) != sorted(right):
            return f"{label} differ: {sorted(left)} vs {sorted(right)}"
    return None
