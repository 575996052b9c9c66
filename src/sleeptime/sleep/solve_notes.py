"""The text side of ``solve:K``: read predicted questions, vote on answers, write the notes.

A small model writes terse anticipated answers without working, and gets them wrong; the
same model reasoning step by step on one question does much better. ``solve:K`` therefore
solves each predicted question with the test-time step-by-step prompt, and this module
turns those solutions into notes a one-sentence answer can read the result off: each
question, its final answer first (with how many of the K solutions reached it), then a
short working trimmed to the lines with numbers, slips marked by the calculator.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from fractions import Fraction

from sleeptime.answer.extract import final_answer
from sleeptime.anticipate.extract import question_key
from sleeptime.sleep.arithmetic import check_notes
from sleeptime.sleep.combine import mark_slips
from sleeptime.sleep.consensus import last_number

MAX_PREDICTED_CHARS = 300
MAX_WORKING_LINES = 8
MAX_LINE_CHARS = 160
MAX_ANSWER_CHARS = 80
SLIP_MARK = "[calculator: a step of this working is wrong]"
"""Put on an answer whose working holds a slip; ``sleep/verify.py`` never serves it."""

_LEAD = re.compile(
    r"^[\s>*_#`\-•]*(?:(?:q(?:uestion)?\s*\d*|\d+)\s*[:.)]\s*)?[\s*_`\"']*", re.IGNORECASE
)
_ANSWER_LEAD = re.compile(r"^[\s>*_#`\-•]*(?:a(?:nswer)?\s*\d*|solution)\s*[:)]", re.IGNORECASE)
_QUESTION_WORD = re.compile(
    r"^(?:how|what|which|who|whom|whose|when|where|why|is|are|was|were|does|do|did|can|"
    r"will|would|should|if|in|after|by|at|for|on|assuming)\b",
    re.IGNORECASE,
)
_LIST_NUMBER = re.compile(r"^(?:step\s*)?\d+[.):]\s+(?=\S)", re.IGNORECASE)
_QA_LOOKALIKE = re.compile(r"^[\s>*_#`\-•]*(?:q(?:uestion)?|a(?:nswer)?)\s*\d*\s*[:)]", re.I)
_LATEX = (
    (re.compile(r"\\[dt]?frac\{([^{}]*)\}\{([^{}]*)\}"), r"(\1) / (\2)"),
    (re.compile(r"\\text\{([^{}]*)\}"), r"\1"),
    (re.compile(r"\\(?:times|cdot)"), "*"),
    (re.compile(r"\\div"), "/"),
    (re.compile(r"\\[\[\]()]|\\[,;! ]|\\\$"), " "),
    (re.compile(r"\\(?:boxed|mathbf|mathrm)\{([^{}]*)\}"), r"\1"),
)


def parse_predicted(reply: str, limit: int) -> list[str]:
    """The distinct questions in a prediction reply, at most ``limit``, in order.

    Lenient, because small models are sloppy: numbered or ``Q1:`` lines, bullets, bold,
    several questions on one line, answers written after them (dropped). A line without a
    question mark counts only when it is marked as a question and starts like one.
    """
    found: list[str] = []
    seen: set[str] = set()
    for raw in reply.replace("\r", "").splitlines():
        if _ANSWER_LEAD.match(raw):
            continue
        marked = bool(re.match(r"^[\s>*_#`\-•]*(?:q(?:uestion)?\s*\d*|\d+)\s*[:.)]", raw, re.I))
        line = re.sub(r"\*\*|__|`", "", raw)
        parts = re.findall(r"[^?]*\?", line)
        if not parts and marked:
            candidate = _LEAD.sub("", line).strip()
            parts = [candidate + "?"] if _QUESTION_WORD.match(candidate) else []
        for part in parts:
            question = _tidy_question(part)
            if question is None:
                continue
            key = question_key(question)
            if key in seen:
                continue
            seen.add(key)
            found.append(question)
            if len(found) >= limit:
                return found
    return found


def _tidy_question(part: str) -> str | None:
    # A second question on one line follows "Q2:" or an answer ends the first one.
    text = re.split(r"\b(?:a(?:nswer)?|q(?:uestion)?\s*\d+)\s*:", part, flags=re.I)[-1]
    text = _LEAD.sub("", text).strip(" \t\"'*_")
    text = re.sub(r"\s+", " ", text)
    if len(text) < 8 or len(text) > MAX_PREDICTED_CHARS or not re.search(r"[^\W\d_]{2}", text):
        return None
    return text


def final_value(reply: str) -> Fraction | None:
    """The number a reply concludes with: after its last "The answer is", else its last number."""
    phrase = final_answer(reply)
    for text in (phrase, reply) if phrase else (reply,):
        value = last_number(text)
        if value is not None:
            return value
    return None


@dataclass(frozen=True, slots=True)
class Vote:
    """The majority final answer of K solutions: which solution stands for it, and its support."""

    chosen: int | None
    """Index of the first solution that reached the majority value; None if none had a number."""
    value: Fraction | None
    support: int
    samples: int


def majority(replies: list[str]) -> Vote:
    """The most common final number (ties: the one reached first); unreadable replies lose."""
    values = [final_value(plain_math(r)) for r in replies]
    counts = Counter(v for v in values if v is not None)
    if not counts:
        return Vote(chosen=None, value=None, support=0, samples=len(replies))
    best = max(counts.values())
    chosen = next(i for i, v in enumerate(values) if v is not None and counts[v] == best)
    return Vote(chosen=chosen, value=values[chosen], support=best, samples=len(replies))


def plain_math(text: str) -> str:
    """LaTeX arithmetic as plain text (``3 \\times 4`` as ``3 * 4``), so the calculator reads it."""
    for pattern, replacement in _LATEX:
        text = pattern.sub(replacement, text)
    return re.sub(r"[ \t]+", " ", text.replace("**", "")).strip()


def trim_working(reply: str, max_lines: int = MAX_WORKING_LINES) -> list[str]:
    """The lines of a solution that carry numbers, without its closing "The answer is" line.

    Repeats (a double-check that restates a step) are dropped; when more remain than
    ``max_lines``, calculations (lines with "=") are kept before statements, and the last
    ones before the first, since a solution ends with the steps that give its answer.
    """
    lines: list[str] = []
    seen: set[str] = set()
    for raw in reply.splitlines():
        line = _LIST_NUMBER.sub("", plain_math(raw).strip(" -•#>"))
        if not line or not re.search(r"\d", line) or re.match(r"(?i)the answer is", line):
            continue
        if _QA_LOOKALIKE.match(line):  # never let a working line read as a Q/A pair
            line = f"step {line}"
        line = line[:MAX_LINE_CHARS].rstrip()
        if line in seen:
            continue
        seen.add(line)
        lines.append(line)
    if len(lines) <= max_lines:
        return lines
    equations = [i for i, line in enumerate(lines) if "=" in line]
    statements = [i for i, line in enumerate(lines) if "=" not in line]
    keep = equations[-max_lines:]
    room = max_lines - len(keep)
    keep += statements[len(statements) - room :] if room else []
    return [lines[i] for i in sorted(keep)]


@dataclass(slots=True)
class Solved:
    """One predicted question with its majority answer and the working that reached it."""

    question: str
    answer: str | None
    """The final answer as the chosen solution wrote it; None if no solution gave a number."""
    support: int
    samples: int
    working: list[str] = field(default_factory=list)
    slip: bool = False
    """The calculator found a wrong result in the chosen solution."""

    def answer_line(self) -> str:
        """``A: <answer>`` with its support when K > 1, marked if its working has a slip."""
        line = f"A: {self.answer}"
        if self.samples > 1:
            if self.support >= self.samples // 2 + 1:
                line += f" (reached by {self.support} of {self.samples} workings)"
            else:
                line += f" (unconfirmed: reached by {self.support} of {self.samples} workings)"
        return f"{line} {SLIP_MARK}" if self.slip else line

    def block(self, working_lines: int) -> str:
        """The notes for this question, with at most ``working_lines`` lines of working."""
        parts = [f"Q: {self.question}", self.answer_line()]
        shown = self.working[len(self.working) - working_lines :] if working_lines else []
        if shown:
            parts.append("Working:")
            parts.extend(f"  {line}" for line in shown)
        return "\n".join(parts)


def solved_from(question: str, replies: list[str]) -> Solved:
    """Vote on the K replies to ``question`` and keep the chosen one's trimmed working."""
    vote = majority(replies)
    if vote.chosen is None:
        return Solved(question, None, 0, len(replies))
    reply = replies[vote.chosen]
    phrase = final_answer(plain_math(reply))
    answer = phrase if phrase and len(phrase) <= MAX_ANSWER_CHARS else _show(vote.value)
    working = trim_working(reply)
    slip = not check_notes(plain_math(reply)).ok
    return Solved(question, answer, vote.support, vote.samples, working, slip)


def _show(value: Fraction | None) -> str:
    if value is None:
        return ""
    if value.denominator == 1:
        return str(value.numerator)
    return f"{float(value):.4f}".rstrip("0").rstrip(".")


def render_notes(solved: list[Solved], max_chars: int) -> tuple[str, int]:
    """The notes (at most ``max_chars``) and how many working lines the calculator marked.

    Questions keep their predicted order (most likely first). A question that does not fit
    whole loses working lines from the top; one that does not fit even as question and
    answer is left out, with every later one.
    """
    blocks: list[str] = []
    marked = 0
    used = 0
    for item in solved:
        if item.answer is None:
            continue
        for lines in range(len(item.working), -1, -1):
            text, count = mark_slips(item.block(lines))
            extra = len(text) + (2 if blocks else 0)
            if used + extra <= max_chars:
                blocks.append(text)
                used += extra
                marked += count
                break
        else:
            break
    return "\n\n".join(blocks), marked
