"""Build a test set for the matcher: questions that must miss, and rewordings that must hit.

``perturbations(q)`` changes what ``q`` asks in one way per variant (kinds: ``number``,
``negation``, ``unit``, ``comparative``, ``name``, ``quantifier``); a matcher that serves
the stored answer for any of them is wrong. ``paraphrases(q)`` changes only the surface
(case, punctuation, whitespace, contractions, "What is" -> "What's", a polite "please",
a dropped article); those should still hit. Both are deterministic rule sets written here,
not model output, so the test set is reproducible.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

PERTURBATION_KINDS = ("number", "negation", "unit", "comparative", "name", "quantifier")
PARAPHRASE_KINDS = (
    "exact",
    "numerals",
    "lower",
    "upper",
    "punctuation",
    "whitespace",
    "contraction",
    "whats",
    "please",
    "article",
)


@dataclass(frozen=True, slots=True)
class Variant:
    """One generated question and the kind of change that produced it."""

    kind: str
    text: str


_WORD_NUMBERS = [
    "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
    "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen",
    "nineteen", "twenty",
]  # fmt: skip
_TENS = ["twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]
_AUX_NOT = {
    "is": "isn't", "are": "aren't", "was": "wasn't", "were": "weren't", "does": "doesn't",
    "do": "don't", "did": "didn't", "can": "can't", "will": "won't", "has": "hasn't",
    "have": "haven't", "had": "hadn't", "should": "shouldn't", "could": "couldn't",
    "would": "wouldn't", "must": "mustn't",
}  # fmt: skip
_NEGATION_REMOVALS = (
    (r"\bcan(?:'|\u2019)t\b", "can"),
    (r"\bcannot\b", "can"),
    (r"\bwon(?:'|\u2019)t\b", "will"),
    (r"(?:'|\u2019)?n(?:'|\u2019)t\b", ""),
    (r"\s+not\b", ""),
    (r"\s+never\b", ""),
    (r"\bno\s+", "any "),
    (r"\bwithout\b", "with"),
    (r"\s+(?:except|excluding)\b", " including"),
)
_UNIT_SWAPS = {
    "seconds": "minutes", "second": "minute", "minutes": "hours", "minute": "hour",
    "hours": "minutes", "hour": "minute", "days": "weeks", "day": "week", "weeks": "days",
    "week": "day", "months": "years", "month": "year", "years": "months", "year": "month",
    "dollars": "cents", "dollar": "cent", "cents": "dollars", "cent": "dollar",
    "euros": "dollars", "euro": "dollar", "percent": "points", "km": "miles",
    "kilometers": "miles", "kilometres": "miles", "miles": "kilometers", "mile": "kilometer",
    "meters": "feet", "metres": "feet", "meter": "foot", "feet": "meters", "kg": "g",
    "kilograms": "grams", "kilogram": "gram", "grams": "kilograms", "gram": "kilogram",
    "pounds": "kilograms", "liters": "gallons", "litres": "gallons", "gallons": "liters",
    "cm": "inches", "inches": "cm", "degrees": "percent",
}  # fmt: skip
_COMPARATIVE_SWAPS = {
    "most": "least", "least": "most", "more": "fewer", "fewer": "more", "less": "more",
    "before": "after", "after": "before", "first": "last", "last": "first",
    "earliest": "latest", "latest": "earliest", "earlier": "later", "later": "earlier",
    "largest": "smallest", "smallest": "largest", "larger": "smaller", "smaller": "larger",
    "biggest": "smallest", "bigger": "smaller", "highest": "lowest", "lowest": "highest",
    "higher": "lower", "lower": "higher", "longest": "shortest", "shortest": "longest",
    "longer": "shorter", "shorter": "longer", "maximum": "minimum", "minimum": "maximum",
    "best": "worst", "worst": "best", "fewest": "most", "heavier": "lighter",
    "lighter": "heavier", "heaviest": "lightest", "older": "younger", "younger": "older",
    "oldest": "youngest", "youngest": "oldest", "cheapest": "most expensive",
    "above": "below", "below": "above", "over": "under", "under": "over",
    "since": "until", "until": "since", "next": "previous", "previous": "next",
}  # fmt: skip
_QUANTIFIER_SWAPS = {
    "each": "in total", "every": "some", "per": "in total per", "total": "average",
    "average": "total", "all": "some", "both": "either", "altogether": "each",
    "combined": "each", "together": "separately",
}  # fmt: skip
_PRONOUN_SWAPS = {"he": "she", "she": "he", "his": "her", "her": "his", "they": "we",
                  "their": "our", "him": "her", "them": "us"}  # fmt: skip
_OTHER_NAMES = ("Anna", "Omar", "Lucia", "Kenji", "Fatima", "Pavel")
_NOT_NAMES = {
    "I", "What", "Who", "How", "When", "Where", "Which", "Why", "Is", "Are", "Do", "Does",
    "Did", "Can", "Will", "The", "A", "An", "If", "In", "On", "At", "For",
}  # fmt: skip
_NUMBER = re.compile(r"(?<![\w.])(\d[\d,]*(?:\.\d+)?(?:/\d+)?)(?!\w)")


def _match_case(old: str, new: str) -> str:
    if old.isupper() and len(old) > 1:
        return new.upper()
    if old[:1].isupper():
        return new[:1].upper() + new[1:]
    return new


def _sub_word(text: str, old: str, new: str) -> str | None:
    """Replace the first whole-word ``old`` (any case) with ``new``; None when absent."""
    match = re.search(rf"(?<![\w']){re.escape(old)}(?![\w'])", text, re.IGNORECASE)
    if not match:
        return None
    return text[: match.start()] + _match_case(match.group(0), new) + text[match.end() :]


def _first_present(text: str, table: dict[str, str]) -> list[str]:
    """Keys of ``table`` present as whole words, in the order they occur in ``text``."""
    found: list[tuple[int, str]] = []
    for key in table:
        match = re.search(rf"(?<![\w']){re.escape(key)}(?![\w'])", text, re.IGNORECASE)
        if match:
            found.append((match.start(), key))
    return [key for _, key in sorted(found)]


def _bump(number: str) -> str:
    clean = number.replace(",", "")
    if "/" in clean:
        num, den = clean.split("/", 1)
        return f"{num}/{int(den) + 1}"
    if "." in clean:
        whole, frac = clean.split(".", 1)
        return f"{whole}.{frac[:-1]}{(int(frac[-1]) + 1) % 10}"
    return str(int(clean) + 1)


def _number_variants(question: str) -> list[str]:
    out: list[str] = []
    match = _NUMBER.search(question)
    if match:
        number = match.group(1)
        start, end = match.span(1)
        out.append(question[:start] + _bump(number) + question[end:])
        if re.fullmatch(r"\d+", number):
            value = int(number)
            word = _WORD_NUMBERS[value + 2] if value + 2 < len(_WORD_NUMBERS) else str(value * 10)
            out.append(question[:start] + word + question[end:])
    for i, word in enumerate(_WORD_NUMBERS):
        changed = _sub_word(question, word, _WORD_NUMBERS[(i + 1) % len(_WORD_NUMBERS)])
        if changed:
            out.append(changed)
            digits = _sub_word(question, word, str(i + 3))
            if digits:
                out.append(digits)
            break
    for i, word in enumerate(_TENS):
        changed = _sub_word(question, word, _TENS[(i + 1) % len(_TENS)])
        if changed:
            out.append(changed)
            break
    for old, new in (("half", "quarter"), ("twice", "three times"), ("dozen", "score")):
        changed = _sub_word(question, old, new)
        if changed:
            out.append(changed)
    return out


_DETERMINERS = {"the", "a", "an", "each", "every", "this", "that", "their", "his", "her",
                "its", "our", "my", "your", "one"}  # fmt: skip
_SUBJECT_PRONOUNS = {"i", "you", "he", "she", "it", "we", "they", "there"}


def _subject_length(tail: str) -> int:
    """Characters of ``tail`` taken by the subject after an auxiliary ("the trip", "they")."""
    words = list(re.finditer(r"[\w'.]+", tail))
    if not words:
        return 0
    first = words[0].group(0)
    take = 0
    if first.lower() in _SUBJECT_PRONOUNS or first[:1].isupper():
        take = 1
        while take < len(words) and words[take].group(0)[:1].isupper():
            take += 1
    elif first.lower() in _DETERMINERS and len(words) > 1:
        take = 2
    return words[take - 1].end() if take else 0


def _negation_variants(question: str) -> list[str]:
    out: list[str] = []
    for pattern, repl in _NEGATION_REMOVALS:
        if re.search(pattern, question, re.IGNORECASE):
            out.append(re.sub(pattern, repl, question, count=1, flags=re.IGNORECASE))
            return out + [q for q in (_sub_word(question, "with", "without"),) if q]
    for aux in _first_present(question, _AUX_NOT)[:1]:
        match = re.search(rf"(?<![\w']){aux}(?![\w'])", question, re.IGNORECASE)
        assert match is not None
        word = match.group(0)
        head, tail = question[: match.start()], question[match.end() :]
        out.append(head + _match_case(word, _AUX_NOT[aux]) + tail)
        if match.start() > 0:
            cut = len(head) + len(word) + _subject_length(tail)
            before, after = question[:cut], question[cut:]
            out.append(f"{before} not{after}")
            out.append(f"{before} never{after}")
    with_ = _sub_word(question, "with", "without")
    if with_:
        out.append(with_)
    if not out:
        out.append(re.sub(r"\?*\s*$", ", excluding weekends?", question, count=1))
    return out


def _unit_variants(question: str) -> list[str]:
    out: list[str] = []
    dollar = re.search(r"\$\s?(\d[\d,]*(?:\.\d+)?)", question)
    if dollar:
        amount = dollar.group(1)
        out.append(question[: dollar.start()] + f"{amount} cents" + question[dollar.end() :])
        out.append(question[: dollar.start()] + f"€{amount}" + question[dollar.end() :])
    percent = re.search(r"(\d)\s?%", question)
    if percent:
        out.append(question[: percent.start()] + f"{percent.group(1)} points" +
                   question[percent.end() :])  # fmt: skip
    for unit in _first_present(question, _UNIT_SWAPS)[:2]:
        changed = _sub_word(question, unit, _UNIT_SWAPS[unit])
        if changed:
            out.append(changed)
    return out


def _comparative_variants(question: str) -> list[str]:
    out = [
        changed
        for word in _first_present(question, _COMPARATIVE_SWAPS)[:2]
        if (changed := _sub_word(question, word, _COMPARATIVE_SWAPS[word]))
    ]
    if not out:
        for lead in ("how many", "how much"):
            changed = _sub_word(question, lead, f"{lead} more")
            if changed:
                out.append(changed)
                break
    return out


def _name_variants(question: str) -> list[str]:
    out: list[str] = []
    words = re.findall(r"(?<![\w'])[A-Z][a-z]+(?![\w'])", question)
    first = re.match(r"\s*([A-Za-z]+)", question)
    names = [
        w
        for i, w in enumerate(words)
        if w not in _NOT_NAMES and not (i == 0 and first and first.group(1) == w)
    ]
    for name in names[:2]:
        other = next(n for n in _OTHER_NAMES if n != name)
        changed = _sub_word(question, name, other)
        if changed:
            out.append(changed)
    if not out:
        for pronoun in _first_present(question, _PRONOUN_SWAPS)[:1]:
            changed = _sub_word(question, pronoun, _PRONOUN_SWAPS[pronoun])
            if changed:
                out.append(changed)
    return out


def _quantifier_variants(question: str) -> list[str]:
    out = [
        changed
        for word in _first_present(question, _QUANTIFIER_SWAPS)[:2]
        if (changed := _sub_word(question, word, _QUANTIFIER_SWAPS[word]))
    ]
    if not out:
        out.append(re.sub(r"\s*\?*\s*$", " on average?", question, count=1))
    return out


def perturbations(question: str) -> list[Variant]:
    """Variants of ``question`` that ask something else; every one must be refused."""
    makers = {
        "number": _number_variants,
        "negation": _negation_variants,
        "unit": _unit_variants,
        "comparative": _comparative_variants,
        "name": _name_variants,
        "quantifier": _quantifier_variants,
    }
    seen = {question}
    out: list[Variant] = []
    for kind, make in makers.items():
        for text in make(question):
            if text not in seen:
                seen.add(text)
                out.append(Variant(kind, text))
    return out


def _contraction(question: str) -> str | None:
    for full, short in (
        ("does not", "doesn't"), ("do not", "don't"), ("did not", "didn't"),
        ("is not", "isn't"), ("are not", "aren't"), ("cannot", "can't"),
        ("doesn't", "does not"), ("don't", "do not"), ("didn't", "did not"),
        ("isn't", "is not"), ("aren't", "are not"), ("can't", "cannot"),
        ("it is", "it's"), ("there is", "there's"), ("they are", "they're"),
        ("how is", "how's"), ("who is", "who's"),
    ):  # fmt: skip
        changed = _sub_word(question, full, short)
        if changed:
            return changed
    return None


def _numeral(question: str) -> str | None:
    """Write the first small number the other way: "3" <-> "three", "4.50" -> "4.5"."""
    match = _NUMBER.search(question)
    if match and re.fullmatch(r"\d+", match.group(1)) and int(match.group(1)) < 20:
        start, end = match.span(1)
        return question[:start] + _WORD_NUMBERS[int(match.group(1))] + question[end:]
    if match and re.fullmatch(r"\d+\.\d*0", match.group(1)):
        start, end = match.span(1)
        return question[:start] + match.group(1).rstrip("0").rstrip(".") + question[end:]
    for i, word in enumerate(_WORD_NUMBERS):
        changed = _sub_word(question, word, str(i))
        if changed:
            return changed
    return None


def paraphrases(question: str) -> list[Variant]:
    """Surface rewordings of ``question`` that ask the same thing; each should be served."""
    stripped = question.strip()
    body = stripped.rstrip("?!. ")
    out = [
        Variant("exact", question),
        Variant("lower", question.lower()),
        Variant("upper", question.upper()),
        Variant("punctuation", body.replace(",", "") + "??"),
        Variant("punctuation", body),
        Variant("whitespace", "  " + re.sub(r"\s+", "   ", stripped) + " \n"),
        Variant("please", f"Please tell me: {stripped}"),
        Variant("please", f"{body}, please?"),
    ]
    numeral = _numeral(stripped)
    if numeral:
        out.append(Variant("numerals", numeral))
    contracted = _contraction(stripped)
    if contracted:
        out.append(Variant("contraction", contracted))
    whats = _sub_word(stripped, "what is", "what's") or _sub_word(stripped, "what's", "what is")
    if whats:
        out.append(Variant("whats", whats))
    article = _sub_word(stripped, "the", "")
    if article:
        out.append(Variant("article", re.sub(r"\s{2,}", " ", article).strip()))
    return out
