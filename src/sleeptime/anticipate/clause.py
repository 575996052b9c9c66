"""What the clause of a question says besides its words: its tense, aspect and the role of
its question word.

The token reader (``canonical.py``) fills the slots word by word; these readings need the
whole clause (where the question word ends, whether a participle makes it passive), so
they run once the pass is over:

- ``bare_tense``: a question with no auxiliary takes its tense from its first verb ("Who
  *rode* ...?" past, "how much the pads *cost*" none).
- ``progressive``: "Who *is running* ...?", a present that may ask about a plan.
- ``wh_role``: whether "who"/"which"/"what"/"how many"/"how much" asks for the doer ("Who
  trains Ana?", "How many tutors taught the students?") or not ("Who does Ana train?", "How
  many students did the tutors teach?"); two questions asking for different roles differ.
- ``asked_phrase``: the words of the question word's own phrase ("how many *students*",
  "which *of the* tutors") when an auxiliary follows it: the thing counted or picked, which
  may not trade places with the subject ("How many tutors did the students teach?").
- ``bare_what``: whether "what" stands alone for an argument of the verb ("What does Pepper
  get fed?"), not for the value of a copula ("What is the excess?") nor with a head noun.
"""

from __future__ import annotations

from collections.abc import Set as AbstractSet

from sleeptime.anticipate import lexicon as lx
from sleeptime.anticipate.signature import NUMBER_WORDS, UNITS
from sleeptime.anticipate.vocab import ARTICLES, AUX, DO_FORMS, is_special
from sleeptime.anticipate.words import is_participle, is_past_form

ROLE_WH = frozenset({"who", "which", "what", "how many", "how much"})
"""Question words that stand for a participant of the verb: the doer or another role."""
_PHRASE_WH = frozenset({"which", "how many", "how much"})
"""Question words with a phrase of their own ("which *team*", "how many *night shifts*")."""
_MEASURE_WH = frozenset({"how many", "how much"})
_ADVERBS_IN_S = frozenset({"always", "sometimes", "perhaps", "afterwards", "nowadays",
                           "anyways", "thus", "whereas", "besides", "towards"})  # fmt: skip
"""Words ending in "-s" that are no plural noun ("has *always* ...")."""


def progressive(words: list[str], wh_end: int) -> bool:
    """A be-form right after the question word, then an "-ing" verb: "Who is running"."""
    at = wh_end
    if at < 0 or at + 1 >= len(words) or words[at] not in {"is", "are", "am"}:
        return False
    nxt = words[at + 1]
    return len(nxt) > 4 and nxt.endswith("ing") and not is_special(nxt)


def bare_tense(words: list[str], wh_end: int, *, modal: bool) -> str | None:
    """Tense of a question with no auxiliary: its first verb ("Who rode ...?"); None
    when that verb has one form for both ("how much the pads cost")."""
    if modal:
        return "present"
    if any(w in lx.IRREGULAR_PAST for w in words):
        return "past"
    start = max(wh_end, 0)
    if any(w in lx.SAME_PAST for w in words[start:]):
        return None
    for k in range(start, min(start + 3, len(words))):
        word = words[k]
        if not word or is_special(word):
            continue
        if is_past_form(word):
            if k > 0 and words[k - 1] in ARTICLES:
                continue  # "how much a fixed desk costs": an adjective, not the verb
            return "past"
        if word.endswith("s") and not word.endswith("ss"):
            if k + 1 < len(words) and is_past_form(words[k + 1]):
                continue  # "How many attempts failed?": the plural noun, then the verb
            return "present"
    return "present"


