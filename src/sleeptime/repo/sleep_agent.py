"""Sleep on a repository: an agent explores it and writes ``c'``, an architecture map.

The map (where each concern lives, conventions, likely change points) is what a later
test-time agent reads instead of exploring again; it is capped in characters like every
other artifact.
"""

from __future__ import annotations

from dataclasses import dataclass

from sleeptime.backends.base import Backend
from sleeptime.prompts import load_prompt
from sleeptime.repo.agent import AgentBudget, AgentResult, run_agent
from sleeptime.repo.overview import overview
from sleeptime.repo.tools import RepoTools
from sleeptime.sleep.protocol import clip_notes


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
) -> RepoNotes:
    """Explore the snapshot behind ``tools`` and return notes of at most ``max_chars``."""
    system = load_prompt("repo_sleep_system")
    task = load_prompt("repo_sleep_task")
    run = await run_agent(
        backend,
        tools,
        system=system.render(max_chars=max_chars),
        task=task.render(overview=overview(tools.snapshot)),
        budget=budget or AgentBudget(max_steps=12, reply_tokens=1024),
        prompt_keys=(system.key, task.key),
    )
    text, clipped = clip_notes(run.text.strip(), max_chars)
    return RepoNotes(text=text, clipped=clipped, run=run)
