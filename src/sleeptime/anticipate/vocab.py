"""The word classes the question reader sorts tokens into, in one place.

``canonical.py`` reads a question token by token and ``clause.py`` reads its tense and the
role of its question word; both need to know the same things about a word (is it an
auxiliary, an article, a word that fills a slot other than content), so the classes live
here rather than in either reader. All of it is built from ``lexicon.py`` and
``signature.py``: this module adds no vocabulary of its own, only the groupings.
"""

from __future__ import annotations

from sleeptime.anticipate import lexicon as lx
from sleeptime.anticipate.signature import (
    COMPARATIVES,
    CONJUNCTIONS,
    NEGATIONS,
    NUMBER_WORDS,
    ORDINALS,
    PRONOUNS,
    QUANTIFIERS,
    UNITS,
)
from sleeptime.anticipate.words import lemma

NEGATION_CLASS = {"without": "without", "lacking": "without", "except": "except",
                  "excluding": "except", "exclude": "except", "excludes": "except",
                  "excluded": "except", "besides": "except", "minus": "except",
                  "unless": "unless", "never": "never"}  # fmt: skip
COMPARATIVE_CLASS = {"fewer": "less", "fewest": "least", "greater": "larger"}
ARTICLES = {"a", "an", "the", "this", "that", "these", "those"}
AUX = set(lx.AUX_TENSE) | lx.BE_FORMS | {"being", "been", "having", "done"}
DROP = (
    ARTICLES
    | lx.FILLERS
    | {"so", "then", "just", "also", "now", "here", "ok", "okay", "hey", "hi", "yet",
       "while", "like", "again", "ever", "currently"}
)  # fmt: skip
"""Words that change nothing about what is asked: read, then dropped."""
HOW_HEADS = {"many", "much", "long", "far", "old", "often", "fast", "big", "large", "soon",
             "late", "early", "high", "tall", "wide", "heavy", "deep"}  # fmt: skip
"""Words that make one question word with "how" before them ("how long"): the adjective of
every measure noun ``measure.MEASURE_NOUNS`` reads ("depth" asks "how deep")."""
THIRD_PERSON = PRONOUNS - lx.GENERIC_PRONOUNS
ASKER = frozenset({"i", "me", "you", "we", "us"})
"""The asker's own pronouns as doer or object: dropped, their places kept (``asker_at``)."""
PRONOUN_CASE = {"him": "he", "his": "he", "her": "she", "hers": "she", "them": "they",
                "their": "they", "theirs": "they"}  # fmt: skip
CLAUSE_ENDS = {"if", "because", "while", "although", "that", "unless", "since", "so", "once"}
CLAUSE_OPENERS = CLAUSE_ENDS | CONJUNCTIONS | lx.WH
"""Words after which a pronoun is the subject of a clause of its own ("if you ...")."""
DO_FORMS = {"do", "does", "did"}
BREAKS = lx.FILLERS | CONJUNCTIONS | CLAUSE_ENDS | lx.WH | set(lx.ROLE_PREPOSITIONS) | AUX
"""Words after which a new phrase starts (where a passive's doer ends: ``frames.py``)."""

SYNONYM_LEMMAS = {lemma(word): lemma(head) for word, head in lx.SYNONYMS.items()}
VERB_QUANTIFIERS = {lemma(word): q for word, q in lx.VERB_QUANTIFIERS.items()}


def is_special(word: str) -> bool:
    """True for words that fill a slot other than content (or are dropped)."""
    return (
        word in NUMBER_WORDS
        or word in ORDINALS
        or word in UNITS
        or word in NEGATIONS
        or word in COMPARATIVES
        or word in QUANTIFIERS
        or word in lx.WH
        or word in lx.MODAL_CLASS
        or word in AUX
        or word in PRONOUNS
        or word in CONJUNCTIONS
        or word in DROP
        or word in lx.ROLE_PREPOSITIONS
        or word[:1].isdigit()
    )


OTHER_FUNCTION_WORDS = {"beside", "whereas", "whither", "whence", "thence", "hence",
                        "noone", "amongst", "amidst", "whilst", "unto", "albeit", "whom",
                        "whose"}  # fmt: skip
"""Function words no slot reads and WordNet does not list: never repaired into a slot word
they are one edit from ("beside" is not "besides")."""

SLOT_WORDS = frozenset(
    w
    for w in (
        set(NUMBER_WORDS) | set(ORDINALS) | set(UNITS) | set(lx.ADVERB_UNITS) | NEGATIONS
        | COMPARATIVES | QUANTIFIERS | set(lx.QUANTIFIER_CLASS) | lx.WH | set(lx.MODAL_CLASS)
        | AUX | lx.FILLERS | set(lx.ROLE_PREPOSITIONS) | DROP | PRONOUNS | CONJUNCTIONS
        | lx.NP_STARTS | lx.GENERIC_PRONOUNS | lx.GENERIC_SUBJECTS | CLAUSE_ENDS
        | lx.SUBORDINATORS | set(lx.CHAT) | OTHER_FUNCTION_WORDS
    )
    if len(w) >= 3 and w.isalpha()
)  # fmt: skip
"""The closed vocabulary of words that fill a slot (or are dropped): a slip of one of them
("montly", "waht") is repaired before reading (``typo.repair_slot_word``), as the bridge
repairs a content word; the words themselves are never repaired."""
