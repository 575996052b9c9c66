"""Question frames that say one thing in two shapes, rewritten to one shape.

The reader (``canonical.py``) calls these after it has filled the slots:

- ``passive_participle`` finds the verb of a passive main clause ("How many pastries were
  *sold* from Monday?"), skipping participles used as adjectives ("a *failed* batch").
- ``state_word`` finds the state a be-form clause ends in ("is the shop *closed*", "is
  the pool *open*"), which the verb ("does it close") does not ask about.
- ``agent_first`` puts a passive with its doer named in active order, so "How much was Sam
  lent by Jordan?" reads like "How much did Jordan lend Sam?" and a swap of the two names
  still differs.
- ``implied_words`` drops what the question word already says ("how long does it take").
- ``agent_noun`` reads "Who is the French teacher?" as "Who teaches French?".
- ``sort_coordinated_names`` puts "Sam and Jordan" and "Jordan and Sam" in one order.
- ``time_frame`` reads "What is the opening time?" as "When does it open?", and "What is
  the crossing time?" or "What is the warranty period?" as "How long ...?".
"""

from __future__ import annotations

from itertools import pairwise

from sleeptime.anticipate import lexicon as lx
from sleeptime.anticipate.signature import CONJUNCTIONS, UNITS
from sleeptime.anticipate.words import is_participle, lemma

_CLAUSE_ENDS = {"if", "because", "while", "although", "that", "unless", "since", "so", "once",
                "when", "where", "who", "which"}  # fmt: skip
_AUX = set(lx.AUX_TENSE) | lx.BE_FORMS | {"being", "been", "having", "done"}
_AFTER_VERB = (
    lx.FILLERS
    | set(lx.ROLE_PREPOSITIONS)
    | _CLAUSE_ENDS
    | CONJUNCTIONS
    | {"than", "before", "after", "until", "each", "every", "per", "this", "last", "next",
       "yet", "so", "only", "again", "today", "yesterday", "tomorrow", "early", "late",
       "already", "ever", "first", "most", "least"}
    | set(lx.ADVERB_UNITS)  # "is the kitchen cleaned *daily*": an adverb, not a noun
)  # fmt: skip
"""Words that may follow the verb of a passive; a noun after a participle makes it an
adjective ("the *estimated* revenue")."""


_SYNONYM_LEMMAS = {lemma(word): lemma(head) for word, head in lx.SYNONYMS.items()}


def _synonym(word: str) -> str:
    base = lemma(word)
    head = lx.SYNONYMS.get(word)
    return lemma(head) if head else base


_POINT_EVENTS = {lemma(noun): _synonym(verb) for noun, verb in {
    "opening": "open", "closing": "close", "start": "start", "starting": "start",
    "end": "end", "ending": "end", "finishing": "finish", "departure": "leave",
    "arrival": "arrive", "kickoff": "start", "check-in": "check",
}.items()}  # fmt: skip
"""Nouns of a moment: "the opening time" is when something opens."""
_DURATION_NOUNS = {lemma(w) for w in ("duration", "period", "length", "lifetime")}
_PROCESS_NOUNS = {lemma(w) for w in ("travel", "journey", "trip", "flight", "ride", "drive",
                                     "walk", "wait", "response", "transit", "prep")}  # fmt: skip
_TIME = lemma("time")
_DATE = lemma("date")


def passive_participle(words: list[str]) -> int:
    """Index of the verb of a passive main clause ("were sold", "is a failed batch retried"),
    or -1. The last participle between a be- or get-form and the end of the clause (or the
    doer's "by") counts, and only where no noun follows it."""
    start = next((i for i, w in enumerate(words) if w in lx.BE_FORMS or w in lx.GET_FORMS), -1)
    if start < 0 or any(w in _CLAUSE_ENDS - lx.WH for w in words[:start]):
        return -1  # the be-form is in a clause in front: "If it is registered, how long ..."
    found = -1
    for i in range(start + 1, len(words)):
        word = words[i]
        if not word:
            continue
        if word in _CLAUSE_ENDS or (word == "by" and found >= 0):
            break  # a participle in the doer's phrase describes it ("by children *aged* 10")
        if is_participle(word):
            nxt = next((w for w in words[i + 1 :] if w), "")
            if not nxt or nxt in _AFTER_VERB or nxt[0].isdigit():
                found = i
    return found


