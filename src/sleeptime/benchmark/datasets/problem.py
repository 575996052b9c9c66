"""One benchmark problem, already split into a context and a query."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Problem:
    """A stateful problem: sleep on ``context``, then answer ``query``; grade against ``answer``.

    ``original`` is the full problem text as loaded (instruction stripped), ``answer`` the
    reference as a plain string ("18", "12.5", "33"), and ``meta`` holds the source fields
    worth keeping (file, line, template id, split mode). Nothing here is ever written back to
    disk by the loaders: the split is made at load time.
    """

    id: str
    dataset: str
    context: str
    query: str
    answer: str
    original: str
    meta: dict[str, Any] = field(default_factory=dict, hash=False, compare=False)
