"""Test time: ``T_b(q, c')`` at budget levels 0-4, the baseline ``T_B(q, c)``, and cost."""

from sleeptime.answer.answerer import Answer, answer_question, validate_question
from sleeptime.answer.budgets import Budget, make_budget
from sleeptime.answer.cost import DEFAULT_T, CostComparison, compare, cost_per_query
from sleeptime.answer.extract import final_answer
from sleeptime.answer.policy import (
    AUTO_LAYOUTS,
    AUTO_POLICY_VERSION,
    LAYOUT_CHOICES,
    resolve_layout,
)
from sleeptime.answer.prompt import LAYOUTS, MODES, AnswerPrompt, build_answer_prompt

__all__ = [
    "AUTO_LAYOUTS",
    "AUTO_POLICY_VERSION",
    "DEFAULT_T",
    "LAYOUTS",
    "LAYOUT_CHOICES",
    "MODES",
    "Answer",
    "AnswerPrompt",
    "Budget",
    "CostComparison",
    "answer_question",
    "build_answer_prompt",
    "compare",
    "cost_per_query",
    "final_answer",
    "make_budget",
    "resolve_layout",
    "validate_question",
]
