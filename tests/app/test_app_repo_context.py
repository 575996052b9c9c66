"""Directory contexts through the front door: real git repositories, scripted agents.

The agent's replies are scripted (the text protocol); the repository, the store and the
run machinery are real, so these tests check what is recorded and what the agent was
shown, not what a model would say.
"""

from __future__ import annotations

import asyncio
import json
import os
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from helpers.git_repos import commit, git, init_repo, write
from sleeptime.app import Sleeptime
from sleeptime.app.repo_context import (
    add_directory,
    ask_agent,
    refresh_directory,
    sleep_directory,
)
from sleeptime.backends import ChatRequest, FunctionBackend, ScriptedBackend
from sleeptime.errors import InputError, NotFoundError
from sleeptime.repo.index import split_index
from sleeptime.repo.lookup import LOOKUP_VERSION, lookup_key
from sleeptime.repo.snapshot import SnapshotOptions
from sleeptime.repo.source import parse_manifest
from sleeptime.settings import Settings
from sleeptime.sleep import SleepBudget
from sleeptime.sleep.recipes import parse_recipe


@pytest.fixture
def app(db_url: str) -> Iterator[Sleeptime]:
    """A facade whose directory sleep writes the model's map (``sleep --map``): most tests
    here are about the map; ``test_sleep_writes_the_index_alone_by_default`` checks the
    default."""
    a = Sleeptime(Settings(database_url=db_url, repo_sleep_map=True))
    yield a
    asyncio.run(a.aclose())


MAP = (
    "Command line: shop/cli.py (export). Output formats: shop/export.py. "
    "Data: shop/models.py (Order). Most changes touch shop/cli.py."
)
FILES = {
    "README.md": "# Shop\nA small shop.\n",
    "shop/__init__.py": "",
    "shop/cli.py": "def export(fmt):\n    return fmt\n",
    "shop/export.py": "def export_csv(orders):\n    return ''\n",
    "shop/models.py": "class Order:\n    total = 0\n",
    "shop/prices.py": "TAX = 0.2\n",
    "shop/stock.py": "ITEMS = []\n",
    "docs/guide.md": "Use the export command.\n",
}


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


def _asker() -> ScriptedBackend:
    return ScriptedBackend(
        [
            "<answer>\n- shop/cli.py: add the --json flag\n"
            "- shop/export.py: write JSON\n- shop/nowhere.py: guessed</answer>"
        ],
        model="asker",
    )


# adding and refreshing -------------------------------------------------------------------


def test_add_records_a_manifest_revision_keyed_by_content_and_head(
    app: Sleeptime, repo: Path
) -> None:
    first = add_directory(app, "shop", repo)
    assert first.created and first.revision.seq == 1
    assert first.context.source is not None and first.context.source["root"] == str(repo)
    manifest = parse_manifest(first.revision.text)
    assert {f.path for f in manifest.files} == set(FILES)
    assert manifest.head == git(repo, "rev-parse", "HEAD").strip()
    assert manifest.snapshot_hash == first.snapshot.content_hash
    # Unchanged tree: no new revision, by add or by refresh.
    assert not add_directory(app, "shop", repo).created
    assert not refresh_directory(app, "shop").created
    # An edit on disk (not committed) changes the content: a new revision.
    write(repo, {"shop/cli.py": "def export(fmt, json=False):\n    return fmt\n"})
    second = refresh_directory(app, "shop")
    assert second.created and second.revision.seq == 2
    # Committing the same content moves HEAD only: still a new revision (HEAD is part of it).
    git(repo, "commit", "-qam", "json flag")
    third = refresh_directory(app, "shop")
    assert third.created and third.revision.seq == 3
    assert parse_manifest(third.revision.text).files == parse_manifest(second.revision.text).files


def test_include_exclude_settings_are_remembered(app: Sleeptime, repo: Path) -> None:
    options = SnapshotOptions(include=("shop/",), exclude=("shop/stock.py",))
    looked = add_directory(app, "code", repo, options)
    assert set(looked.snapshot.paths) == {p for p in FILES if p.startswith("shop/")} - {
        "shop/stock.py"
    }
    write(repo, {"docs/more.md": "not included\n"})
    assert not refresh_directory(app, "code").created  # outside the include pattern
    write(repo, {"shop/stock.py": "ITEMS = [1]\n"})
    assert not refresh_directory(app, "code").created  # excluded


