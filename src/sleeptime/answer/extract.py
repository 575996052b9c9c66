"""Pull the final answer out of a reply ("The answer is X"), for display and grading."""

from __future__ import annotations

import re

_ANSWER = re.compile(
    r"the\s+answer\s+is[:\s]*\**\s*(.+?)\s*\**\s*(?:\.\s|\.?$|\n)", re.IGNORECASE | re.MULTILINE
)


def final_answer(reply: str) -> str | None:
    """Return X from the last "The answer is X" in the reply, or None."""
    matches = list(_ANSWER.finditer(reply.strip()))
    if not matches:
        return None
    return matches[-1].group(1).strip().rstrip(".!?;:,") or None
