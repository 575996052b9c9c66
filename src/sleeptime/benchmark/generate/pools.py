"""Word pools the templates sample from (``sample(names)``, ``sample(fractions)``, ...).

Upstream never published its pools, so these lists are written for this project. The
pool *names* and the *shape* of their items follow the templates: a pool of words
(names, colours) holds plain strings; a pool whose items are shown as words but
computed with as numbers (``fractions``, ``multi_times``) holds ``(text, value)`` pairs,
so ``{frac}`` in a question reads "a third" while ``k * frac`` computes with 1/3. The word
forms mirror the defaults found in the templates ("half", "a third", "one-fourth",
"two-fifths", "three times", "twice", "double").
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

_ONES = [
    "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
    "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen",
    "nineteen",
]  # fmt: skip
_TENS = ["_", "_", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]
# Ordinal denominators: index n gives the word for 1/n (singular, plural).
_DENOMINATORS: dict[int, tuple[str, str]] = {
    2: ("half", "halves"),
    3: ("third", "thirds"),
    4: ("fourth", "fourths"),
    5: ("fifth", "fifths"),
    6: ("sixth", "sixths"),
    7: ("seventh", "sevenths"),
    8: ("eighth", "eighths"),
    9: ("ninth", "ninths"),
    10: ("tenth", "tenths"),
    12: ("twelfth", "twelfths"),
    16: ("sixteenth", "sixteenths"),
}


def number_words(n: int) -> str:
    """Spell a whole number from 0 to 999 the way a word problem would ("forty-two")."""
    if not 0 <= n <= 999:
        raise ValueError(f"number_words covers 0 to 999, got {n}")
    if n < 20:
        return _ONES[n]
    if n < 100:
        tens, ones = divmod(n, 10)
        return _TENS[tens] + (f"-{_ONES[ones]}" if ones else "")
    hundreds, rest = divmod(n, 100)
    return f"{_ONES[hundreds]} hundred" + (f" {number_words(rest)}" if rest else "")


def _hyphenated(k: int, n: int) -> str:
    singular, plural = _DENOMINATORS[n]
    return f"{number_words(k)}-{singular if k == 1 else plural}"


def _article(word: str) -> str:
    return ("an " if word[0] in "aeiou" else "a ") + word


NAMES_FEMALE = [
    "Adaeze", "Amara", "Beatrix", "Camille", "Dalia", "Esme", "Farida", "Greta", "Hana", "Ines",
    "Ingrid", "Jolene", "Keiko", "Leona", "Lucia", "Mariam", "Nadira", "Noor", "Odette",
    "Paloma", "Rosalind", "Saoirse", "Talia", "Tamsin", "Ulla", "Vesna", "Wanjiru", "Ximena",
    "Yasmin", "Zofia", "Marisol", "Soraya", "Annika", "Bettina", "Clementine", "Dagny",
]  # fmt: skip
NAMES_MALE = [
    "Anselm", "Bastian", "Cyrus", "Dmitri", "Emeka", "Felipe", "Gideon", "Hamza", "Idris",
    "Joaquin", "Kenji", "Lorenzo", "Mattias", "Nikolai", "Obi", "Pablo", "Quentin", "Rashid",
    "Stellan", "Tobias", "Ugo", "Vikram", "Wendell", "Xander", "Yannick", "Zoltan", "Anders",
    "Bartholomew", "Caspian", "Desmond", "Elias", "Florian", "Gunnar", "Henrik",
]  # fmt: skip
NAMES = sorted(set(NAMES_FEMALE) | set(NAMES_MALE))

FRUITS = [
    "apple", "apricot", "banana", "cherry", "fig", "grape", "kiwi", "lemon", "lime", "mango",
    "melon", "nectarine", "orange", "papaya", "peach", "pear", "plum",
]  # fmt: skip
WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
COLORS = [
    "red", "blue", "green", "yellow", "purple", "orange", "pink", "black", "white", "brown",
    "gray", "teal", "violet", "silver", "gold",
]  # fmt: skip
CITIES = [
    "Lagos", "Lima", "Oslo", "Hanoi", "Quito", "Porto", "Kyoto", "Accra", "Tunis", "Zagreb",
    "Montreal", "Melbourne", "Santiago", "Valencia", "Edinburgh", "Bogota", "Jakarta",
    "Manila", "Chicago", "Vancouver",
]  # fmt: skip
SPORTS = [
    "soccer", "basketball", "tennis", "volleyball", "cricket", "rugby", "hockey", "baseball",
    "badminton", "handball",
]  # fmt: skip
CURRENCIES_SYM = ["$", "€", "£", "¥", "₹"]
LENGTH_LG = ["mile", "kilometer"]
WEIGHTS_MED = ["pound", "kilogram"]
WEIGHTS_SM = ["ounce", "gram"]


def _fraction_pools() -> dict[str, list[tuple[str, Any]]]:
    unit = [(1, n) for n in range(2, 11)]
    proper = [(k, n) for n in range(2, 7) for k in range(1, n)] + [(1, n) for n in range(7, 11)]
    words = [(_hyphenated(k, n), Fraction(k, n)) for k, n in proper]
    numerals = [(f"{k}/{n}", Fraction(k, n)) for k, n in proper]
    simple = [("half", Fraction(1, 2))] + [
        (_article(_DENOMINATORS[n][0]), Fraction(1, n)) for n in (3, 5, 6, 8, 10)
    ]
    simple.append(("a quarter", Fraction(1, 4)))
    easy = [(1, 2), (1, 3), (1, 4), (2, 3)]  # templates slice the first four: fraction_nums[:4]
    nums = easy + [(k, n) for k, n in proper if (k, n) not in easy]
    return {
        "fractions": simple + [(f"1/{n}", Fraction(1, n)) for _, n in unit],
        "fraction_alph": words,
        "fraction_alnum": words + numerals,
        "fraction_nums": [(f"{k}/{n}", Fraction(k, n)) for k, n in nums],
        "fraction_decimals": [(f"0.{d}", d / 10) for d in range(1, 10)],
    }


def pools() -> dict[str, list[Any]]:
    """Return every pool by the name templates use for it (fresh lists each call)."""
    result: dict[str, list[Any]] = {
        "names": list(NAMES),
        "names_female": list(NAMES_FEMALE),
        "names_male": list(NAMES_MALE),
        "fruits": list(FRUITS),
        "weekdays": list(WEEKDAYS),
        "colors": list(COLORS),
        "cities": list(CITIES),
        "sports": list(SPORTS),
        "currencies_sym": list(CURRENCIES_SYM),
        "length_lg": list(LENGTH_LG),
        "weights_med": list(WEIGHTS_MED),
        "weights_sm": list(WEIGHTS_SM),
        "multi_times": [(f"{number_words(n)} times", n) for n in range(2, 11)],
        "multiple_ice": [("twice", 2), ("thrice", 3)],
        "multiple": [("double", 2), ("triple", 3), ("quadruple", 4), ("quintuple", 5)],
    }
    result.update(_fraction_pools())
    return result


def word_values() -> dict[str, Any]:
    """Map number and fraction words to values, to read template defaults like "a third"."""
    table: dict[str, Any] = {number_words(n): n for n in range(1000)}
    for items in pools().values():
        for item in items:
            if isinstance(item, tuple):
                table[str(item[0]).lower()] = item[1]
    for n, (singular, plural) in _DENOMINATORS.items():
        table[singular] = Fraction(1, n)
        table[_article(singular)] = Fraction(1, n)
        table[f"one {singular}"] = Fraction(1, n)
        for k in range(2, n):
            spelled = number_words(k)
            table[f"{spelled} {plural}"] = table[f"{spelled}-{plural}"] = Fraction(k, n)
    table.update({"quarter": Fraction(1, 4), "three quarters": Fraction(3, 4), "once": 1})
    for n in range(1, 11):
        table[number_words(n)] = n
    return table