@pytest.mark.parametrize("kind", ["missing", "file", "empty", "only-binary"])
def test_bad_paths_are_refused_and_nothing_is_written(
    app: Sleeptime, tmp_path: Path, kind: str
) -> None:
    target = tmp_path / "target"
    if kind == "file":
        target.write_text("just a file\n")
    elif kind == "empty":
        target.mkdir()
    elif kind == "only-binary":
        target.mkdir()
        (target / "blob.bin").write_bytes(b"\x00\x01\x02" * 100)
    with pytest.raises(InputError) as info:
        add_directory(app, "bad", target)
    message = str(info.value)
    assert str(target) in message
    if kind == "only-binary":
        assert "binary" in message
    assert app.contexts() == []


def test_a_repository_without_commits_is_a_tree_without_history(
    app: Sleeptime, tmp_path: Path
) -> None:
    root = init_repo(tmp_path / "fresh")
    write(root, {"main.py": "print('hi')\n"})
    looked = add_directory(app, "fresh", root)
    assert looked.snapshot.kind == "git" and looked.snapshot.head is None
    assert parse_manifest(looked.revision.text).head is None


def test_links_out_of_the_tree_and_unreadable_files_are_skipped(
    app: Sleeptime, repo: Path, tmp_path: Path
) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("password\n")
    os.symlink(secret, repo / "leak.txt")
    big = repo / "dump.sql"
    big.write_bytes(b"x" * 2_000)
    looked = add_directory(app, "shop", repo, SnapshotOptions(max_file_bytes=1_000))
    skipped = looked.snapshot.skipped_by_path
    assert "leaves the tree" in skipped["leak.txt"]
    assert "too large" in skipped["dump.sql"]
    assert "password" not in looked.revision.text
    assert "leak.txt" not in {f.path for f in parse_manifest(looked.revision.text).files}


def test_a_context_never_changes_kind(app: Sleeptime, repo: Path) -> None:
    add_directory(app, "shop", repo)
    with pytest.raises(InputError, match="directory context"):
        app.add_context("shop", "some text")
    with pytest.raises(InputError, match="directory context"):
        app.append_context("shop", "more text")
    app.add_context("notes", "some text")
    with pytest.raises(InputError, match="holds text"):
        add_directory(app, "notes", repo)
    assert [r.seq for r in app.show("shop").revisions] == [1]
    with pytest.raises(InputError, match="holds text"):
        refresh_directory(app, "notes")


def test_a_moved_folder_says_what_to_do(app: Sleeptime, repo: Path) -> None:
    add_directory(app, "shop", repo)
    repo.rename(repo.with_name("elsewhere"))
    with pytest.raises(InputError, match="no longer exists"):
        refresh_directory(app, "shop")


# sleeping -------------------------------------------------------------------------------


async def test_sleep_writes_the_map_as_an_artifact_of_a_recorded_run(
    app: Sleeptime, repo: Path
) -> None:
    add_directory(app, "shop", repo)
    mapper = _mapper()
    result = await app.sleep("shop", backend=mapper, budget=SleepBudget(max_rounds=4))
    assert split_index(result.artifact.text)[0] == MAP  # the index follows it by default
    run = app.run(result.run_id)
    assert run.status == "complete" and run.recipe == "repo-map" and run.rounds == 2
    assert run.details["agent"]["tool_calls"] == 1 and "incremental" not in run.details
    assert run.settings["agent"]["max_steps"] == 4
    assert set(run.prompt_versions) == {
        "repo_sleep_system",
        "repo_sleep_task",
        "repo_text_protocol",
        "repo_index",
    }
    # The tool result the agent got was the real file.
    assert "def export(fmt)" in mapper.requests[1].messages[-1].content
    assert app.show("shop").artifact is not None
    stats = app.stats("shop")
    assert stats.sleep_runs == 1 and stats.sleep_total == result.usage.total_tokens > 0


