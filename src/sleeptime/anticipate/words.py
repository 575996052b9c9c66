"""Word-level reading for the canonical form: frames, phrases, lemmas, verb forms."""

from __future__ import annotations

import re
from functools import lru_cache

from sleeptime.anticipate import lexicon as lx


def strip_frame(text: str) -> str:
    """Remove a polite frame and trailing fillers: "Could you tell me how ..., please?"."""
    before = None
    while before != text:
        before = text
        text = lx.FRAME_PREFIX.sub("", text, count=1)
        text = lx.FRAME_SUFFIX.sub("", text, count=1)
    return text.strip()


def normalize_chat(text: str) -> str:
    """Spell out chat forms ("whats", "dont", "u") and short day and month names ("weds",
    ``expand_calendar``) in lower-case text, and drop the "'s" of a possessive after a
    number ("version 3.2.0's size", "day 5's hike")."""
    text = re.sub(r"(?<=\d)'s\b", "", text)
    return expand_calendar(_CHAT.sub(lambda m: lx.CHAT[m.group(0)], text))


def expand_calendar(text: str) -> str:
    """Spell out short day and month names in lower-case text ("on weds" -> "on wednesday",
    "9 oct" -> "9 october"), so a chat message names the same day as the stored question;
    a short form that is also a word ("sat", "sun") only where a date stands."""
    words = text.split(" ")
    for k, word in enumerate(words):
        core = word.rstrip("?.!,;:")
        tail = word[len(core) :]
        if core in lx.CALENDAR_SHORT:
            words[k] = lx.CALENDAR_SHORT[core] + tail
        elif core in lx.CALENDAR_SHORT_AMBIGUOUS:
            before = words[k - 1] if k > 0 else ""
            after = words[k + 1] if k + 1 < len(words) else ""
            if before in lx.CALENDAR_BEFORE or before[:1].isdigit() or after[:1].isdigit():
                words[k] = lx.CALENDAR_SHORT_AMBIGUOUS[core] + tail
    return " ".join(words)


_CHAT = re.compile(r"\b(?:" + "|".join(sorted(lx.CHAT, key=len, reverse=True)) + r")\b")


_TOPIC = re.compile(
    r"^(?:(?:as for|about|regarding) ([^,?:]+),|([^,?:]+):) "
    r"((?:what|how|when|who|where|which|why)\b.*)$"
)
_TOPIC_PRONOUN = re.compile(
    r"\b(do|does|did|is|are|was|were|can|could|will|would|should|must|may|might|has|have"
    r"|had) (?:they|it|he|she)\b"
)
"""A pronoun right after the auxiliary: the subject, which the topic stands for."""


def resolve_topic(text: str) -> str:
    """Put a fronted topic back where its pronoun stands: "Children aged 10 to 15: how
    often can they take a tablet?" asks "How often can children aged 10 to 15 take a
    tablet?". Only "X:", "As for X," and "About X," mark a topic ("For Ana, how much did
    they pay?" may be about someone paying for Ana); without a pronoun nothing changes."""
    m = _TOPIC.match(text)
    if m is None:
        return text
    topic, rest = (m.group(1) or m.group(2)).strip(), m.group(3)
    if not _TOPIC_PRONOUN.search(rest) or topic.split()[0] in lx.SUBORDINATORS:
        return text
    return _TOPIC_PRONOUN.sub(lambda p: f"{p.group(1)} {topic}", rest, count=1)


_LIGHT_DO = re.compile(
    r"\b(who|will|would|can|could|should|must|may|might|to|is|are|was|were|has|have|had|i|we"
    r"|you|they|he|she) (do|does|did|doing|done) the (\w{3,}?)ing(?: of)?(?= |[?.!,]|$)"
)
_DO_ENDINGS = {"do": "", "does": "s", "did": "ed", "done": "ed"}


def _light_do(match: re.Match[str]) -> str:
    before, do, stem = match.group(1), match.group(2), match.group(3)
    if do == "doing":
        return f"{before} {stem}ing"  # "is doing the shopping" = "is shopping"
    return f"{before} {_undouble(stem)}{_DO_ENDINGS[do]}"


