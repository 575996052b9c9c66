"""Alternations that keep a question's meaning but change its slots, undone before comparing.

``match.compare_questions`` demands equal slots; the few alternations here are allowed to
differ, each under conditions that keep roles, names and numbers intact:

- **Active for a passive without its doer**: "How many pastries did the cafe sell?" asks what
  "How many pastries were sold?" does. The active's subject ("the cafe", or a generic
  "they", "I") is set aside when it holds no name, number or role word, the passive lacks
  exactly those words, and the verb after it is the passive's verb. "How much did Sam pay?"
  still differs from "How much was Sam paid?": there the subject is a name. Nor may the
  subject name a class of doers (a plural or "a" noun: "How far ahead can members book
  classes?" is not "... can classes be booked?" where non-members book too);
  "the cafe", "people" or "you" name the one the text is about, or anyone.
- **A passive naming the active's subject as a place**: "When is dinner served in the
  restaurant?" asks what "When does the restaurant serve dinner?" does; only after "in" or
  "at", only for a subject of common nouns.
- **Dative "to"**: "lend Sam" = "lend to Sam", "happens to files" = "happens files" when
  no "from" makes the direction matter.
- **Not a state for an event** (``state_event``): "When is the shop closed?" (the days it
  is shut) is not "When does the shop close?" (the moment it closes), nor "When is the
  pool open?" "When does the pool open?": a be-form clause with no doer read as a state
  never matches the same verb done by the same subject. The matcher and the accept
  guard both refuse it.
- **Present progressive for a plan**: "Who is facilitating the next retro?" may ask what
  "Who will facilitate ...?" asks; a past never does, and a simple present only with a
  question word that asks for a place on a timetable ("When does the race start?" =
  "When will the race start?", ``tenses_agree``). A search-box
  noun phrase ("estimated lost revenue?") has no tense and agrees with any.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass

from sleeptime.anticipate import lexicon as lx
from sleeptime.anticipate.canonical import Canonical
from sleeptime.anticipate.form import slot_difference
from sleeptime.anticipate.when import kinds_differ
from sleeptime.anticipate.words import is_participle, lemma

_GENERIC_SUBJECTS = {"they"}
"""Third-person pronouns that may stand for "whoever does it" as an active's subject."""


@dataclass(frozen=True, slots=True)
class Aligned:
    """Contents to compare after an allowed alternation, and the pronouns it explains."""

    left: tuple[str, ...]
    right: tuple[str, ...]
    pronouns_left: tuple[str, ...]
    pronouns_right: tuple[str, ...]


def _drop_subject(active: Canonical, passive: Canonical) -> tuple[tuple[str, ...], int] | None:
    """The active's content without its subject when it matches the passive, and the subject
    length; None when the two are not an active/passive pair of one question."""
    if active.voice != "active" or passive.voice != "passive" or active.subject_at < 0:
        return None
    if passive.passive_verb is None:
        return None
    missing = Counter(passive.content) - Counter(active.content)
    if missing:
        return None
    extra = Counter(active.content) - Counter(passive.content)
    size = sum(extra.values())
    start = active.subject_at
    subject = active.content[start : start + size]
    if Counter(subject) != extra:
        return None
    if any(w[:1] in "#@<" or w in active.names for w in subject):
        return None
    if subject and names_a_class(active, subject[-1]):
        return None
    rest = active.content[:start] + active.content[start + size :]
    if start >= len(rest) or rest[start] != passive.passive_verb:
        return None
    return rest, size


_INDEFINITE = {"a", "an", "any", "some", "each", "every", "no"}
"""Determiners of a subject that means any one of a kind ("can *a* member book")."""


def _written(form: Canonical, lemma: str) -> str:
    """The word as written for a content lemma of ``form`` ("" when none was)."""
    return next((w for lem, w in form.forms if lem == lemma), "")


def names_a_class(active: Canonical, head: str) -> bool:
    """True when the active's subject, ending in the lemma ``head``, names a class of doers
    ("members", "the members", "a member"), which a passive without its doer drops as a
    condition; False for one the text is about ("the cafe", or "cafe" in a chat message that
    drops its articles) or for anyone ("people")."""
    written = _written(active, head) or head
    if written in lx.GENERIC_SUBJECTS:
        return False
    plural = written in lx.IRREGULAR_PLURAL or (
        len(written) > 3 and written.endswith("s") and not written.endswith(("ss", "us", "is"))
    )
    return plural or active.subject_det in _INDEFINITE


