"""Saved KV states of the repository agent's answer prompt, on the real embedded model.

An ``ask --agent`` runs in a new process each time, so without a saved state every
request prefills the notes and the overview again. These tests check the behaviour that
makes the saved state safe to use: the prefix saved is exactly the start of the prompt the
agent sends (a state is used only on an exact token-prefix match), a restored state gives
the same greedy answer as a full prefill, and a backend that cannot save states is left
alone.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from sleeptime.backends.llama import LlamaBackend
from sleeptime.backends.model_files import default_model_path
from sleeptime.backends.scripted import ScriptedBackend
from sleeptime.errors import ConfigError
from sleeptime.prompts import load_prompt
from sleeptime.repo.agent import AgentBudget
from sleeptime.repo.answer_agent import answer_request, warm_agent_prefix
from sleeptime.repo.overview import OVERVIEW_PATHS, overview
from sleeptime.repo.snapshot import take_snapshot
from sleeptime.repo.tools import RepoTools

REQUEST = "Add a --json flag to the export command"
NOTES = "- shop/export.py: the export command and its options\n- shop/cli.py: the commands"


@pytest.fixture
def backend(tmp_path: Path) -> LlamaBackend:
    try:
        return LlamaBackend(
            default_model_path(), n_ctx=4096, n_threads=2, kv_cache_dir=tmp_path / "kv"
        )
    except ConfigError as exc:
        pytest.skip(str(exc))


@pytest.mark.integration
@pytest.mark.parametrize("notes", [None, NOTES], ids=["no notes", "notes"])
async def test_a_saved_answer_prefix_serves_the_agent_and_changes_nothing(
    backend: LlamaBackend, shop_repo: Path, notes: str | None
) -> None:
    tools = RepoTools(take_snapshot(shop_repo))
    budget = AgentBudget(max_steps=1, reply_tokens=24)
    saved = await warm_agent_prefix(backend, tools, notes=notes, label="shop")
    assert saved > 100  # instructions, tool protocol, overview (and notes)
    assert await warm_agent_prefix(backend, tools, notes=notes) == saved  # claimed, kept

    backend.drop_live_cache()  # as in a new process: only the file on disk is left
    restored = await answer_request(backend, tools, REQUEST, notes=notes, budget=budget)
    assert restored.run.usage.cached_prompt_tokens == saved
    assert restored.run.usage.prompt_tokens > saved  # the request itself was prefilled

    states, backend._states = backend._states, None
    backend.drop_live_cache()
    fresh = await answer_request(backend, tools, REQUEST, notes=notes, budget=budget)
    backend._states = states
    await backend.aclose()
    assert fresh.run.usage.cached_prompt_tokens == 0
    assert fresh.run.usage.prompt_tokens == restored.run.usage.prompt_tokens
    assert restored.run.text == fresh.run.text


@pytest.mark.integration
async def test_a_state_of_other_notes_is_not_used(backend: LlamaBackend, shop_repo: Path) -> None:
    tools = RepoTools(take_snapshot(shop_repo))
    await warm_agent_prefix(backend, tools, notes=NOTES)
    backend.drop_live_cache()
    other = await answer_request(
        backend, tools, REQUEST, notes=NOTES.replace("export", "exports"),
        budget=AgentBudget(max_steps=1, reply_tokens=8),
    )  # fmt: skip
    await backend.aclose()
    # Only the shared start (instructions and protocol) may come from the saved state's
    # tokens; the state itself covers the old notes, so it must not be restored.
    assert other.run.usage.cached_prompt_tokens == 0


async def test_a_backend_without_saved_states_is_left_alone(shop_repo: Path) -> None:
    scripted = ScriptedBackend(["<answer>- shop/export.py: the flag</answer>"])
    tools = RepoTools(take_snapshot(shop_repo))
    assert await warm_agent_prefix(scripted, tools, notes=NOTES) == 0
    answer = await answer_request(scripted, tools, REQUEST, notes=NOTES)
    assert answer.files == ("shop/export.py",)
    # The prompt sent is the template rendered as before the prefix was split out, so
    # call logs recorded earlier still replay.
    task = load_prompt("repo_answer_task").render(
        notes=f"Notes written earlier about this repository:\n{NOTES}",
        overview=overview(tools.snapshot, OVERVIEW_PATHS),
        request=REQUEST,
    )
    assert scripted.requests[0].messages[1].content == task


@pytest.mark.integration
async def test_a_request_waiting_on_the_state_goes_before_sleep_work(
    backend: LlamaBackend, shop_repo: Path
) -> None:
    """``ask --agent`` saves the state with a user waiting: it must make a background
    holder of the model (a sleep run generating) step aside, not queue behind it."""
    tools = RepoTools(take_snapshot(shop_repo))
    held, asked = threading.Event(), threading.Event()

    def sleep_work() -> None:
        with backend._loaded.gate.hold(background=True) as hold:
            held.set()
            deadline = time.monotonic() + 60  # a bound for a broken gate, not a pace
            while not hold.should_yield() and time.monotonic() < deadline:
                time.sleep(0.01)
            if hold.should_yield():
                asked.set()
                hold.pause()

    worker = threading.Thread(target=sleep_work)
    worker.start()
    held.wait()
    saved = await warm_agent_prefix(backend, tools, notes=NOTES, background=False)
    worker.join()
    await backend.aclose()
    assert asked.is_set() and saved > 100
