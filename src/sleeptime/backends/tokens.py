"""A rough, dependency-free token estimate for backends that cannot tokenize locally."""

from __future__ import annotations

import re

_PIECE = re.compile(r"\w+|[^\w\s]", re.UNICODE)


def estimate_tokens(text: str) -> int:
    """Estimate BPE tokens: words and punctuation, with long words split every 4 characters."""
    count = 0
    for piece in _PIECE.findall(text):
        count += max(1, (len(piece) + 3) // 4) if len(piece) > 6 else 1
    return count