def _located_subject(
    active: Canonical, passive: Canonical
) -> tuple[tuple[str, ...], tuple[str, ...]] | None:
    """Both contents without the active's subject when the passive names it as a place
    after the verb: "When does the restaurant serve dinner?" = "When is dinner served in
    the restaurant?", "How many rows does each batch upsert?" = "... upserted in each
    batch?". Only "in" or "at" mark the place ("served for the restaurant" differs)."""
    if active.subject_at < 0 or passive.passive_verb is None:
        return None
    if Counter(active.content) != Counter(passive.content):
        return None
    start, verb = active.subject_at, passive.passive_verb
    if verb not in active.content[start + 1 :] or verb not in passive.content:
        return None
    end = active.content.index(verb, start + 1)
    subject = active.content[start:end]
    if not 1 <= len(subject) <= 3 or any(w[:1] in "#@<" or w in active.names for w in subject):
        return None
    after = passive.content.index(verb) + 1
    for k in sorted(p for p in passive.places if p >= after):
        if passive.content[k : k + len(subject)] == subject:
            rest = passive.content[:k] + passive.content[k + len(subject) :]
            return active.content[:start] + active.content[end:], rest
    return None


def align(a: Canonical, b: Canonical) -> Aligned | None:
    """Undo the allowed alternations between ``a`` and ``b``; None when the voices differ
    in a way none of them explains."""
    left, right = a.content, b.content
    pa, pb = a.pronouns, b.pronouns
    if a.voice != b.voice and not (_noun_phrase(a) or _noun_phrase(b)):
        active, passive = (a, b) if a.voice == "active" else (b, a)
        dropped = _drop_subject(active, passive)
        located = _located_subject(active, passive) if dropped is None else None
        if located is not None and Counter(a.pronouns) == Counter(b.pronouns):
            left, right = located if active is a else located[::-1]
            left, right = _dative(left, right)
            return Aligned(tuple(left), tuple(right), pa, pb)
        if dropped is None:
            return None
        rest, size = dropped
        pronouns = Counter(active.pronouns)
        spare = pronouns - Counter(passive.pronouns)
        if spare and (size or set(spare) - _GENERIC_SUBJECTS or sum(spare.values()) > 1):
            return None
        kept = tuple(sorted((pronouns - spare).elements()))
        if active is a:
            left, pa = rest, kept
        else:
            right, pb = rest, kept
    left, right = _dative(left, right)
    return Aligned(tuple(left), tuple(right), pa, pb)


def _noun_phrase(form: Canonical) -> bool:
    """A search-box noun phrase ("car return location?"): no verb, so no voice, as it has
    no tense; its words are compared with the passive's as they stand."""
    return not form.finite and not form.tense and form.voice == "active"


def _dative(
    left: tuple[str, ...], right: tuple[str, ...]
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Drop "@to" from both when it is all that differs and no "@from" sets a direction."""
    if "@from" in left or "@from" in right or Counter(left) == Counter(right):
        return left, right
    diff = (Counter(left) - Counter(right)) + (Counter(right) - Counter(left))
    if set(diff) != {"@to"}:
        return left, right
    return tuple(w for w in left if w != "@to"), tuple(w for w in right if w != "@to")


SCHEDULE_WH = frozenset({"when", "how long"})
"""Question words that ask where an event sits on a timetable: with them a simple present
("When does the course start?") and a future ("When will the course start?") ask the same.
"How often" is read as "how many" + "times" (``lexicon.PHRASES``): ``_asks_schedule``; "how
soon" is read as "when"."""
_TIMES = lemma("times")


_CALENDAR = frozenset(
    lemma(w)
    for w in ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday",
              "january", "february", "march", "april", "may", "june", "july", "august",
              "september", "october", "november", "december")
)  # fmt: skip
"""Days and months: a present naming one asks about that day, later or now."""


def _names_a_day(form: Canonical) -> bool:
    return any(w in _CALENDAR for w in form.content)


def _asks_schedule(form: Canonical) -> bool:
    if form.wh == ("how many",):
        return form.content[:1] == (_TIMES,)  # "how often" = "how many times"
    return bool(form.wh) and set(form.wh) <= SCHEDULE_WH


def tenses_agree(a: Canonical, b: Canonical) -> bool:
    """Same tense, or a present against a future where the present can only mean the plan
    or the timetable; a search-box noun phrase has no tense ("closing time?") and agrees
    with any.

    Two presents read as a future: a progressive ("Who is facilitating the next retro?" /
    "Who will facilitate ...?") and a simple present asked with ``SCHEDULE_WH`` ("When does
    the race start?", "How long does the refund take?", "How often do the buses run?"):
    English uses that present for scheduled and habitual events, and "when" or "how long"
    asks about the event's place on that schedule, which "will" asks too. A present that
    names a day or month ("What is the high temperature on Saturday?") is about that day
    as the future is. With any other question word and no day the present may be about
    now ("Who teaches French?" is not "Who will teach French?"); a past never agrees with
    either.
    """
    if a.tense == b.tense or not a.tense or not b.tense:
        return True
    future, present = frozenset({"future"}), frozenset({"present"})
    for now, later in ((a, b), (b, a)):
        if now.tense != present or later.tense != future:
            continue
        if now.progressive:
            return True
        if now.wh == later.wh and _asks_schedule(now):
            return True
        if _names_a_day(now) and _names_a_day(later):
            return True  # "What is the high on Saturday?" = "What will the high be on Saturday?"
    return False