async def test_several_loops_are_refused_for_a_folder(app: Sleeptime, repo: Path) -> None:
    add_directory(app, "shop", repo)
    with pytest.raises(InputError, match="one exploring agent"):
        await app.sleep("shop", backend=_mapper(), recipe="parallel:3")
    assert app.runs("shop") == []


async def test_a_small_change_is_slept_on_from_the_earlier_map(app: Sleeptime, repo: Path) -> None:
    add_directory(app, "shop", repo)
    await sleep_directory(app, "shop", backend=_mapper())
    commit(repo, "json flag", {"shop/cli.py": "def export(fmt, json=False):\n    return fmt\n"})
    updater = _mapper(MAP + " Export has a json flag.")
    result = await sleep_directory(app, "shop", backend=updater, budget=SleepBudget())
    run = app.run(result.run_id)
    incremental = run.details["incremental"]
    assert incremental["from_revision"] == 1 and incremental["modified"] == ["shop/cli.py"]
    assert incremental["changed"] == 1 and incremental["files"] == len(FILES)
    assert run.settings["agent"]["max_steps"] == incremental["steps"] == 2
    assert "repo_sleep_update" in run.prompt_versions
    task = updater.requests[0].messages[1].content
    assert MAP in task and "- shop/cli.py (modified)" in task
    assert app.show("shop").revision.seq == 2 and result.artifact.revision_id == run.revision_id


async def test_a_large_change_or_full_sleeps_on_the_whole_tree(app: Sleeptime, repo: Path) -> None:
    add_directory(app, "shop", repo)
    await sleep_directory(app, "shop", backend=_mapper())
    commit(repo, "rewrite", {p: f"# rewritten {p}\n" for p in FILES if p.endswith(".py")})
    result = await sleep_directory(app, "shop", backend=_mapper())
    assert "incremental" not in app.run(result.run_id).details
    commit(repo, "one more", {"shop/cli.py": "def export(fmt):\n    return 1\n"})
    result = await sleep_directory(app, "shop", backend=_mapper(), incremental=False)
    assert "incremental" not in app.run(result.run_id).details


async def test_an_agent_that_writes_nothing_fails_its_run(app: Sleeptime, repo: Path) -> None:
    add_directory(app, "shop", repo)
    silent = ScriptedBackend(["<answer></answer>", ""], model="silent")
    with pytest.raises(Exception, match="no map"):
        await sleep_directory(
            app, "shop", backend=silent, budget=SleepBudget(max_rounds=2), index_chars=0
        )
    [run] = app.runs("shop")
    assert run.status == "failed" and "no map" in (run.error or "")
    assert app.show("shop").artifact is None
    # With the index (the default) c' is the index alone: still worth answering from.
    silent = ScriptedBackend(["<answer></answer>", ""], model="silent")
    result = await sleep_directory(app, "shop", backend=silent, budget=SleepBudget(max_rounds=2))
    assert split_index(result.artifact.text)[0] == "" and "shop/cli.py" in result.artifact.text


async def test_the_worker_sleeps_on_a_directory_context(app: Sleeptime, repo: Path) -> None:
    from sleeptime.worker import Worker, enqueue_sleep

    looked = add_directory(app, "shop", repo)
    app.runtime.backends.add("scripted", "mapper", _mapper())
    enqueue_sleep(
        app.store, looked.revision, recipe=parse_recipe("rethink"), budget=SleepBudget(),
        seed=0, backend="scripted", model="mapper",
    )  # fmt: skip
    worker = Worker(app.runtime, auto_sleep=False)
    assert await worker.tick() == 0
    [job] = app.jobs()
    claimed = app.store.claim_run("w", lease_s=30, run_id=job.id)
    assert claimed is not None
    await worker.execute(claimed)
    [done] = app.jobs()
    assert done.status == "complete", done.error
    artifact = app.show("shop").artifact
    assert artifact is not None and split_index(artifact.text)[0] == MAP