def _subordinate(words: list[str], at: int) -> bool:
    """True when the word at ``at`` is in a clause opened by "if", "when", "that" ...; a
    question word before an auxiliary ("On Saturday, when is ...") or first ("Which car
    parks are ...") opens none."""
    for k, word in enumerate(words[:at]):
        nxt = words[k + 1] if k + 1 < len(words) else ""
        asks = word in lx.WH and (nxt in _AUX or nxt in lx.MODAL_CLASS)  # "..., when is"
        if word in _CLAUSE_ENDS and not asks and not (k == 0 and word in {"which", "who"}):
            return True
    return False


def state_word(words: list[str]) -> str | None:
    """The lemma of the state a be-form clause ends in ("When is the tip *closed*?", "Is
    the pool *open*?", ``lexicon.STATE_WORDS``), or None: the state must follow the
    subject and no noun may follow it ("an *open* day" is no state), in the main clause."""
    start = next((i for i, w in enumerate(words) if w in lx.BE_FORMS), -1)
    if start < 0 or _subordinate(words, start):
        return None  # "What happens when a bucket is empty?": no state is asked about
    for i in range(start + 1, len(words)):
        word = words[i]
        if word in _CLAUSE_ENDS:
            return None
        nxt = next((w for w in words[i + 1 :] if w), "")
        if word in lx.STATE_WORDS and (not nxt or nxt in _AFTER_VERB or nxt[0].isdigit()):
            return _SYNONYM_LEMMAS.get(lemma(word), lemma(word))  # as the content spells it
    return None


def determiner_before(words: list[str], i: int) -> str:
    """The word that opens the noun phrase at ``i`` ("the", "a", "my"), or "" for a bare
    noun ("can *members* book")."""
    before = next((w for w in reversed(words[:i]) if w), "")
    return before if before in lx.NP_STARTS else ""


def agent_first(content: list[str], aux_at: int, verb_at: int, breaks: set[int]) -> bool:
    """Rewrite a passive with its doer named into active order, in place; True if done.

    ``content[aux_at:verb_at]`` is the passive subject, ``content[verb_at]`` the verb, and
    the doer runs from after "@by" to the next preposition or clause word (``breaks``).
    """
    if verb_at < 0 or aux_at < 0 or aux_at > verb_at or "@by" not in content[verb_at + 1 :]:
        return False
    by = content.index("@by", verb_at + 1)
    end = min([b for b in breaks if b > by + 1] + [len(content)])
    for k in range(by + 1, end):
        if content[k].startswith("@"):
            end = k
            break
    agent = content[by + 1 : end]
    if not agent:
        return False
    subject, verb, middle = content[aux_at:verb_at], content[verb_at], content[verb_at + 1 : by]
    content[:] = content[:aux_at] + agent + [verb] + subject + middle + content[end:]
    return True


def time_frame(content: list[str], wh: tuple[str, ...], words: list[str]) -> tuple[str, ...]:
    """ "What is the X time/period?" -> "when"/"how long" (in place); the new question word.

    A moment noun before "time" or "date" (opening, departure, closing) asks "when"; an
    "-ing" noun or a journey noun (crossing, simmering, travel) before "time" asks "how
    long"; anything else is kept. After "when" only the moment is read ("When is the
    closing date?" asks "When does it close?")."""
    for k, word in enumerate(content):
        if word == _DATE and k > 0 and content[k - 1] in _POINT_EVENTS:
            content[k - 1 : k + 1] = [_POINT_EVENTS[content[k - 1]]]
            return ("when",)
    if wh == ("when",):
        if _TIME in content and content.index(_TIME) > 0:
            k = content.index(_TIME)
            if content[k - 1] in _POINT_EVENTS:
                content[k - 1 : k + 1] = [_POINT_EVENTS[content[k - 1]]]
        return wh
    for k, word in enumerate(content):
        if word in _DURATION_NOUNS:
            del content[k]
            return ("how long",)
    if _TIME not in content:
        return wh
    k = content.index(_TIME)
    before = content[k - 1] if k > 0 else ""
    if before in _POINT_EVENTS:
        content[k - 1 : k + 1] = [_POINT_EVENTS[before]]
        return ("when",)
    written = [w for w in words if w]
    gerund = any(a.endswith("ing") and len(a) > 5 and b == "time" for a, b in pairwise(written))
    if before and before[0] not in "#@<" and (before in _PROCESS_NOUNS or gerund):
        del content[k]
        return ("how long",)
    return wh