def fixed_slots_differ(
    a: Canonical, b: Canonical, slots: tuple[tuple[str, str], ...]
) -> str | None:
    """Why ``a`` and ``b`` differ in a slot no rewording may change, or None: the numbers,
    ``slots`` (the rules' and the accept guard's own lists), the tense, which "when" they
    name (``when.kinds_differ``) and a state against an event (``state_event``).

    One sequence for both checks, so that a slot added to it guards the rules and the
    model-confirmed accept alike.
    """
    if sorted(a.numbers) != sorted(b.numbers):
        return f"numbers differ: {list(a.numbers)} vs {list(b.numbers)}"
    differs = slot_difference(a, b, slots)
    if differs is not None:
        return differs
    if not tenses_agree(a, b):
        return f"tense differ: {sorted(a.tense)} vs {sorted(b.tense)}"
    return kinds_differ(a.when_kind, b.when_kind) or state_event(a, b)


def roles_differ(a: Canonical, b: Canonical) -> str | None:
    """Why the question words of ``a`` and ``b`` ask for different roles, or None: the role
    the question word fills (the doer, or not), then what it counts or picks standing in
    another role (``asked_moved``). The rules and the accept guard both check it."""
    if a.wh_role and b.wh_role and a.wh_role != b.wh_role:
        return f"the question asks for the {a.wh_role}, not the {b.wh_role}"
    return asked_moved(a, b) or money_sides_swapped(a, b) or asker_swapped(a, b)


def asker_swapped(a: Canonical, b: Canonical) -> str | None:
    """Why the asker and another party trade the doer's and the object's places around
    one verb, or None.

    The reader drops the asker's own pronouns, so "When do *you* pay the landlord?" and
    "When does the landlord pay *you*?" both read as the verb and "landlord" in another
    order, one word moved, which ``one_block_apart`` allows. Where each dropped pronoun
    stood is kept (``Canonical.asker_at``): when, in the active voice and after the same
    words, one question reads the verb and then a noun with the asker before the verb (the
    doer), and the other the noun and then the verb with the asker right after it (the
    object), the two ask about the same act done the other way round. "How long do you
    simmer the sauce?" against "How long does the sauce simmer?" has no asker after the
    verb and still matches."""
    if a.voice != "active" or b.voice != "active":
        return None
    for doer, other in ((a, b), (b, a)):
        for at in doer.asker_at:
            pair = doer.content[at : at + 2]
            if len(pair) < 2 or pair[0] == pair[1] or other.content[:at] != doer.content[:at]:
                continue
            if other.content[at : at + 2] != (pair[1], pair[0]):
                continue
            if at + 2 in other.asker_at and at not in other.asker_at:
                return f"the asker and {pair[1]!r} trade the doer's and the object's places"
    return None


def money_sides_swapped(a: Canonical, b: Canonical) -> str | None:
    """Why the payer and the paid trade places across a dropped money verb, or None.

    "How much does the landlord pay the tenant?" asks the other way round from "How much
    does the tenant pay the landlord?", but with "pay" dropped (``frames.implied_words``)
    the two differ by one word moved, which ``one_block_apart`` allows. So when both
    questions dropped a verb that orders its roles alike ("pay", "spend") in the active
    voice, no word may stand before it in one and after it in the other while another
    word goes the opposite way. One word moving alone is a moved clause ("How much does
    the tenant pay the landlord each month?" / "Each month, how much does the tenant pay
    the landlord?") and stays allowed. "Cost" puts the payer after it ("How much did the
    coach cost the school?" = "How much did the school pay for the coach?"), so it is not
    compared with "pay" or "spend". Left open: the same words around "cost" in one and
    "pay" in the other ("How much did the coach pay the school?") still match, because
    nothing read here tells a payer after "cost" from a rate ("adult price per night" =
    "How much does an adult pay per night?").
    """
    if a.money_verb is None or b.money_verb is None:
        return None
    if a.voice != "active" or b.voice != "active":
        return None
    (order_a, at_a), (order_b, at_b) = a.money_verb, b.money_verb
    before_a, after_a = Counter(a.content[:at_a]), Counter(a.content[at_a:])
    before_b, after_b = Counter(b.content[:at_b]), Counter(b.content[at_b:])
    if order_a != order_b:
        return None
    forth, back = before_a & after_b, after_a & before_b
    if forth and back and set(forth) != set(back):
        return f"payer and paid in another order: {sorted(forth)} / {sorted(back)}"
    return None