async def test_sleep_without_the_map_writes_the_index_alone_and_calls_no_model(
    app: Sleeptime, repo: Path
) -> None:
    add_directory(app, "shop", repo)
    untouched = ScriptedBackend([], model="untouched")  # any call would fail the run
    result = await sleep_directory(app, "shop", backend=untouched, write_map=False)
    assert untouched.requests == []
    assert split_index(result.artifact.text)[0] == ""
    assert "shop/cli.py" in result.artifact.text and result.usage.total_tokens == 0
    [run] = app.runs("shop")
    assert run.status == "complete" and run.recipe == "repo-index"
    assert run.backend == "none" and run.settings["map"] is False
    assert run.details["index"]["map_chars"] == 0 and "agent" not in run.details
    # The answering agent starts from it like from a map, without the overview's paths.
    asker = _asker()
    answered = await ask_agent(app, "shop", "Add a --json flag", steps=8, backend=asker)
    task = asker.requests[0].messages[1].content
    assert "## Repository index" in task and "list_files shows the rest" in task
    assert answered.artifact is not None and answered.artifact.id == result.artifact.id


async def test_sleep_stores_the_lookup_and_ask_lists_its_files_after_the_request(
    app: Sleeptime, repo: Path
) -> None:
    add_directory(app, "shop", repo)
    await sleep_directory(app, "shop", backend=_mapper(), write_map=True)  # map + index
    mapped = app.runs("shop")[0].details["lookup"]
    await sleep_directory(app, "shop", backend=ScriptedBackend([]), write_map=False, refresh=False)
    run = app.runs("shop")[0]
    assert run.recipe == "repo-index" and run.details["lookup"] == mapped
    assert mapped["version"] == LOOKUP_VERSION
    assert all(row[0].startswith("shop/") for row in mapped["files"])  # source files only
    asker = _asker()
    answered = await ask_agent(
        app, "shop", "Add prices with TAX to the export", steps=8, backend=asker
    )
    task = asker.requests[0].messages[1].content
    request_at = task.index("Add prices with TAX to the export")
    # The list comes after the request, out of the saved prefix.
    assert task.index("Files that share words with the request") > request_at
    assert answered.query.details["looked_up"][:2] == ["shop/prices.py", "shop/export.py"]
    assert lookup_key() in answered.query.prompt_version
    # Off (Settings.repo_lookup_files 0): the same notes, no list.
    quiet = Sleeptime(Settings(database_url=app.settings.database_url, repo_lookup_files=0))
    try:
        silent = _asker()
        off = await ask_agent(
            quiet, "shop", "Add prices with TAX to the export", steps=8, backend=silent
        )
        assert "share words with the request" not in silent.requests[0].messages[1].content
        assert off.query.details["looked_up"] == []
    finally:
        await quiet.aclose()


async def test_a_step_budget_of_0_answers_from_the_lookup_with_no_model(
    app: Sleeptime, repo: Path
) -> None:
    add_directory(app, "shop", repo)
    await sleep_directory(app, "shop", backend=ScriptedBackend([]), write_map=False)
    untouched = ScriptedBackend([], model="untouched")  # any call would fail the ask
    answered = await ask_agent(
        app, "shop", "Add prices with TAX to the export", steps=0, backend=untouched
    )
    assert untouched.requests == []
    answer, query = answered.answer, answered.query
    assert answer.files[:2] == ("shop/prices.py", "shop/export.py")
    assert answer.looked_up == answer.files and answer.run.stop == "lookup"
    assert "- shop/prices.py: shares prices with the request" in answer.run.text
    assert answer.run.usage.total_tokens == 0 and answer.run.steps == []
    # Recorded like any agent answer, credited to the sleep run that built the table.
    assert query.budget == 0 and query.details["stop"] == "lookup"
    assert query.details["files"] == list(answer.files) and query.backend == "none"
    assert query.prompt_version == f"lookup-answer+{LOOKUP_VERSION}"
    assert query.usage.total_tokens == 0
    # A request that shares no word with any file gets no files, and says so.
    empty = await ask_agent(app, "shop", "Make it quicker please", steps=0)
    assert empty.answer.files == () and empty.answer.run.text == ""


