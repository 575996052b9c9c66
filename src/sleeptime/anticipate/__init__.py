"""Anticipated answers: questions a sleep run expects, answered ahead, served only when verified.

A sleep run stores ``{"question", "answer", "source"}`` entries with its artifact
(``extract_anticipated``). At query time ``match_anticipated`` serves a stored answer only
when the incoming question asks exactly the same thing (a deterministic structural check
costing no model tokens, optionally confirmed by a 2-token yes/no model call).
``perturbations`` and ``paraphrases`` build the test set that proves it.
"""

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
    DEFAULT_MIN_SIMILARITY,
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
    "DEFAULT_MIN_SIMILARITY",
    "MATCHER_VERSION",
    "PARAPHRASE_KINDS",
    "PERTURBATION_KINDS",
    "AnticipateMode",
    "Extraction",
    "MatchResult",
    "Signature",
    "Variant",
    "Verdict",
    "compare_questions",
    "confirm_with_model",
    "extract_anticipated",
    "match_anticipated",
    "match_structural",
    "merge_pairs",
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
