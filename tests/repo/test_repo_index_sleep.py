"""The repository index in a directory context's c': opt-in, recorded, versioned, and
rebuilt (not fed back to the agent) on incremental sleep. Real git repositories and a
real SQLite store; the agents' replies are scripted."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest

from helpers.git_repos import commit, init_repo
from sleeptime.app import Sleeptime
from sleeptime.app.repo_context import add_directory, ask_agent, sleep_directory
from sleeptime.backends import ScriptedBackend
from sleeptime.errors import InputError
from sleeptime.repo.index import INDEX_FORMAT, MARKER
from sleeptime.settings import Settings
from sleeptime.sleep import SleepBudget
from sleeptime.sleep.recipes import parse_recipe

MAP = "Command line: shop/cli.py (export). Output formats: shop/export.py."
FILES = {
    "README.md": "# Shop\n\n## Exporting\n",
    "shop/__init__.py": "",
    "shop/cli.py": '"""The shop command line."""\n\n\ndef export(fmt):\n    return fmt\n',
    "shop/export.py": "def export_csv(orders):\n    return ''\n",
    "shop/models.py": "class Order:\n    total = 0\n",
}


@pytest.fixture
def app(db_url: str) -> Iterator[Sleeptime]:
    """A facade whose directory sleep writes the model's map (``sleep --map``), which the
    index follows in these tests."""
    a = Sleeptime(Settings(database_url=db_url, repo_sleep_map=True))
    yield a
    asyncio.run(a.aclose())


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = init_repo(tmp_path / "shop")
    commit(root, "Start the shop", dict(FILES))
    return root


def _mapper(notes: str = MAP) -> ScriptedBackend:
    return ScriptedBackend(
        ['<tool name="read_file">{"path": "shop/cli.py"}</tool>', f"<answer>{notes}</answer>"],
        model="mapper",
    )


async def test_on_by_default_off_at_zero(app: Sleeptime, repo: Path) -> None:
    assert Settings().repo_index_chars == 1200  # chosen on the simonw/llm runs
    add_directory(app, "shop", repo)
    default = await sleep_directory(app, "shop", backend=_mapper())
    assert default.artifact.text.startswith(MAP + "\n\n" + MARKER + "\n")
    assert default.artifact.format_version == INDEX_FORMAT
    assert app.run(default.run_id).settings["index_chars"] == 1200
    # Index 0: the map alone is c', and the run records no index.
    result = await sleep_directory(app, "shop", backend=_mapper(), index_chars=0, refresh=False)
    assert result.artifact.text == MAP and result.artifact.format_version == "1"
    run = app.run(result.run_id)
    assert "index" not in run.details and "index_chars" not in run.settings
    assert "repo_index" not in run.prompt_versions


async def test_the_index_follows_the_map_and_reaches_the_answering_agent(
    app: Sleeptime, repo: Path
) -> None:
    add_directory(app, "shop", repo)
    mapper = _mapper()
    result = await sleep_directory(app, "shop", backend=mapper, index_chars=2000)
    text = result.artifact.text
    assert text.startswith(MAP + "\n\n" + MARKER + "\n") and len(text) <= len(MAP) + 2 + 2000
    assert '- shop/cli.py (1 commit) | "The shop command line." | defines: export()' in text
    assert "- README.md (1 commit) | headings: Shop; Exporting" in text
    assert result.artifact.format_version == INDEX_FORMAT
    # The sleep agent itself saw no index: its requests are those of a run without one.
    assert all(MARKER not in m.content for r in mapper.requests for m in r.messages)
    run = app.run(result.run_id)
    index = run.details["index"]
    assert index["version"] == "repo_index@v1" and index["files"] == len(FILES)
    assert index["map_chars"] == len(MAP) and index["max_chars"] == 2000
    assert run.prompt_versions["repo_index"] == "repo_index@v1"
    assert run.settings["index_chars"] == 2000
    asker = ScriptedBackend(["<answer>\n- shop/cli.py: the flag</answer>"], model="asker")
    asked = await ask_agent(app, "shop", "Add a --json flag to export", steps=8, backend=asker)
    assert asked.answer.files == ("shop/cli.py",)
    assert text in asker.requests[0].messages[1].content


async def test_incremental_sleep_updates_the_map_and_rebuilds_the_index(
    app: Sleeptime, repo: Path
) -> None:
    add_directory(app, "shop", repo)
    await sleep_directory(app, "shop", backend=_mapper(), index_chars=2000)
    commit(repo, "Add a json flag", {"shop/cli.py": "def export(fmt, json=False):\n    pass\n"})
    updater = _mapper(MAP + " Export has a json flag.")
    result = await sleep_directory(app, "shop", backend=updater, index_chars=2000)
    run = app.run(result.run_id)
    assert run.details["incremental"]["modified"] == ["shop/cli.py"]
    task = updater.requests[0].messages[1].content
    assert MAP in task and MARKER not in task  # the agent updates its map, not the index
    text = result.artifact.text
    assert text.startswith(MAP + " Export has a json flag.\n\n" + MARKER)
    assert text.count(MARKER) == 1 and '"Add a json flag"' in text  # the new history


async def test_a_map_the_model_left_empty_still_makes_an_artifact(
    app: Sleeptime, repo: Path
) -> None:
    add_directory(app, "shop", repo)
    silent = ScriptedBackend(["<answer></answer>"], model="silent")
    result = await sleep_directory(
        app, "shop", backend=silent, budget=SleepBudget(max_rounds=1), index_chars=1500
    )
    assert result.artifact.text.startswith(MARKER)
    assert app.run(result.run_id).details["index"]["map_chars"] == 0


async def test_a_cap_too_small_is_refused_before_anything_is_written(
    app: Sleeptime, repo: Path
) -> None:
    add_directory(app, "shop", repo)
    with pytest.raises(InputError, match="0 \\(off\\) or 500"):
        await sleep_directory(app, "shop", backend=_mapper(), index_chars=100)
    assert app.runs("shop") == []


@pytest.fixture
def indexed_app(db_url: str) -> Iterator[Sleeptime]:
    """A facade whose settings turn the index on (``SLEEPTIME_REPO_INDEX_CHARS``)."""
    app = Sleeptime(Settings(database_url=db_url, repo_index_chars=1500, repo_sleep_map=True))
    yield app
    asyncio.run(app.aclose())


async def test_the_setting_turns_it_on_for_sleep_and_the_worker(
    indexed_app: Sleeptime, repo: Path
) -> None:
    from sleeptime.worker import Worker, enqueue_sleep

    app = indexed_app
    looked = add_directory(app, "shop", repo)
    result = await app.sleep("shop", backend=_mapper())
    assert result.artifact.format_version == INDEX_FORMAT and MARKER in result.artifact.text
    off = await sleep_directory(app, "shop", backend=_mapper(), index_chars=0)
    assert off.artifact.text == MAP
    app.runtime.backends.add("scripted", "mapper", _mapper())
    enqueue_sleep(
        app.store, looked.revision, recipe=parse_recipe("rethink"), budget=SleepBudget(),
        seed=1, backend="scripted", model="mapper",
    )  # fmt: skip
    queued = [job for job in app.jobs() if job.status == "queued"]
    claimed = app.store.claim_run("w", lease_s=30, run_id=queued[0].id)
    assert claimed is not None
    await Worker(app.runtime, auto_sleep=False).execute(claimed)
    done = app.run(claimed.id)
    assert done.status == "complete", done.error
    assert done.details["index"]["max_chars"] == 1500