async def test_a_step_budget_of_0_is_refused_where_there_is_no_lookup(
    db_url: str, app: Sleeptime, repo: Path
) -> None:
    add_directory(app, "shop", repo)
    with pytest.raises(InputError, match="needs sleep mode"):
        await ask_agent(app, "shop", "Add a --json flag", steps=0, mode="baseline")
    with pytest.raises(InputError, match=r"0 .* or more; got -1"):
        await ask_agent(app, "shop", "Add a --json flag", steps=-1)
    with pytest.raises(NotFoundError, match="no notes yet"):
        await ask_agent(app, "shop", "Add a --json flag", steps=0)
    await sleep_directory(app, "shop", backend=ScriptedBackend([]), write_map=False)
    off = Sleeptime(Settings(database_url=db_url, repo_lookup_files=0))
    try:
        with pytest.raises(InputError, match="lookup is off"):
            await ask_agent(off, "shop", "Add a --json flag", steps=0)
    finally:
        await off.aclose()
    # Notes whose run stored no table (slept before the lookup existed): sleep again.
    run = app.runs("shop")[0]
    details = {k: v for k, v in run.details.items() if k != "lookup"}
    with sqlite3.connect(db_url.removeprefix("sqlite:///")) as conn:
        conn.execute(
            "UPDATE sleep_runs SET details = ? WHERE id = ?", (json.dumps(details), run.id)
        )
    with pytest.raises(NotFoundError, match="no word lookup") as info:
        await ask_agent(app, "shop", "Add a --json flag", steps=0)
    assert info.value.cli_hint and "sleeptime sleep shop" in info.value.cli_hint
    assert [q.budget for q in app.store.list_queries(tenant=app.tenant)] == []


async def test_with_no_budget_the_lookup_answers_where_it_finds_files_and_the_agent_elsewhere(
    db_url: str, app: Sleeptime, repo: Path
) -> None:
    assert Settings().repo_agent_budget == "auto"
    add_directory(app, "shop", repo)
    await sleep_directory(app, "shop", backend=ScriptedBackend([]), write_map=False)
    untouched = ScriptedBackend([], model="untouched")  # any call would fail the ask
    found = await ask_agent(app, "shop", "Add prices with TAX to the export", backend=untouched)
    assert untouched.requests == [] and found.steps == 0
    assert found.answer.run.stop == "lookup" and found.answer.files[0] == "shop/prices.py"
    assert found.query.budget == 0
    # No file shares a word: the agent answers at 8 steps, and only it is recorded.
    asker = _asker()
    fallback = await ask_agent(app, "shop", "Make it quicker please", backend=asker)
    assert fallback.steps == 8 and fallback.query.budget == 8 and len(asker.requests) == 1
    assert fallback.answer.run.stop != "lookup" and fallback.answer.files
    assert [q.budget for q in app.store.list_queries(tenant=app.tenant)] == [8, 0]
    # Test-time only has no lookup: 8 steps.
    baseline = await ask_agent(
        app, "shop", "Add prices with TAX to the export", mode="baseline", backend=_asker()
    )
    assert baseline.steps == 8 and baseline.answer.run.stop != "lookup"
    # A chosen default, or the lookup turned off, runs the agent even where words match.
    for settings, expected in (
        (Settings(database_url=db_url, repo_agent_budget=3), 3),
        (Settings(database_url=db_url, repo_lookup_files=0), 8),
    ):
        other = Sleeptime(settings)
        try:
            asker = _asker()
            asked = await ask_agent(
                other, "shop", "Add prices with TAX to the export", backend=asker
            )
            assert asked.steps == expected and len(asker.requests) == 1
        finally:
            await other.aclose()


