"""Known, explained differences in the upstream templates, kept here on purpose.

``QUESTION_DIFFERS``: main templates whose defaults do not give back the file's
``question`` even up to whitespace. GSM-Symbolic's authors edited wording while writing
templates (articles, plurals, names for pronouns, digits for number words), so the default
rendering differs from the GSM8K original. Each entry says what differs; the checker
fails on any template that differs and is not listed, and on a listed one that no longer
differs, so this list cannot go stale silently.

``ANSWER_SOURCE``: templates whose ``#answer`` expression and worked answer's ``####``
expression disagree, with the one that matches the question. Everywhere else the two
must agree on every generated instance; a draw where they do not is rejected.
"""

from __future__ import annotations

from typing import Literal

QUESTION_DIFFERS: dict[int, str] = {
    4: "original spells numbers ('Twenty', 'three', 'thirty'); defaults are digits",
    6: "template drops the article in 'of a pineapple field'",
    7: "reworded: 'Hay is' became 'hay are', 'bales' became 'packs'",
    8: "sentence-initial 'Half' has a lower-case default",
    11: "reworded '1/2 an ounce' and reordered the list of cube sizes",
    12: "'on the tray' became 'on some trays'",
    13: "plural added: 'plants'",
    14: "'to school' became 'to the school'",
    16: "plural added: 'gingerbreads'",
    17: "unit pluralised after {x,1}: '1 miles'",
    21: "clause 'for the weekend' dropped",
    24: "'300g' written '300 gram'; 'grams' became 'gram'",
    27: "'gets' became 'receives'; the name repeated where the original says 'He'",
    29: "the name repeated where the original says 'he'",
    32: "original groups digits ('$400 000'); defaults do not",
    33: "'the end of the summer' became 'the end of the break'",
    34: "original groups digits ('$400 000'); defaults do not",
    35: "'half the cost' became 'half of the cost'",
    39: "'an 8 hour day' became '8 hours each day'",
    40: "unit pluralised ('1 pounds') and the offer reworded",
    42: "'cost' became 'costs'",
    45: "original '12 inches wide'; the template reuses its length unit ('feet')",
    47: "'. And' became ', and'",
    48: "'shrimps', and 'cook' became 'saute'",
    49: "digits for 'two', the name for 'He', '$0.40' for '$.40'",
    52: "'twenty dollar bills' became a currency placeholder: '$twenty bills'",
    53: "'points' added",
    54: "'an apple' became 'a whole apple'; '1 slices'",
    56: "plural made by appending 's' to a plural default ('ouncess', 'glasss')",
    58: "'a iron' for 'an iron', 'dwarfs' for 'dwarves'",
    59: "'one liters'",
    61: "article dropped, lower-case sentence start, 'weren't marbles'",
    62: "'magicians' became 'magician's'; a comma dropped",
    65: "'an accountant' became 'one accountant'; 'the taxes' became 'it'",
    66: "'her spools' became 'the spools'",
    67: "a comma added",
    71: "'sheeps'",
    75: "the blue balls' price moved to the end of the list",
    80: "'in change' added",
    86: "typo 'tamk top' in one default (the original says 'top')",
    88: "default 'four' where the pool text adds 'times'; 'at a rate of speed' dropped",
    89: "unit pluralised after {free_hours,1}: '1 hours'",
    90: "defaults 'three'/'four' where the pool text adds 'times'",
    91: "'is twice as much corn' became 'are twice as many corns'; 'cannoliss'",
    92: "'forgot' became 'forgotten'",
    96: "'Go-karts' lower-cased",
    98: "original spells numbers ('ten', 'six', 'three'); 'new' added",
}

AnswerSource = Literal["answer", "worked"]

ANSWER_SOURCE: dict[str, tuple[AnswerSource, str]] = {
    "symbolic/0062": (
        "worked",
        "#answer is 2 x (green cards), one n1 short of red + green + yellow; the worked "
        "answer adds them up correctly",
    ),
    "p1/0046": (
        "answer",
        "the worked answer's #### line adds 'extra' instead of subtracting it; its text and "
        "#answer agree",
    ),
    "p2/0046": (
        "answer",
        "the worked answer's #### line adds 'extra' instead of subtracting it; its text and "
        "#answer agree",
    ),
    "p1/0074": (
        "worked",
        "#answer divides by all students; the question asks for a share of those present",
    ),
    "p1/0089": ("worked", "#answer leaves out the insurance cost the question adds"),
    "p2/0026": (
        "worked",
        "#answer subtracts 1 from the second half-month's daily count; nothing in the "
        "question does",
    ),
}