def undo_light_verb(text: str) -> str:
    """ "do the X-ing (of Y)" is the verb X said with a light verb: "Who does the cleaning
    of the kitchen?" asks what "Who cleans the kitchen?" does, "When do they do the
    mowing?" what "When do they mow?" does. Only where "do" is the main verb: after "who"
    (its subject), a pronoun, a modal or another auxiliary; "When does the meeting
    start?" has an auxiliary "does" and a noun in "-ing", and is left alone."""
    return _LIGHT_DO.sub(_light_do, text)


def rewrite_phrases(text: str) -> str:
    """Apply ``lexicon.PHRASES`` in order (lower-case text), after ``undo_light_verb``."""
    text = undo_light_verb(text)
    for pattern, replacement in lx.PHRASES:
        text = re.sub(pattern, replacement, text)
    if "how much" in text:
        for pattern, replacement in lx.MONEY_PHRASES:
            text = re.sub(pattern, replacement, text)
    return re.sub(r"\s{2,}", " ", text).strip()


def _short_e_stem(word: str) -> bool:
    """A two-letter stem starting with a vowel, whose verb ends in a silent "e", with "-ed"
    or "-ing": "used", "using", "owed", "aged", "eyed" (the general rules keep four- and
    five-letter forms whole, so "used" never met "use")."""
    ending = (len(word) == 4 and word.endswith("ed")) or (len(word) == 5 and word.endswith("ing"))
    return ending and word[0] in "aeiou" and word[1] not in "aeiouy"


def _has_vowel(word: str) -> bool:
    return any(c in "aeiouy" for c in word)


def _undouble(word: str) -> str:
    if len(word) > 3 and word[-1] == word[-2] and word[-1] not in "lsz" + "aeiou":
        return word[:-1]
    return word


@lru_cache(maxsize=8192)
def lemma(word: str) -> str:
    """A deterministic lemma: irregular forms, plurals and verb endings, then a final "e".

    The result is only ever compared with other lemmas, so it needs to be consistent
    ("make", "makes", "making", "made" -> "mak"), not a dictionary word.
    """
    base = (
        lx.IRREGULAR_PAST.get(word)
        or lx.IRREGULAR_PARTICIPLE.get(word)
        or lx.IRREGULAR_PLURAL.get(word)
    )
    if base is None and word.startswith("re") and len(word) > 4:
        rest = lx.IRREGULAR_PAST.get(word[2:]) or lx.IRREGULAR_PARTICIPLE.get(word[2:])
        base = "re" + rest if rest else None
    w = base or word
    if base is None:
        if len(w) > 4 and w.endswith(("ies", "ied")):
            w = w[:-3] + "y"
        elif w.endswith(("sses", "ches", "shes", "xes", "zzes")):
            w = w[:-2]
        elif len(w) > 3 and w.endswith("s") and not w.endswith(("ss", "us", "is", "ous")):
            w = w[:-1]
        if len(w) > 5 and w.endswith("ing") and _has_vowel(w[:-3]):
            w = _undouble(w[:-3])
        elif len(w) > 4 and w.endswith("ed") and not w.endswith("eed") and _has_vowel(w[:-2]):
            w = _undouble(w[:-2])
        elif _short_e_stem(w):
            w = w[:-3] + "e" if w.endswith("ing") else w[:-1]  # "using", "used" -> "use"
    if len(w) > 3 and w.endswith("e") and not w.endswith("ee"):
        w = w[:-1]
    if len(w) > 3 and w.endswith("y") and w[-2] not in "aeiou":
        w = w[:-1] + "i"  # "calorie" and "calories" (-> "calory") meet at "calori"
    return w


def is_past_form(word: str) -> bool:
    """A simple-past verb form ("rode", "unlocked"); in a clause without auxiliary."""
    if word in lx.IRREGULAR_PAST:
        return True
    if word.startswith("re") and word[2:] in lx.IRREGULAR_PAST:
        return True
    if _short_e_stem(word) and word.endswith("ed"):
        return True  # "used", "owed"
    return len(word) > 4 and word.endswith("ed") and not word.endswith("eed")


def is_participle(word: str) -> bool:
    return is_past_form(word) or word in lx.IRREGULAR_PARTICIPLE
