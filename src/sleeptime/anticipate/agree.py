"""Accept a reworded question when the model, reading the context, reaches the stored answer.

The accept path (``accept.py``) puts to the model only stored questions whose content
words cannot differ in meaning by rule (``content_differs``, ``names_other_thing``): a
telegraphic query ("deadline for deposit refund") drops words, a chat one ("how much of
the deposit do they want back") adds and swaps them, and both are refused before any
model sees them. Widening that gate with the yes/no check alone serves near-misses: a
small model says "yes" to a question about another deposit or another week.

The second, independent signal is the answer. The model answers the *asked* question
from the context in a few words (``anticipate_answer``, one call per lookup, at most
``ANSWER_MAX_TOKENS``), and a candidate whose content words the rules could not judge is
eligible only if that short answer agrees with its stored, sleep-time-verified answer
(``answers_agree``), and then only if the yes/no check also says "yes". A near-miss asks
for something else, so the model's answer to it is another number, name or date; a
rewording asks for the same, so a model that can read the text reaches the same answer.
The stored answer is what is served: the short answer only votes.

Hard slots (numbers, units, negations, scope, ordering words, tense, names, question
words) still refuse first: the wider gate drops only the content-word filters.
Measured in ``bench/anticipated_accept.py --answer-check``: on fresh9, which it was
designed on, 35 % → 60 % recall and 0 of 200 near-misses served; blind on fresh11,
28 % → 41 % and 3 of 200 served (the short answer echoed the stored number for a question
that added a unit). So it is opt-in (``Settings.anticipate_answer_check``, off):
bench/results/anticipated_answer_check_NOTE.md.
"""

from __future__ import annotations

import re
from fractions import Fraction

from sleeptime.answer.extract import final_answer
from sleeptime.anticipate.accept import short_reply
from sleeptime.backends.base import Backend
from sleeptime.prompts import load_prompt
from sleeptime.values import Usage

ANSWER_PROMPT = "anticipate_answer"
ANSWER_MAX_TOKENS = 24
"""A number with its unit, a name, a date or a short phrase; longer replies are cut."""
AGREE_VERSION = "agree1"
"""How a short answer is compared with a stored one; recorded with what it serves."""
_STOP = frozenset({
    "a", "an", "the", "of", "to", "in", "on", "at", "for", "by", "is", "are", "was", "be",
    "it", "its", "and", "or", "per", "each", "with", "from", "as", "this", "that",
    "pound", "pounds", "dollar", "dollars", "euro", "euros", "quid",
})  # fmt: skip
_WORD_NUMBERS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12,
}  # fmt: skip
_WORD_NUMBER = re.compile(rf"\b({'|'.join(_WORD_NUMBERS)})\b")
_TOKEN = re.compile(r"[a-z]+|\d+(?:[.,]\d+)*")
_NUMBER = re.compile(r"\d+(?:\.\d+)?")
_CURRENCY = str.maketrans({"£": " ", "$": " ", "€": " "})


def answer_tokens(text: str) -> frozenset[str]:
    """The words and numbers of an answer in one spelling each: lower case, function words
    and currencies dropped ("£1,360" / "1360 pounds"), "Two" and "2" and "2.00" alike, a
    final "s" of a longer word dropped ("9 weeks" / "Week 9")."""
    found: set[str] = set()
    for token in _TOKEN.findall(text.lower().translate(_CURRENCY)):
        if token in _STOP:
            continue
        if token in _WORD_NUMBERS:
            found.add(str(_WORD_NUMBERS[token]))
            continue
        if token[0].isdigit():
            try:
                found.add(str(Fraction(token.replace(",", ""))))
                continue
            except (ValueError, ZeroDivisionError):
                pass
        found.add(token.rstrip("s") if len(token) > 3 else token)
    return frozenset(found)


def headline_number(text: str) -> str | None:
    """The first number an answer states ("£215 (the £240 fee minus ...)": 215), in the
    spelling of ``answer_tokens``; None when it states none."""
    spelled = _WORD_NUMBER.sub(lambda m: str(_WORD_NUMBERS[m.group(1)]), text.lower())
    found = _NUMBER.search(spelled.replace(",", ""))
    return str(Fraction(found.group())) if found else None


def answers_agree(stored: str, short: str, asked: str) -> bool:
    """True when the model's short answer to ``asked`` says what ``stored`` says.

    Everything the short answer states must be in the stored answer or in the question
    (the model may echo the question's words), it must not be "unknown", and it must
    carry the stored answer's point: its first number when it has one ("£146", "Week 9",
    "Two, if requested ..."), otherwise one of its own words the question lacks ("the
    viewing gallery"), or nothing but stored words ("Felix" for "Felix or Owen?"). A
    stored answer with its working is read for its final answer ("... The answer is 24.").
    """
    said = answer_tokens(short)
    if not said or "unknown" in said:
        return False
    stored = final_answer(stored) or stored  # "3 rooms x 8 seats = 24. The answer is 24."
    stored_tokens, asked_tokens = answer_tokens(stored), answer_tokens(asked)
    if said - stored_tokens - asked_tokens:
        return False
    head = headline_number(stored)
    if head is not None:
        return head in said
    return bool(said & (stored_tokens - asked_tokens)) or said <= stored_tokens


async def short_answer(
    backend: Backend, context: str, question: str, *, seed: int | None = None
) -> tuple[str | None, Usage]:
    """The model's few-word answer to ``question`` from ``context``; None (and no call)
    when the prompt would not fit the model's window, so a long context falls back to
    the content-word filters."""
    prompt = load_prompt(ANSWER_PROMPT).render(context=context.strip(), question=question.strip())
    window = backend.info.context_window
    if window is not None and await backend.count_tokens(prompt) + ANSWER_MAX_TOKENS + 16 > window:
        return None, Usage()
    text, usage = await short_reply(backend, prompt, ANSWER_MAX_TOKENS, seed=seed)
    return text.strip(), usage


def agree_key() -> str:
    """The version key of the answer check, recorded with an answer it let through."""
    return f"{load_prompt(ANSWER_PROMPT).key}+{AGREE_VERSION}"