def _split_phrase(
    wh: tuple[str, ...], words: list[str], wh_end: int
) -> tuple[list[str], list[str]]:
    """The question word's own phrase and the written words after it: "which (of the)
    *tutors*", "how many *night shifts*", "how many *hours*" (a unit); no phrase for "who"
    and a bare "what"."""
    rest = [w for w in words[wh_end:] if w]
    phrase: list[str] = []
    if not wh or wh[0] not in _PHRASE_WH:
        return phrase, rest
    if len(rest) > 2 and rest[0] == "of" and rest[1] in lx.NP_STARTS:
        rest = rest[2:]  # "which of the tutors", "how many of our staff"
    while rest and (not is_special(rest[0]) or (wh[0] in _MEASURE_WH and rest[0] in UNITS)):
        phrase.append(rest.pop(0))
    return phrase, rest


def asked_phrase(wh: tuple[str, ...], words: list[str], wh_end: int) -> list[str]:
    """The words of the question word's phrase when an auxiliary or modal follows it ("How
    many *students* did the tutors teach?", "Which *team* is playing ...?"): the thing the
    question counts or picks; [] when none does or where the phrase ends is unclear ("How
    many tutors taught the students?": no auxiliary, and the verb is no slot word)."""
    phrase, rest = _split_phrase(wh, words, wh_end)
    if phrase == ["times"]:
        return []  # "how many times" (= "how often") counts the events, no participant
    if rest and (rest[0] in AUX or rest[0] in lx.MODAL_CLASS):
        return [w for w in phrase if w not in UNITS]
    return []


def _plural(word: str) -> bool:
    """A plural noun by its form ("members", "people"): no verb after a modal or "did"
    ends in "-s"."""
    if word in lx.IRREGULAR_PLURAL:
        return True
    regular = len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is"))
    return regular and word not in _ADVERBS_IN_S and not is_special(word)


def _names_subject(word: str, names: AbstractSet[str]) -> bool:
    """True when ``word``, right after an auxiliary, opens the clause's own subject: a noun
    phrase's first word, a number, a name, a word for anyone ("people") or a plural noun
    ("can *members* book")."""
    if word in lx.NP_STARTS or word in names or word in lx.GENERIC_SUBJECTS:
        return True
    return word[:1].isdigit() or word in NUMBER_WORDS or _plural(word)


def _progressive_role(after: list[str], names: AbstractSet[str]) -> str | None:
    """The question word's role after "is"/"are" in a progressive: the doer when the "-ing"
    verb comes right away ("Which team is *playing* the Kites?"), not when a subject of its
    own stands between ("Which team are *the Kites* playing?"); None for a copula ("What is
    the boiling point?", "Who is the chair of the panel on *funding*?": the "-ing" word
    there is a noun's modifier or after a preposition)."""
    for k, word in enumerate(after):
        if len(word) <= 4 or not word.endswith("ing") or is_special(word):
            if k > 0 and is_special(word) and word not in ARTICLES:
                return None  # a preposition before any "-ing" verb: no progressive
            continue
        nxt = after[k + 1] if k + 1 < len(after) else ""
        if nxt and not is_special(nxt):
            return None  # "the *opening* act": an adjective
        if k == 0:
            return "subject"
        return "object" if _names_subject(after[0], names) else None
    return None


def _fronted(words: list[str], wh: tuple[str, ...], wh_end: int) -> bool:
    """True when the question word opens the question, after a preposition at most ("After
    how many minutes ..."): not "An adult can take how many tablets?"."""
    start = wh_end - (2 if wh[0].startswith("how ") else 1)
    before = [w for w in words[: max(start, 0)] if w]
    return not before or (len(before) == 1 and before[0] in lx.ROLE_PREPOSITIONS)


def _measure_role(phrase: list[str], rest: list[str], names: AbstractSet[str]) -> str | None:
    """The role of a "how many"/"how much" phrase no auxiliary follows: the object in an
    embedded question ("how many *students* the tutors taught"), the doer when the phrase is
    a noun and its verb ("How many *tutors taught* the students?", "How many *buses run* on
    Sundays?"); None when the form does not say ("how many maths lessons a week")."""
    opens = not rest or rest[0] in lx.NP_STARTS or rest[0] in names or is_special(rest[0])
    if len(phrase) == 1 and not is_past_form(phrase[0]) and rest:
        if rest[0] in lx.NP_STARTS - lx.GENERIC_PRONOUNS or rest[0] in names:
            return "object"
        return None
    if len(phrase) != 2 or not opens or any(w in names for w in phrase):
        return None
    noun, verb = phrase
    if is_past_form(verb) or (_plural(noun) and not _plural(verb) and verb not in UNITS):
        return "subject"
    return None


