"""Sleep on a repository: an agent explores it and writes ``c'``, an architecture map.

The map (where each concern lives, conventions, likely change points) is what a later
test-time agent reads instead of exploring again; it is capped in characters like every
other artifact.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from sleeptime.backends.base import Backend
from sleeptime.prompts import load_prompt
from sleeptime.repo.agent import AgentBudget, AgentResult, AgentStep, run_agent
from sleeptime.repo.overview import overview
from sleeptime.repo.tools import RepoTools
from sleeptime.sleep.protocol import clip_notes


@dataclass(frozen=True, slots=True)
class EarlierNotes:
    """Incremental sleep: the map of an earlier revision and the files changed since."""

    text: str
    changes: str
    """The changed files, one per line with how they changed (added, modified, removed)."""


@dataclass(frozen=True, slots=True)
class RepoNotes:
    """The architecture map and how it was made."""

    text: str
    clipped: bool
    run: AgentResult


async def sleep_on_repository(
    backend: Backend,
    tools: RepoTools,
    *,
    max_chars: int = 4000,
    budget: AgentBudget | None = None,
    earlier: EarlierNotes | None = None,
    on_step: Callable[[AgentStep], None] | None = None,
) -> RepoNotes:
    """Explore the snapshot behind ``tools`` and return notes of at most ``max_chars``.

    With ``earlier`` the agent starts from an earlier revision's map and is pointed at
    the files changed since, instead of exploring the whole tree again.
    """
    system = load_prompt("repo_sleep_system")
    if earlier is None:
        task = load_prompt("repo_sleep_task")
        task_text = task.render(overview=overview(tools.snapshot))
    else:
        task = load_prompt("repo_sleep_update")
        task_text = task.render(
            overview=overview(tools.snapshot), notes=earlier.text, changes=earlier.changes
        )
    run = await run_agent(
        backend,
        tools,
        system=system.render(max_chars=max_chars),
        task=task_text,
        budget=budget or AgentBudget(max_steps=12, reply_tokens=1024),
        prompt_keys=(system.key, task.key),
        on_step=on_step,
    )
    text, clipped = clip_notes(strip_protocol(run.text), max_chars)
    return RepoNotes(text=text, clipped=clipped, run=run)


_TOOL_CALL = re.compile(r"<tool\b.*?(?:</tool>|$)", re.DOTALL | re.IGNORECASE)
_ANSWER_TAG = re.compile(r"</?answer>", re.IGNORECASE)


def strip_protocol(text: str) -> str:
    """The map without protocol left-overs: a run that ran out of steps keeps its last
    reply, which may hold tool calls or empty answer tags; those are no notes."""
    return _ANSWER_TAG.sub("", _TOOL_CALL.sub("", text)).strip()
