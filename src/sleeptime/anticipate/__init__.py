"""Anticipated answers: questions a sleep run expects, answered ahead, served only when verified.

A sleep run stores ``{"question", "answer", "source"}`` entries with its artifact
(``extract_anticipated``). At query time ``match_anticipated`` serves a stored answer only
when the incoming question asks exactly the same thing: both are read into a
``Canonical`` form (``canonical``: frames, fillers, synonyms and word order taken out,
numbers, units, negations, tense and roles kept) and compared by a deterministic check
costing no model tokens, optionally confirmed by a 2-token yes/no model call.
``perturbations`` and ``paraphrases`` build a rule-generated test set; the hand-written
ones are ``sleeptime/examples/anticipated_natural.json`` and ``anticipated_fresh.json``.
"""

from sleeptime.anticipate.align import one_block_apart
from sleeptime.anticipate.canonical import Canonical, canonical
from sleeptime.anticipate.extract import (
    ANTICIPATE_MODES,
    AnticipateMode,
    Extraction,
    extract_anticipated,
    merge_pairs,
    parse_json_pairs,
    parse_qa_pairs,
    question_key,
)
from sleeptime.anticipate.match import (
    MATCHER_VERSION,
    MatchResult,
    Verdict,
    compare_questions,
    confirm_with_model,
    match_anticipated,
    match_structural,
    valid_items,
    verifier_key,
)
from sleeptime.anticipate.perturb import (
    PARAPHRASE_KINDS,
    PERTURBATION_KINDS,
    Variant,
    paraphrases,
    perturbations,
)
from sleeptime.anticipate.serve import serve_anticipated
from sleeptime.anticipate.signature import Signature, signature

__all__ = [
    "ANTICIPATE_MODES",
    "MATCHER_VERSION",
    "PARAPHRASE_KINDS",
    "PERTURBATION_KINDS",
    "AnticipateMode",
    "Canonical",
    "Extraction",
    "MatchResult",
    "Signature",
    "Variant",
    "Verdict",
    "canonical",
    "compare_questions",
    "confirm_with_model",
    "extract_anticipated",
    "match_anticipated",
    "match_structural",
    "merge_pairs",
    "one_block_apart",
    "paraphrases",
    "parse_json_pairs",
    "parse_qa_pairs",
    "perturbations",
    "question_key",
    "serve_anticipated",
    "signature",
    "valid_items",
    "verifier_key",
]
