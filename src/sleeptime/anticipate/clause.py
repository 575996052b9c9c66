"""What the clause of a question says besides its words: its tense, aspect and the role of
its question word.

The token reader (``canonical.py``) fills the slots word by word; these readings need the
whole clause (where the question word ends, whether a participle makes it passive), so
they run once the pass is over:

- ``bare_tense``: a question with no auxiliary takes its tense from its first verb ("Who
  *rode* ...?" past, "how much the pads *cost*" none).
- ``progressive``: "Who *is running* ...?", a present that may ask about a plan.
- ``wh_role``: whether "who"/"which"/"what" asks for the doer ("Who trains Ana?") or not
  ("Who does Ana train?"); two questions asking for different roles differ.
- ``bare_what``: whether "what" stands alone for an argument of the verb ("What does Pepper
  get fed?"), not for the value of a copula ("What is the excess?") nor with a head noun.
"""

from __future__ import annotations

from collections.abc import Set as AbstractSet

from sleeptime.anticipate import lexicon as lx
from sleeptime.anticipate.vocab import ARTICLES, AUX, DO_FORMS, is_special
from sleeptime.anticipate.words import is_participle, is_past_form


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


def wh_role(
    wh: tuple[str, ...],
    words: list[str],
    wh_end: int,
    *,
    agent_wh: bool,
    passive: bool,
    voice: str,
    names: AbstractSet[str],
) -> str | None:
    """ "subject" when who/which/what asks for the doer, "object" otherwise (None for
    other question words). ``passive``: a participle makes the main clause passive;
    ``voice`` is the form's voice (a passive naming its doer counts as active)."""
    if not wh or wh[0] not in {"who", "which", "what"} or wh_end < 0:
        return None
    if agent_wh:
        return "subject"
    rest = [w for w in words[wh_end:] if w]
    if wh[0] == "which":  # skip the noun of "which team"
        while rest and not is_special(rest[0]):
            rest = rest[1:]
    if rest and (rest[0] in AUX or rest[0] in lx.MODAL_CLASS):
        if passive:
            return "object"  # a passive: the question word is not the doer
        if rest[0] in lx.BE_FORMS and voice == "active":
            # "What is the total?": a copula has no doer; but "Who is the group's guide?"
            # asks for the one who guides, as "Who guides the group?" does
            return "subject" if wh[0] == "who" else None
        after = [w for w in rest[1:] if w not in {"not", "never"}]
        if after and (after[0] in lx.NP_STARTS or after[0] in names):
            return "object"
        if rest[0] in DO_FORMS and len(after) >= 2:
            return "object"  # "who did rajesh kapoor replace": "did" has its own subject
        is_passive = rest[0] in lx.BE_FORMS and after and is_participle(after[0])
        return "object" if is_passive else "subject"
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