@pytest.mark.parametrize(
    ("value", "expected"), [("auto", "auto"), (" AUTO ", "auto"), ("4", 4), ("100", 100)]
)
def test_the_default_agent_budget_is_read_from_the_environment(
    value: str, expected: str | int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SLEEPTIME_REPO_AGENT_BUDGET", value)
    assert Settings().repo_agent_budget == expected


async def test_sleep_writes_the_index_alone_by_default(db_url: str, repo: Path) -> None:
    # The default since bench/results/repo-qwen1.5b-latency-kv-b8-map-ov2/ (Settings).
    assert Settings().repo_sleep_map is False
    app = Sleeptime(Settings(database_url=db_url))
    try:
        add_directory(app, "shop", repo)
        untouched = ScriptedBackend([], model="untouched")  # a map would need replies
        result = await app.sleep("shop", backend=untouched)
        assert untouched.requests == [] and split_index(result.artifact.text)[0] == ""
        [run] = app.runs("shop")
        assert run.recipe == "repo-index" and run.settings["map"] is False
        mapped = await sleep_directory(app, "shop", backend=_mapper(), write_map=True)
        assert split_index(mapped.artifact.text)[0] != ""  # --map still writes the map
    finally:
        await app.aclose()


async def test_sleep_without_the_map_needs_the_index(app: Sleeptime, repo: Path) -> None:
    add_directory(app, "shop", repo)
    with pytest.raises(InputError, match="index is off") as raised:
        await sleep_directory(app, "shop", write_map=False, index_chars=0)
    assert "--index-chars" in str(raised.value.cli_hint)
    assert app.runs("shop") == []


async def test_the_worker_writes_the_index_alone_when_told_not_to_map(
    db_url: str, repo: Path
) -> None:
    from sleeptime.settings import Settings
    from sleeptime.worker import Worker, enqueue_sleep

    app = Sleeptime(Settings(database_url=db_url, repo_sleep_map=False))
    try:
        looked = add_directory(app, "shop", repo)
        enqueue_sleep(
            app.store, looked.revision, recipe=parse_recipe("rethink"), budget=SleepBudget(),
            seed=0, backend="scripted", model="nobody-registered-this",
        )  # fmt: skip
        worker = Worker(app.runtime, auto_sleep=False)
        [job] = app.jobs()
        claimed = app.store.claim_run("w", lease_s=30, run_id=job.id)
        assert claimed is not None
        # No model writes c'; the answering backend is loaded only to save the prompt's
        # state, and an unknown model (or one that keeps no states) costs only that.
        await worker.execute(claimed)
        [done] = app.jobs()
        assert done.status == "complete", done.error
        artifact = app.show("shop").artifact
        assert artifact is not None and artifact.text.startswith("## Repository index")
        # A folder that moved on since the queued revision ends the claimed run with why.
        commit(repo, "More stock", {"shop/stock.py": "ITEMS = [1]\n"})
        later = refresh_directory(app, "shop")
        enqueue_sleep(
            app.store, later.revision, recipe=parse_recipe("rethink"), budget=SleepBudget(),
            seed=0, backend="scripted", model="nobody-registered-this",
        )  # fmt: skip
        commit(repo, "Even more stock", {"shop/stock.py": "ITEMS = [1, 2]\n"})
        [queued] = [j for j in app.jobs() if j.status == "queued"]
        claimed = app.store.claim_run("w", lease_s=30, run_id=queued.id)
        assert claimed is not None
        await worker.execute(claimed)
        [failed] = [r for r in app.runs("shop") if r.id == queued.id]
        assert failed.status == "failed" and "changed since revision" in (failed.error or "")
    finally:
        await app.aclose()


# asking ---------------------------------------------------------------------------------


async def test_ask_in_sleep_mode_starts_from_the_map_and_is_recorded(
    app: Sleeptime, repo: Path
) -> None:
    add_directory(app, "shop", repo)
    await sleep_directory(app, "shop", backend=_mapper())
    asker = _asker()
    result = await ask_agent(app, "shop", "Add a --json flag to export", steps=3, backend=asker)
    assert result.answer.files == ("shop/cli.py", "shop/export.py")
    assert result.answer.unknown == ("shop/nowhere.py",)
    assert MAP in asker.requests[0].messages[1].content
    # By default the notes stand in for the overview's path sample; set above 0, the
    # sample comes beside them.
    assert "list_files shows the rest" in asker.requests[0].messages[1].content
    query = result.query
    assert query.mode == "sleep" and query.layout == "agent" and query.budget == 3
    assert result.artifact is not None and query.artifact_id == result.artifact.id
    assert query.details["files"] == ["shop/cli.py", "shop/export.py"]
    assert query.details["served"] == "agent" and query.details["steps"] == 1
    assert query.prompt_tokens == result.answer.run.usage.prompt_tokens > 0
    stats = app.stats("shop")
    assert stats.sleep is not None and stats.sleep.count == 1
    app.settings = app.settings.model_copy(update={"repo_notes_overview_paths": 60})
    beside = _asker()
    await ask_agent(app, "shop", "Add a --json flag to export", steps=3, backend=beside)
    task = beside.requests[0].messages[1].content
    assert MAP in task and "\nFiles:\n" in task and "list_files shows the rest" not in task


async def test_ask_in_baseline_mode_explores_without_notes(app: Sleeptime, repo: Path) -> None:
    add_directory(app, "shop", repo)
    asker = _asker()
    result = await ask_agent(app, "shop", "Add a --json flag", mode="baseline", backend=asker)
    assert "There are no notes" in asker.requests[0].messages[1].content
    assert "\nFiles:\n" in asker.requests[0].messages[1].content  # the full overview
    assert result.artifact is None and result.query.mode == "baseline"


async def test_ask_after_a_change_needs_new_notes_or_allow_stale(
    app: Sleeptime, repo: Path
) -> None:
    add_directory(app, "shop", repo)
    with pytest.raises(NotFoundError, match="no notes yet"):
        await ask_agent(app, "shop", "Add a --json flag", backend=_asker())
    await sleep_directory(app, "shop", backend=_mapper())
    write(repo, {"shop/models.py": "class Order:\n    total = 1\n"})
    with pytest.raises(NotFoundError, match="folder changed"):
        await ask_agent(app, "shop", "Add a --json flag", backend=_asker())
    asker = _asker()
    result = await ask_agent(
        app, "shop", "Add a --json flag", steps=8, backend=asker, allow_stale=True
    )
    assert result.stale_from is not None and result.stale_from.seq == 1
    assert result.revision.seq == 2 and result.query.details["stale_notes_of_revision"] == 1
    shown = asker.requests[0].messages[1].content
    assert "revision 1" in shown and "- shop/models.py (modified)" in shown and MAP in shown


async def test_the_text_question_path_refuses_a_directory(app: Sleeptime, repo: Path) -> None:
    add_directory(app, "shop", repo)
    with pytest.raises(InputError, match="repository agent") as info:
        await app.ask("shop", "What does it do?", mode="baseline", backend=_asker())
    assert "--agent" in (info.value.cli_hint or "")


async def test_the_agent_refuses_a_text_context(app: Sleeptime) -> None:
    app.add_context("notes", "some text")
    with pytest.raises(InputError, match="holds text"):
        await ask_agent(app, "notes", "Add a flag", backend=_asker())


async def test_a_budget_that_runs_out_still_names_files(app: Sleeptime, repo: Path) -> None:
    add_directory(app, "shop", repo)

    def explore_forever(request: ChatRequest) -> str:
        if "no tool calls left" in request.messages[-1].content:
            return "- shop/cli.py: the command"
        return '<tool name="list_files">{}</tool>'

    backend = FunctionBackend(explore_forever)
    result = await ask_agent(app, "shop", "Add a flag", mode="baseline", steps=2, backend=backend)
    run = result.answer.run
    assert len(run.steps) == 2 and result.answer.files == ("shop/cli.py",)
    assert result.query.details["steps"] == 2


# PostgreSQL -----------------------------------------------------------------------------


async def test_directory_contexts_on_postgresql(postgres_url: str, repo: Path) -> None:
    app = Sleeptime(Settings(database_url=postgres_url, repo_sleep_map=True))
    try:
        looked = add_directory(app, "shop", repo, SnapshotOptions(exclude=("docs/",)))
        assert app.context("shop")[0].source == looked.context.source
        assert looked.context.source is not None and looked.context.source["exclude"] == ["docs/"]
        await sleep_directory(app, "shop", backend=_mapper())
        commit(repo, "json", {"shop/cli.py": "def export(fmt, json=False):\n    return fmt\n"})
        result = await ask_agent(app, "shop", "Add a flag", backend=_asker(), allow_stale=True)
        assert result.stale_from is not None and result.query.layout == "agent"
        with pytest.raises(InputError, match="directory context"):
            app.add_context("shop", "text")
    finally:
        await app.aclose()


async def test_a_tool_path_out_of_the_tree_is_refused(
    app: Sleeptime, repo: Path, tmp_path: Path
) -> None:
    (tmp_path / "secret.txt").write_text("hunter2\n")
    add_directory(app, "shop", repo)
    prober = ScriptedBackend(
        [
            '<tool name="read_file">{"path": "../secret.txt"}</tool>'
            '<tool name="read_file">{"path": "' + str(tmp_path / "secret.txt") + '"}</tool>',
            "<answer>- shop/cli.py</answer>",
        ]
    )
    result = await ask_agent(app, "shop", "Add a flag", mode="baseline", backend=prober)
    outputs = result.answer.run.steps[0].outputs
    assert [o.ok for o in outputs] == [False, False]
    assert "leaves the repository" in outputs[0].text and "absolute" in outputs[1].text
    assert all("hunter2" not in m.content for r in prober.requests for m in r.messages)


async def test_a_queued_run_on_a_folder_that_moved_on_fails_with_the_reason(
    app: Sleeptime, repo: Path
) -> None:
    from sleeptime.worker import Worker, enqueue_sleep

    looked = add_directory(app, "shop", repo)
    app.runtime.backends.add("scripted", "mapper", _mapper())
    enqueue_sleep(
        app.store, looked.revision, recipe=parse_recipe("rethink"), budget=SleepBudget(),
        seed=0, backend="scripted", model="mapper",
    )  # fmt: skip
    write(repo, {"shop/cli.py": "changed = True\n"})  # nobody refreshed the context
    [job] = app.jobs()
    claimed = app.store.claim_run("w", lease_s=30, run_id=job.id)
    assert claimed is not None
    await Worker(app.runtime, auto_sleep=False).execute(claimed)
    [done] = app.jobs()
    assert done.status == "failed" and "changed since revision 1" in (done.error or "")
    assert app.show("shop").artifact is None


@pytest.mark.integration
async def test_the_worker_saves_the_prompt_state_after_an_index_only_sleep(
    db_url: str, repo: Path
) -> None:
    """On the real embedded model: no model writes the index, but the worker then loads
    the answering one and saves the agent prompt's state, which the first ask restores."""
    from sleeptime.backends.llama import LlamaBackend
    from sleeptime.settings import Settings
    from sleeptime.worker import Worker, enqueue_sleep

    settings = Settings(database_url=db_url, repo_sleep_map=False, n_ctx=4096, n_threads=2)
    app = Sleeptime(settings)
    try:
        looked = add_directory(app, "shop", repo)
        enqueue_sleep(
            app.store, looked.revision, recipe=parse_recipe("rethink"), budget=SleepBudget(),
            seed=0, backend="llama", model=None,
        )  # fmt: skip
        [job] = app.jobs()
        claimed = app.store.claim_run("w", lease_s=30, run_id=job.id)
        assert claimed is not None
        await Worker(app.runtime, auto_sleep=False).execute(claimed)
        [done] = app.jobs()
        assert done.status == "complete", done.error
        artifact = app.show("shop").artifact
        assert artifact is not None and artifact.text.startswith("## Repository index")
        embedded = app.backend("llama")
        assert isinstance(embedded, LlamaBackend) and embedded.prefix_states is not None
        labels = [entry.label for entry in embedded.prefix_states.entries()]
        assert labels == [f"shop agent, notes {artifact.id}"]
        embedded.drop_live_cache()  # as a new ask process would start
        asked = await ask_agent(app, "shop", "Add a --json flag to export", steps=1,
                                backend="llama", reply_tokens=16)  # fmt: skip
        assert asked.answer.run.usage.cached_prompt_tokens > 100
    finally:
        await app.aclose()
