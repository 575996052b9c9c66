"""Questions asked in another shape than their usual one, restated before they are read.

Each rule here is a shape of English that asks the same as a plainer one, with the words
that decide it checked, so that nothing else is rewritten:

- **A question hidden in a request** (``concealed_question``): "Could you tell me the
  total I need to pay?" asks "What is the total I need to pay?". Only after a frame that
  asks for information ("tell me", "let me know", "remind me", "I need to know"), and only
  for a noun phrase with "the": "Could you tell me *a* good time?" and requests for a
  thing ("Can you give me the key?") are left alone.
- **A name for "who"** (``name_question``): "What is the name of the case officer?" and
  "What is the umpire's name?" ask "Who is the case officer / the umpire?", when the
  phrase is a plain noun phrase whose last word names a person in its most frequent
  WordNet sense (noun.person). "What is the name of the hotel?" names a thing, and "What
  is the name of the coach's dog?" is about the dog: neither changes.
- **An upper bound asked as a degree** (``degree_bound``): "How big can my bag be?" asks
  the largest size allowed, what "What is the maximum bag size?" asks; "How heavy may a
  bag be?" likewise. Only "can"/"may" with "be" as the verb, so "How long can I stay?"
  (a verb of its own) and "How long should the walks be?" (advice, no bound) keep their
  modal. "at most" says "maximum" in any question ("How many guests can come at most?").
- **"What ... worth?"** asks "how much ... worth" ("What is the voucher worth?"); the
  "worth" stays, so the value of a thing is never its price ("How much is the car?").
"""

from __future__ import annotations

import re

from sleeptime.anticipate import wordnet

_INFO_FRAME = re.compile(r"\b(?:tell me|let me know|remind me|know)\W*$")
"""The end of a stripped frame that asks for information, not for a thing."""

_NAME_OF = re.compile(r"^what (is|was) the name of ((?:the |a |an )?[\w' -]+?)\s*[?.!]*$")
_NAME_POSSESSIVE = re.compile(r"^what (is|was) ((?:the |a |an )?[\w' -]+?) name\s*[?.!]*$")
"""The possessive's "'s" is gone by now (``signature.expand_contractions``)."""
_PERSON_LEXNAME = 18
"""WordNet's noun.person: "officer", "umpire", "leader", "landlord"."""
_NOT_IN_A_NAME = {
    "of", "in", "on", "at", "for", "with", "from", "to", "by", "who", "whom", "that",
    "which", "whose", "and", "or", "if", "when", "where", "is", "are", "was", "were",
}  # fmt: skip
"""Words that end a plain noun phrase: after them the head noun is behind us."""

_DEGREE = r"big|large|heavy|tall|high|long|wide|deep|old|far|fast"
_CAN = r"(?:can|could|may|might)"
_BOUND = re.compile(
    rf"^((?:[\w' -]+, )?)how ({_DEGREE}) (?:{_CAN} (.+?)|(.+?) {_CAN}) be(?: at most)?"
    r"(?=(?: (?:for|on|in|at)\b.*)?\s*[?.!]*$)"
)
"""Asked ("How big can my bag be?") or embedded ("how big my bag can be"), after a fronted
phrase at most ("On the plane, how big ...")."""
_AT_MOST = re.compile(r"\bat most\b")
_WORTH = re.compile(r"^what (is|was|are|were|will be) (.+? worth)(?=\s*[?.!]*$)")


def concealed_question(plain: str, framed: str) -> str:
    """``framed`` as a "what is" question when the frame stripped from ``plain`` asked for
    information about a definite noun phrase (module docstring); else ``framed``."""
    if framed == plain or not framed.startswith("the "):
        return framed
    frame = plain[: len(plain) - len(framed)] if plain.endswith(framed) else ""
    if not _INFO_FRAME.search(frame.rstrip()):
        return framed
    return f"what is {framed}"


def _names_person(phrase: str) -> bool:
    words = [w.removesuffix("'s").removesuffix("'") for w in phrase.split()]
    if not words or any(w in _NOT_IN_A_NAME or not w.replace("-", "").isalpha() for w in words):
        return False
    if wordnet.senses(f"{words[-1]}_name", "n"):
        return False  # "first name", "pet name": a kind of name, not a person's
    bases = wordnet.base_forms(words[-1], "n")
    found = wordnet.senses(bases[0], "n") if bases else ()
    return bool(found) and wordnet.synset(found[0], "n").lexname == _PERSON_LEXNAME


def name_question(text: str) -> str:
    """ "What is the name of X?" / "What is X's name?" as "Who is X?" when X is a plain
    noun phrase naming a person (module docstring); else ``text``."""
    for pattern in (_NAME_OF, _NAME_POSSESSIVE):
        m = pattern.match(text)
        if m is not None and _names_person(m.group(2)):
            return f"who {m.group(1)} {m.group(2)}?"
    return text


def degree_bound(text: str) -> str:
    """ "How ADJ can X be?" as "How ADJ is the maximum X?", and "at most" as "maximum"
    (module docstring)."""
    m = _BOUND.match(text)
    if m is not None:
        subject = m.group(3) or m.group(4)
        return f"{m.group(1)}how {m.group(2)} is maximum {subject}{text[m.end() :]}"
    return _AT_MOST.sub("maximum", text)


def restate(text: str) -> str:
    """Apply the rules that read a whole question (lower-case, phrases already rewritten)."""
    text = _WORTH.sub(r"how much \1 \2", text)
    return degree_bound(name_question(text))
