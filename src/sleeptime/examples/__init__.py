"""Example contexts and question sets shipped with the package (demo, anticipated-answer sets).

``demo_questions`` reads the demo's questions with the answers the handbook implies, so
the demo can say how many answers were right instead of leaving that to the reader.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from importlib import resources
from typing import Any, Literal

Check = Literal["number", "phrase"]


def example_text(name: str) -> str:
    """The text of a bundled example file (``garden.txt``, ``garden_questions.json``...)."""
    return resources.files(__name__).joinpath(name).read_text(encoding="utf-8")


@dataclass(frozen=True, slots=True)
class DemoQuestion:
    """A demo question with its expected answer and how a reply is checked against it."""

    question: str
    expected: str
    check: Check
    """``number``: the GSM grader (last number, or the one after "The answer is");
    ``phrase``: the expected words appear in the final answer (or the reply if none)."""

    def is_right(self, reply: str, final: str | None = None) -> bool:
        """Whether ``reply`` (with its extracted ``final`` answer, if any) is right."""
        if self.check == "number":
            from sleeptime.benchmark.grading import grade_gsm  # only when grading

            return grade_gsm(reply, self.expected).correct
        return _words(self.expected) in _words(final or reply)


def _words(text: str) -> str:
    return " " + " ".join(re.findall(r"\w+", text.lower())) + " "


def parse_demo_questions(raw: Any, source: str = "questions") -> list[DemoQuestion]:
    """Read a JSON list of ``{question, expected, check}`` (check defaults to ``number``)."""
    if not isinstance(raw, list) or not raw:
        raise ValueError(f"{source}: expected a non-empty JSON list of questions")
    questions = []
    for item in raw:
        check = item.get("check", "number")
        if check not in ("number", "phrase"):
            raise ValueError(f"{source}: check must be 'number' or 'phrase', not {check!r}")
        questions.append(DemoQuestion(str(item["question"]), str(item["expected"]), check))
    return questions


def demo_questions(name: str = "garden_questions.json") -> list[DemoQuestion]:
    """The bundled demo questions with their expected answers."""
    return parse_demo_questions(json.loads(example_text(name)), name)