def sort_coordinated_names(
    content: list[str], and_at: list[tuple[int, int]], words: list[str], names: set[str]
) -> None:
    """Sort two one-word names joined by "and" (in place): "Jordan and Sam spent" asks what
    "Sam and Jordan spent" does. ``and_at`` holds (position in content, token index) of
    each "and"; longer names ("Gull Island and Northport") keep their order."""
    for at, i in and_at:
        if not (0 < at < len(content) and 0 < i < len(words) - 1):
            continue
        left, right = words[i - 1], words[i + 1]
        outer = {words[i - 2] if i >= 2 else "", words[i + 2] if i + 2 < len(words) else ""}
        if left not in names or right not in names or outer & names:
            continue
        if [content[at - 1], content[at]] == [lemma(left), lemma(right)]:
            content[at - 1], content[at] = sorted((content[at - 1], content[at]))


_AGENT_END = {"", "of", "for", "at", "in", "on"}


def agent_noun(words: list[str], content: list[str]) -> None:
    """In "Who is the X-er ...?", read the agent noun as its verb (in place): "Who is the
    trainer of the volunteers?" asks what "Who trains the volunteers?" does. Only a noun
    that ends its phrase counts ("the French teacher", "the teacher of French")."""
    written = [w for w in words if w]
    k = 2  # "who is" comes first; the predicate's head ends at a preposition or the end
    while k < len(written) - 1 and written[k + 1] not in _AGENT_END:
        k += 1
    word = written[k] if k < len(written) else ""
    if len(word) < 5 or not word.endswith(("er", "or")):
        return
    base = word[:-2]
    if base[-1] == base[-2] and base[-1] not in "aeiouls":
        base = base[:-1]  # "runner" -> "run"
    noun = _SYNONYM_LEMMAS.get(lemma(word), lemma(word))
    if noun in content:
        verb = lemma(base)
        content[content.index(noun)] = _SYNONYM_LEMMAS.get(verb, verb)


_COST = _SYNONYM_LEMMAS.get(lemma("cost"), lemma("cost"))


def telegraphic_wh(words: list[str], content: list[str]) -> tuple[str, ...]:
    """The question word of a search-box question: "Grams of lentils for 6 servings?"
    asks "how many", "Adult ticket price?" asks "how much"; a yes/no question none."""
    first = next((w for w in words if w), "")
    if not first or first in _AUX or first in lx.MODAL_CLASS:
        return ()
    if first in UNITS:
        return ("how many",)
    if _COST in content:
        return ("how much",)
    return ()


def noun_query(words: list[str]) -> bool:
    """True for a search-box question made of a noun phrase only ("estimated lost revenue?",
    "school day end time?"): no verb form, except participles used as adjectives."""
    written = [w for w in words if w]
    if not written or written[0] in _AUX or written[0] in lx.MODAL_CLASS:
        return False
    for k, word in enumerate(written):
        if word in _AUX or word in lx.MODAL_CLASS or word in lx.WH:
            return False
        nxt = written[k + 1] if k + 1 < len(written) else ""
        if is_participle(word) and (not nxt or nxt in _AFTER_VERB):
            return False  # "soup pallets shipped this week?": a verb
    return True


_MONEY_SAID = {_SYNONYM_LEMMAS.get(lemma(w), lemma(w)) for w in ("cost", "pay", "spend")}
_COST = _SYNONYM_LEMMAS.get(lemma("cost"), lemma("cost"))
_EARN = {lemma("make"): lemma("earn")}
_TAKE = lemma("take")


def implied_words(
    content: list[str], wh: tuple[str, ...], have_at: list[int]
) -> tuple[str, int] | None:
    """Drop words the question word already asks, in place: "how long does it take" =
    "how long"; in a "how much" question "cost", "pay" and "spend" say nothing ("How much
    does X cost?" = "How much is X?" = "How much do you pay for X?") but "have" does ("How
    much does Tom have?" is not "How much is Tom?", so it is put back where it stood);
    "make" is "earn". "charge" stays: who charges is paid, who pays is charged.

    Returns how the first dropped money verb orders its roles ("pay": the payer before it,
    as "spend"; "cost": the payer after it) and where it stood in the new ``content``
    (None: none). With the verb gone, "How much does the landlord pay the tenant?" and
    "... the tenant pay the landlord?" differ only by two words trading places, which a
    moved clause also does, so the sides of the verb are kept apart
    (``align.money_sides_swapped``)."""
    dropped: tuple[str, int] | None = None
    if "how much" in wh:
        for position in reversed(have_at):
            content.insert(position, "have")
        kept: list[str] = []
        for word in content:
            if word in _MONEY_SAID:
                if dropped is None:
                    dropped = ("cost" if word == _COST else "pay", len(kept))
                continue
            kept.append(_EARN.get(word, word))
        content[:] = kept
    if "how long" in wh and _TAKE in content:
        content.remove(_TAKE)
    return dropped
