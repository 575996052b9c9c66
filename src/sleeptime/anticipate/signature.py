"""Reduce a question to a comparable signature: normalized tokens sorted into categories.

The signature is what the structural matcher compares. Every token of a question lands in
exactly one slot: a number (digits, written numbers, decimals, fractions, percentages and
money all become one canonical value), a unit, a negation, a comparative or ordering word,
a quantifier, a question word, a modal, a pronoun, a conjunction, a function word (dropped)
or a content word (lightly stemmed). Contractions are expanded first, so "doesn't" and
"does not" give the same signature, and "What's" equals "What is".
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from fractions import Fraction

SIGNATURE_VERSION = "1"

_TOKEN = re.compile(
    r"[$€£¢%]"
    r"|\d+(?:st|nd|rd|th)\b"
    r"|\d{1,3}(?:,\d{3})+(?:\.\d+)?"
    r"|\d+(?:\.\d+)?(?:/\d+)?"
    r"|\.\d+"
    r"|[^\W\d_]+(?:'[^\W\d_]+)*",
    re.UNICODE,
)
_ORDINAL_DIGITS = re.compile(r"^(\d+)(st|nd|rd|th)$")

_CONTRACTIONS = {
    "won't": "will not",
    "can't": "can not",
    "cannot": "can not",
    "shan't": "shall not",
    "ain't": "is not",
    "let's": "let us",
}
_S_IS = {
    "what", "who", "where", "when", "why", "how", "which", "it", "that", "there", "here",
    "he", "she", "this", "everyone", "everything", "nothing", "nobody",
}  # fmt: skip
_SUFFIXES = {"'re": " are", "'ll": " will", "'ve": " have", "'d": " would", "'m": " am"}

UNITS: dict[str, str] = {}
for _canon, _forms in {
    "second": "second seconds sec secs",
    "minute": "minute minutes",
    "hour": "hour hours hr hrs",
    "day": "day days",
    "week": "week weeks",
    "month": "month months",
    "year": "year years yr yrs",
    "dollar": "dollar dollars usd buck bucks $",
    "cent": "cent cents ¢",
    "euro": "euro euros eur €",
    "pound": "pound pounds lb lbs £",
    "percent": "percent percentage percentages pct %",
    "point": "point points",
    "kilometer": "kilometer kilometers kilometre kilometres km kms",
    "meter": "meter meters metre metres",
    "centimeter": "centimeter centimeters centimetre centimetres cm",
    "millimeter": "millimeter millimeters millimetre millimetres mm",
    "mile": "mile miles",
    "foot": "foot feet ft",
    "inch": "inch inches",
    "yard": "yard yards",
    "kilogram": "kilogram kilograms kilo kilos kg kgs",
    "gram": "gram grams",
    "milligram": "milligram milligrams mg",
    "ounce": "ounce ounces oz",
    "ton": "ton tons tonne tonnes",
    "liter": "liter liters litre litres",
    "milliliter": "milliliter milliliters millilitre millilitres ml",
    "gallon": "gallon gallons gal",
    "degree": "degree degrees",
    "celsius": "celsius",
    "fahrenheit": "fahrenheit",
    "mph": "mph",
    "kph": "kph kmh",
    "pm": "pm p.m",
}.items():
    for _form in _forms.split():
        UNITS[_form] = _canon
# Short forms that are ordinary words elsewhere count as units only right after a number.
_AFTER_NUMBER_UNITS = {"s": "second", "h": "hour", "m": "meter", "g": "gram", "l": "liter",
                       "k": "thousand", "mi": "mile", "t": "ton",
                       "min": "minute", "mins": "minute", "am": "am"}  # fmt: skip

NEGATIONS = {
    "not", "no", "never", "none", "nothing", "nobody", "nowhere", "neither", "nor",
    "without", "except", "excluding", "exclude", "excludes", "excluded", "besides",
    "minus", "lacking", "unless", "non",
}  # fmt: skip
COMPARATIVES = {
    "most", "least", "more", "less", "fewer", "fewest", "greater", "greatest", "larger",
    "largest", "smaller", "smallest", "bigger", "biggest", "higher", "highest", "lower",
    "lowest", "longer", "longest", "shorter", "shortest", "earlier", "earliest", "later",
    "latest", "before", "after", "first", "last", "next", "previous", "maximum", "minimum",
    "max", "min", "best", "worst", "better", "worse", "older", "oldest", "younger",
    "youngest", "cheaper", "cheapest", "faster", "fastest", "slower", "slowest", "above",
    "below", "over", "under", "between", "since", "until", "than", "increase", "decrease",
    "top", "bottom", "early", "late", "same", "different", "only", "alone", "extra",
}  # fmt: skip
QUANTIFIERS = {
    "each", "every", "per", "total", "totals", "altogether", "combined", "sum", "average",
    "averages", "mean", "median", "all", "both", "any", "overall", "together", "apiece",
    "whole", "entire", "remaining", "left", "either", "another", "several", "some",
    "many", "much", "few",
}  # fmt: skip
WH_WORDS = {"what", "who", "whom", "whose", "where", "when", "why", "which", "how", "whether"}
MODALS = {"will", "would", "can", "could", "should", "shall", "must", "may", "might"}
PRONOUNS = {
    "i", "me", "my", "mine", "we", "us", "our", "ours", "you", "your", "yours", "he", "him",
    "his", "she", "her", "hers", "they", "them", "their", "theirs", "it", "its",
}  # fmt: skip
CONJUNCTIONS = {"and", "or", "if", "but"}
FUNCTION_WORDS = {
    "a", "an", "the", "is", "are", "was", "were", "be", "been", "being", "am", "do", "does",
    "did", "done", "has", "have", "had", "having", "of", "to", "in", "on", "at", "by", "for",
    "with", "from", "into", "onto", "about", "as", "that", "this", "these", "those", "there",
    "here", "please", "kindly", "tell", "me", "so", "then", "just", "exactly", "actually",
    "also", "now", "really", "quick", "question", "hey", "hi", "ok", "okay", "let", "us",
    "know", "say", "said", "will", "get", "got", "its", "s", "out", "up", "wonder",
}  # fmt: skip
# "me" and "us" after "tell"/"let" are politeness, not a change of subject: they are
# function words, so remove them from the pronoun slot.
PRONOUNS -= {"me", "us"}
FUNCTION_WORDS -= MODALS  # "will" is a modal here: "did" and "will" ask different things

_UNITS_WORDS = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13,
    "fourteen": 14, "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18,
    "nineteen": 19,
}  # fmt: skip
_TENS_WORDS = {"twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60,
               "seventy": 70, "eighty": 80, "ninety": 90}  # fmt: skip
_SCALES = {"hundred": 100, "thousand": 1000, "million": 10**6, "billion": 10**9}
_SPECIAL_NUMBERS = {"half": Fraction(1, 2), "dozen": Fraction(12), "twice": Fraction(2),
                    "double": Fraction(2), "triple": Fraction(3), "thrice": Fraction(3),
                    "quarter": Fraction(1, 4), "couple": Fraction(2)}  # fmt: skip
ORDINALS = {"first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6,
            "seventh": 7, "eighth": 8, "ninth": 9, "tenth": 10, "eleventh": 11,
            "twelfth": 12, "twentieth": 20, "hundredth": 100}  # fmt: skip
NUMBER_WORDS = set(_UNITS_WORDS) | set(_TENS_WORDS) | set(_SCALES) | set(_SPECIAL_NUMBERS)


@dataclass(frozen=True, slots=True)
class Signature:
    """The categorized tokens of one question; two questions match when these agree."""

    numbers: tuple[str, ...]
    units: tuple[str, ...]
    negations: tuple[str, ...]
    comparatives: tuple[str, ...]
    quantifiers: tuple[str, ...]
    wh: tuple[str, ...]
    modals: tuple[str, ...]
    pronouns: tuple[str, ...]
    conjunctions: tuple[str, ...]
    content: tuple[str, ...]
    names: frozenset[str] = field(default_factory=frozenset)
    """Content words written with a capital inside the sentence (likely names)."""


def expand_contractions(text: str) -> str:
    """Lower-case, unify quotes and expand contractions ("doesn't" -> "does not")."""
    text = unicodedata.normalize("NFKC", text).replace("\u2019", "'").replace("\u2018", "'")
    text = text.lower()
    for short, full in _CONTRACTIONS.items():
        text = re.sub(rf"\b{re.escape(short)}\b", full, text)
    text = re.sub(r"n't\b", " not", text)
    for suffix, full in _SUFFIXES.items():
        text = re.sub(rf"(?<=[a-z]){re.escape(suffix)}\b", full, text)

    def _s(match: re.Match[str]) -> str:
        word = match.group(1)
        return f"{word} is" if word in _S_IS else word  # otherwise possessive: drop it

    return re.sub(r"\b([a-z]+)'s\b", _s, text)


def stem(word: str) -> str:
    """A light, deterministic stem: plural and a few verb endings, so "apples" = "apple"."""
    if len(word) <= 3 or word.endswith(("ss", "us", "is")):
        return word
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith(("ches", "shes", "xes", "sses")):
        return word[:-2]
    if word.endswith("s"):
        return word[:-1]
    return word


def _number_value(token: str) -> Fraction | None:
    cleaned = token.replace(",", "")
    try:
        if "/" in cleaned:
            num, den = cleaned.split("/", 1)
            return Fraction(int(num), int(den)) if int(den) else None
        return Fraction(cleaned)
    except (ValueError, ZeroDivisionError):
        return None


def format_number(value: Fraction) -> str:
    """Canonical text of a value: "3", "2.5", "1/3" (same value, same text)."""
    if value.denominator == 1:
        return str(value.numerator)
    scaled = value * 10**6
    if scaled.denominator == 1:
        return f"{float(value):.6f}".rstrip("0").rstrip(".")
    return f"{value.numerator}/{value.denominator}"


def _read_written_number(words: list[str], start: int) -> tuple[Fraction, int] | None:
    """Parse "twenty five", "one hundred and five", "three and a half" from ``start``."""
    total = Fraction(0)
    current = Fraction(0)
    i = start
    seen = False
    while i < len(words):
        word = words[i]
        if word in _UNITS_WORDS:
            current += _UNITS_WORDS[word]
        elif word in _TENS_WORDS:
            current += _TENS_WORDS[word]
        elif word in _SCALES and seen:
            total += max(current, Fraction(1)) * _SCALES[word]
            current = Fraction(0)
        elif word == "and" and seen and i + 1 < len(words):
            nxt = words[i + 1]
            if nxt in _UNITS_WORDS or nxt in _TENS_WORDS:
                i += 1
                continue
            if nxt == "a" and i + 2 < len(words) and words[i + 2] == "half":
                current += Fraction(1, 2)
                i += 3
                break
            break
        else:
            break
        seen = True
        i += 1
    if not seen:
        return None
    return total + current, i


def signature(question: str) -> Signature:
    """Categorize every token of ``question`` (see the module docstring)."""
    names = _capitalized_words(question)
    words = _TOKEN.findall(expand_contractions(question))
    numbers: list[str] = []
    units: list[str] = []
    negations: list[str] = []
    comparatives: list[str] = []
    quantifiers: list[str] = []
    wh: list[str] = []
    modals: list[str] = []
    pronouns: list[str] = []
    conjunctions: list[str] = []
    content: list[str] = []
    after_number = False
    i = 0
    while i < len(words):
        word = words[i]
        was_after_number, after_number = after_number, False
        value = _number_value(word) if word[0].isdigit() or word[0] == "." else None
        if value is not None:
            # A scale word after digits multiplies: "2.5 million".
            if i + 1 < len(words) and words[i + 1] in _SCALES:
                value *= _SCALES[words[i + 1]]
                i += 1
            numbers.append(format_number(value))
            after_number = True
        elif (m := _ORDINAL_DIGITS.match(word)) or word in ORDINALS:
            rank = int(m.group(1)) if m else ORDINALS[word]
            if word == "second" and was_after_number:
                units.append("second")
            elif word in {"first", "last"}:
                comparatives.append(word)
            else:
                comparatives.append(f"#{rank}")
        elif word in _SPECIAL_NUMBERS:
            base = _SPECIAL_NUMBERS[word]
            if numbers and was_after_number and word in {"dozen", "half"}:
                base = Fraction(numbers.pop()) * base
            numbers.append(format_number(base))
            after_number = True
        elif word in NUMBER_WORDS:
            parsed = _read_written_number(words, i)
            if parsed is None:
                content.append(word)
            else:
                value, end = parsed
                numbers.append(format_number(value))
                i = end
                after_number = True
                continue
        elif word == "per" and i + 1 < len(words) and words[i + 1] == "cent":
            units.append("percent")
            i += 1
        elif word in UNITS:
            units.append(UNITS[word])
        elif was_after_number and word in _AFTER_NUMBER_UNITS:
            unit = _AFTER_NUMBER_UNITS[word]
            if unit == "thousand" and numbers:
                numbers.append(format_number(Fraction(numbers.pop()) * 1000))
            else:
                units.append(unit)
        elif word in NEGATIONS:
            negations.append(word)
        elif word in COMPARATIVES:
            comparatives.append(word)
        elif word in QUANTIFIERS:
            quantifiers.append(word)
        elif word in WH_WORDS:
            wh.append(word)
        elif word in MODALS:
            modals.append(word)
        elif word in PRONOUNS:
            pronouns.append(word)
        elif word in CONJUNCTIONS:
            conjunctions.append(word)
        elif word in FUNCTION_WORDS:
            pass
        else:
            content.append(stem(word))
        i += 1
    return Signature(
        numbers=tuple(numbers),
        units=tuple(units),
        negations=tuple(negations),
        comparatives=tuple(comparatives),
        quantifiers=tuple(quantifiers),
        wh=tuple(wh),
        modals=tuple(modals),
        pronouns=tuple(pronouns),
        conjunctions=tuple(conjunctions),
        content=tuple(content),
        names=frozenset(stem(n) for n in names),
    )


def _capitalized_words(question: str) -> set[str]:
    """Lower-cased words written with a capital after the first word (likely names).

    Case carries no information in text that is mostly capitals (ALL CAPS or Title Case),
    so such text yields no names rather than treating every word as one.
    """
    text = unicodedata.normalize("NFKC", question)
    words = re.findall(r"[^\W\d_]+", text)
    if not words:
        return set()
    capitalized = sum(1 for w in words if w[0].isupper())
    if capitalized * 2 > len(words):
        return set()
    found: set[str] = set()
    for sentence in re.split(r"[.?!:;]\s+", text):
        for word in re.findall(r"[^\W\d_]+", sentence)[1:]:
            lower = word.lower()
            if word[0].isupper() and lower not in FUNCTION_WORDS and lower != "i":
                found.add(lower)
    return found