def asked_moved(a: Canonical, b: Canonical) -> str | None:
    """Why the thing one question counts or picks is another role in the other, or None.

    "How many students did the tutors teach?" and "How many tutors did the students teach?"
    share their words one moved block apart, which ``one_block_apart`` allows; but what is
    counted is the question. So a word of one question's phrase (``Canonical.asked``: "how
    many *students*", read when an auxiliary follows it) may not have its last word, the
    noun, elsewhere in the other while that one has a phrase of its own: "How many members
    can be bought by tickets?" is not "How many tickets can members buy?". A modifier may
    move ("How many free pages ...?" / "How many pages ... for free?"), and the noun may
    stand in both outside the phrase ("How many *cars* can the *car* park hold?" / "How
    many spaces does the *car* park have?"). The role the
    phrase fills is ``Canonical.wh_role`` (a passive's subject is the active's object),
    checked apart.
    """
    for x, y in ((a, b), (b, a)):
        if not x.asked or not y.asked or x.asked[-1] in y.asked:
            continue
        head = x.asked[-1]
        elsewhere_x = (Counter(x.content) - Counter(x.asked))[head]
        if (Counter(y.content) - Counter(y.asked))[head] > elsewhere_x:
            return f"what the question counts or picks is another role: {[head]}"
    return None


def state_event(a: Canonical, b: Canonical) -> str | None:
    """Why one question asks about a state and the other about an event, or None.

    A be-form clause with no doer (``Canonical.state``: "When is the recycling centre
    *closed*?", "What time is the library *open*?") asks for the span the state holds; the
    same verb with the same subject ("When does the recycling centre *close*?") asks for
    the moment it happens. So the verb in the other question, not read as that state,
    written as a verb (no participle: "pallets shipped?" drops its be-form; no "-ing"
    noun: "closing day") and made finite by an auxiliary or an "-s", differs when its
    subject holds one of the words before the state's verb, or when it has a subject of its
    own and none of those words at all ("When does the tip close?"). An active with that
    thing as its object ("When do they clean the kitchen?" for "When is the kitchen
    cleaned?", "How many pastries did the cafe sell?" for "... were sold?") is a voice
    alternation, not an event.
    """
    for x, y in ((a, b), (b, a)):
        verb = x.state
        if verb is None or y.state == verb or verb not in y.content or verb not in x.content:
            continue
        written = _written(y, verb)
        if is_participle(written) or written.endswith("ing"):
            continue  # a be-form dropped ("pallets shipped?"), a noun ("closing day")
        if not y.finite and not written.endswith("s"):
            continue  # no auxiliary, no "-s": a search-box "library open saturday?"
        thing = set(x.content[: x.content.index(verb)])
        at = y.content.index(verb)
        subject = set(y.content[max(y.subject_at, 0) : at])
        if subject & thing or (subject and not thing & set(y.content)):
            state, event = _written(x, verb) or verb, _written(y, verb) or verb
            return f"a state ({state!r} after a be-form) against an event ({event!r})"
    return None


def one_block_apart(
    a: Sequence[str], b: Sequence[str], *, fixed: AbstractSet[str] = frozenset()
) -> bool:
    """True when ``b`` is ``a`` (same multiset) with at most one contiguous block moved.

    Moving block ``a[i:j]`` behind ``a[j:k]`` rotates ``a[i:k]``; every ``i`` up to the
    common prefix and ``k`` from the common suffix is tried, since repeated words can make
    the shortest differing span the wrong one. Two blocks made only of ``fixed`` words
    (names, numbers) may not trade places: "leave Gull Island for Northport" is another
    trip than "leave Northport for Gull Island", "20 divided by 5" is not "5 divided by 20".
    """
    if len(a) != len(b):
        return False
    if list(a) == list(b):
        return True
    n = len(a)
    lo = 0
    while lo < n and a[lo] == b[lo]:
        lo += 1
    hi = n
    while hi > lo and a[hi - 1] == b[hi - 1]:
        hi -= 1
    for i in range(lo + 1):
        for k in range(max(hi, i + 2), n + 1):
            span, target = list(a[i:k]), list(b[i:k])
            for j in range(i + 1, k):
                first, second = span[: j - i], span[j - i :]
                if second + first != target:
                    continue
                if all(w in fixed for w in first) and all(w in fixed for w in second):
                    continue
                return True
    return False
