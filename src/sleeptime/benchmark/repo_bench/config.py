"""Settings of ``sleeptime bench repo``: the repository, the tasks, the budgets, the agents."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from sleeptime.repo.index import MIN_INDEX_CHARS
from sleeptime.repo.overview import OVERVIEW_PATHS

Condition = Literal["baseline", "sleep", "index"]
CONDITIONS: tuple[Condition, ...] = ("baseline", "sleep")
"""The default conditions; ``index`` (the model-free index alone) is asked for by name."""


class RepoBenchConfig(BaseModel):
    """Everything that shapes a repository benchmark run (written to config.json)."""

    model_config = ConfigDict(extra="forbid", use_attribute_docstrings=True)

    repo: Path
    """A git repository folder or a git bundle; it is cloned, never changed."""
    out: Path
    """Output folder: calls.db, config.json, samples.jsonl, summary.json, report.md, PNGs."""
    tasks: int = Field(default=20, ge=1, le=10_000)
    """How many mined tasks to run, drawn with ``seed`` across the history."""
    budgets: list[int] = Field(default_factory=lambda: [1, 2, 4, 8])
    """Test-time step budgets ``b`` (model calls of the answering agent; the last answers)."""
    conditions: list[Condition] = Field(default_factory=lambda: list(CONDITIONS))
    """baseline: the agent explores from scratch; sleep: it starts from the map ``c'``;
    index: from the model-free repository index alone (needs ``index_chars``)."""
    seed: int = 0
    """Seed of the task sample."""
    backend: str | None = None
    """Backend name (llama, openai, scripted); None uses the settings default."""
    model: str | None = None
    """Model for the backend (GGUF path or remote model id); None uses its default."""
    calls: Path | None = None
    """Call log file; None uses OUT/calls.db. Re-running replays every recorded call."""
    concurrency: int = Field(default=1, ge=1, le=512)
    """Model requests in flight at once; tasks run side by side up to this many."""
    sleep_steps: int = Field(default=8, ge=1, le=100)
    """Steps of the sleep agent that writes the map (once per task)."""
    sleep_min_tools: int = Field(default=0, ge=0, le=100)
    """Steps with tool calls the sleep agent must take before its map is taken."""
    sleep_reply_tokens: int = Field(default=1024, ge=16, le=32768)
    """Cap on one reply of the sleep agent."""
    sleep_tokens: int = Field(default=120_000, ge=1)
    """Prompt plus generated tokens of one sleep run; past 80 % it must write the map."""
    notes_chars: int = Field(default=4000, ge=200, le=200_000)
    """Longest map kept."""
    index_chars: int = Field(default=0, ge=0, le=200_000, validate_default=True)
    """Characters of the model-free repository index put after the map in ``c'`` (0: off,
    and every request is what it was before the index existed)."""
    notes_overview_paths: int = Field(default=OVERVIEW_PATHS, ge=0, le=100_000)
    """Paths the overview lists in the sleep and index conditions (0: counts and folders
    only, c' standing in for the path list); test-time only always gets 60."""
    lookup_files: int = Field(default=0, ge=0, le=50)
    """Files the word lookup (``repo/lookup.py``) lists after the request in the sleep and
    index conditions (0: none, and requests are what they were before the lookup existed;
    ``ask --agent`` uses ``Settings.repo_lookup_files``)."""
    lookup_style: Literal["about", "paths"] = "paths"
    """How the list reads (``repo/lookup.py``): paths with their description, or alone."""
    reply_tokens: int = Field(default=512, ge=16, le=32768)
    """Cap on one reply of the answering agent."""
    agent_tokens: int = Field(default=40_000, ge=1)
    """Prompt plus generated tokens of one answer; past 80 % it must answer."""
    history_chars: int = Field(default=24_000, ge=1000)
    """Older tool results are dropped once an agent's conversation passes this size; lower
    it for servers with small per-request windows (llama-server ``-c`` divided by ``-np``)."""
    read_chars: int = Field(default=8000, ge=500)
    """Most characters one read_file call returns."""
    min_files: int = Field(default=3, ge=1)
    """A commit becomes a task when it changes at least this many existing source files."""
    max_files: int = Field(default=20, ge=1)
    """... and at most this many."""
    progress: bool = True
    """Show a progress bar on stderr."""

    @field_validator("budgets")
    @classmethod
    def _budgets(cls, values: list[int]) -> list[int]:
        if not values or any(not 1 <= v <= 100 for v in values):
            raise ValueError("step budgets must be whole numbers from 1 to 100")
        return sorted(set(values))

    @field_validator("conditions")
    @classmethod
    def _conditions(cls, values: list[Condition]) -> list[Condition]:
        if not values:
            raise ValueError("give at least one condition: baseline, sleep, index")
        return list(dict.fromkeys(values))

    @field_validator("sleep_min_tools")
    @classmethod
    def _sleep_min_tools(cls, value: int, info: ValidationInfo) -> int:
        steps = info.data.get("sleep_steps")
        if steps is not None and value >= steps:
            raise ValueError(
                f"sleep_min_tools ({value}) must be below sleep_steps ({steps}): the agent "
                "needs a step left to write its map"
            )
        return value

    @field_validator("index_chars")
    @classmethod
    def _index_chars(cls, value: int, info: ValidationInfo) -> int:
        if 0 < value < MIN_INDEX_CHARS:
            raise ValueError(f"the index needs at least {MIN_INDEX_CHARS} characters (0: off)")
        if not value and "index" in info.data.get("conditions", ()):
            raise ValueError("the index condition needs the index: give it 3000 characters or so")
        return value