def wh_role(
    wh: tuple[str, ...],
    words: list[str],
    wh_end: int,
    *,
    agent_wh: bool,
    passive: bool,
    voice: str,
    names: AbstractSet[str],
    written: tuple[str, ...] = (),
) -> str | None:
    """ "subject" when the question word (``ROLE_WH``) asks for the doer, "object" otherwise,
    None when it asks for neither or the clause does not say (other question words, a
    copula). ``passive``: a participle makes the main clause passive; ``voice`` is the
    form's voice (a passive naming its doer counts as active); ``written``: the question
    words as written, so a "how many" read from "the number of" or asked in place ("The
    workshop has how many seats?") gets no role."""
    if not wh or wh[0] not in ROLE_WH or wh_end < 0:
        return None
    measure = wh[0] in _MEASURE_WH
    if measure and (written[:1] != wh[:1] or not _fronted(words, wh, wh_end)):
        return None
    if agent_wh:
        return "subject"
    phrase, rest = _split_phrase(wh, words, wh_end)  # skip the noun of "which team"
    if measure and phrase == ["times"]:
        return None  # "how many times" (= "how often") asks for no participant
    if rest and (rest[0] in AUX or rest[0] in lx.MODAL_CLASS):
        if passive:
            return "object"  # a passive: the question word is not the doer
        after = [w for w in rest[1:] if w not in {"not", "never"}]
        if rest[0] in lx.BE_FORMS and voice == "active":
            # "What is the total?": a copula has no doer; but "Who is the group's guide?"
            # asks for the one who guides, as "Who guides the group?" does; and a
            # progressive has one ("Which team is playing ...", "... are the Kites playing")
            progressive = _progressive_role(after, names)
            if progressive == "subject" and wh[0] == "how much" and not phrase:
                progressive = None  # "How much is *roaming* in the zone?": a gerund, no doer
            if progressive is not None:
                return progressive
            return "subject" if wh[0] == "who" else None
        if after and _names_subject(after[0], names):
            return "object"
        if rest[0] in DO_FORMS and len(after) >= 2:
            # "who did rajesh kapoor replace": "did" has its own subject; but "How many
            # uploads did fail?" stresses the verb, which a count's bare noun cannot tell
            return None if measure else "object"
        is_passive = rest[0] in lx.BE_FORMS and after and is_participle(after[0])
        return "object" if is_passive else "subject"
    if measure:
        return _measure_role(phrase, rest, names)
    embedded = rest and (rest[0] in lx.NP_STARTS - lx.GENERIC_PRONOUNS or rest[0] in names)
    if embedded and wh[0] != "which":
        return "object"  # an embedded question: "(Do you know) who the engineer reports to"
    return "subject"


def bare_what(
    wh: tuple[str, ...], words: list[str], wh_end: int, *, passive: bool, progressive: bool
) -> bool:
    """True when the one question word is a "what" right before an auxiliary that starts a
    clause in which it fills the object's or subject's place: "What does Pepper get fed?",
    "What should I bring?", "What is the cat given?" (``passive``: a passive main clause),
    "What is causing the delay?" (``progressive``). Such a "what" asks for the thing itself,
    never a time or a place (``accept.answer_kind``). A copula "What is the excess?" asks for
    whatever its noun names, and "what time"/"what month" were read as "when"/"which".
    """
    if wh != ("what",) or wh_end < 0:
        return False
    nxt = next((w for w in words[wh_end:] if w), "")
    if nxt in lx.BE_FORMS:
        return passive or progressive
    return nxt in AUX or nxt in lx.MODAL_CLASS
