"""Test time: ``T_b(q, c')`` at budget levels 0-4, the baseline ``T_B(q, c)``, and cost."""

from sleeptime.answer.answerer import Answer, answer_question, validate_question
from sleeptime.answer.budgets import Budget, make_budget
from sleeptime.answer.cost import DEFAULT_T, CostComparison, compare, cost_per_query
from sleeptime.answer.extract import final_answer
from sleeptime.answer.prompt import LAYOUTS, MODES, AnswerPrompt, build_answer_prompt

__all__ = [
    "DEFAULT_T",
    "LAYOUTS",
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
    "validate_question",
]
