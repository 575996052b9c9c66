"""``bench repo --index-chars``: the model-free index in c', off by default.

Off, every request is what it was before the index existed (a resumed run replays its
call log); on, only the answering requests that read c' change, the index holds nothing
from after a task's parent, and the ``index`` condition answers from the index alone.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from helpers.git_repos import commit, git, init_repo
from sleeptime.backends import ChatRequest, FunctionBackend
from sleeptime.benchmark.recording import request_payload
from sleeptime.benchmark.repo_bench import RepoBenchConfig, run_repo_bench
from sleeptime.cli.main import cli
from sleeptime.repo.index import MARKER

MAP = "The command line is in app/cli.py; formats in app/export.py; data in app/models.py."
NOTES_HEAD = "Notes written earlier about this repository:\n"


@pytest.fixture
def history(tmp_path: Path) -> Path:
    """Three commits that each change three existing source files (three tasks)."""
    root = init_repo(tmp_path / "app")
    files = {
        f"app/{n}.py": f'"""The {n} layer."""\n\n\ndef {n}_main():\n    pass\n'
        for n in ("cli", "export", "models", "db", "web")
    }
    commit(root, "Start the app", files)
    for message, names in (
        ("Add a JSON export", ("cli", "export", "models")),
        ("Store orders", ("db", "models", "web")),
        ("Serve the export", ("web", "cli", "export")),
    ):
        commit(
            root,
            message,
            {
                f"app/{n}.py": f'"""The {n} layer."""\n\n\ndef {n}_main():\n    "{message}"\n'
                for n in names
            },
        )
    return root


def _model(request: ChatRequest) -> str:
    system = request.messages[0].content
    if system.startswith("You study a code base"):
        if len(request.messages) == 2:
            return '<tool name="list_files">{}</tool>'
        return f"<answer>{MAP}</answer>"
    notes = NOTES_HEAD in request.messages[1].content
    if not notes and len(request.messages) == 2 and "no tool calls left" not in str(request):
        return '<tool name="search">{"query": "json"}</tool>'
    return "<answer>\n- app/cli.py: flag\n- app/export.py: output\n- app/models.py: data</answer>"


def _config(repo: Path, out: Path, calls: Path, **extra: object) -> RepoBenchConfig:
    return RepoBenchConfig(
        repo=repo, out=out, calls=calls, tasks=3, budgets=[1, 2], progress=False,
        **extra,  # type: ignore[arg-type]
    )  # fmt: skip


def _notes_of(request: ChatRequest) -> str | None:
    """The notes block of an answering request's task (None for other requests)."""
    task = request.messages[1].content if len(request.messages) > 1 else ""
    if not task.startswith(NOTES_HEAD):
        return None
    return task[len(NOTES_HEAD) : task.index("\n\nRepository overview:")]


def _payloads(requests: list[ChatRequest]) -> set[str]:
    return {json.dumps(request_payload(r), sort_keys=True) for r in requests}


async def test_off_by_default_and_on_changes_only_the_requests_that_read_the_map(
    history: Path, tmp_path: Path
) -> None:
    calls = tmp_path / "calls.db"
    off = FunctionBackend(_model)
    first = await run_repo_bench(_config(history, tmp_path / "off", calls), backend=off)
    config = json.loads((tmp_path / "off" / "config.json").read_text())
    assert config["config"]["index_chars"] == 0 and "repo_index" not in config["prompts"]
    # Off: the map alone is the notes, exactly as before the index existed.
    notes = [n for n in map(_notes_of, off.requests) if n is not None]
    assert len(notes) == 3 * 2 and set(notes) == {MAP}
    assert not any(MARKER in json.dumps(request_payload(r)) for r in off.requests)
    rows = [json.loads(x) for x in (tmp_path / "off" / "samples.jsonl").read_text().splitlines()]
    assert {r["kind"] for r in rows} == {"reference", "sleep", "answer"}  # no index row

    on = FunctionBackend(_model)
    second = await run_repo_bench(
        _config(history, tmp_path / "on", calls, index_chars=2000), backend=on
    )
    # Every sleep-agent and test-time-only request is byte-identical, so it replayed; only
    # the six sleep answers (3 tasks x 2 budgets, one step each) are new.
    assert second.misses == 6 and second.hits == first.misses - 6
    assert all(_notes_of(r) is not None for r in on.requests)
    assert not _payloads(on.requests) & _payloads(off.requests)
    for request in on.requests:
        notes = _notes_of(request)
        assert notes is not None and notes.startswith(MAP + "\n\n" + MARKER + "\n")
        assert "app/cli.py" in notes.split(MARKER)[1] and len(notes) <= len(MAP) + 2 + 2000
    out = tmp_path / "on"
    config = json.loads((out / "config.json").read_text())
    assert config["config"]["index_chars"] == 2000
    assert config["prompts"]["repo_index"] == "repo_index@v1"
    rows = [json.loads(x) for x in (out / "samples.jsonl").read_text().splitlines()]
    indexes = [r for r in rows if r["kind"] == "index"]
    assert len(indexes) == 3 and all(0 < r["chars"] <= 2000 for r in indexes)
    assert {r["history_commit"] for r in indexes} == {
        git(history, "rev-parse", f"HEAD~{n}").strip() for n in (1, 2, 3)
    }  # each task's parent
    assert "- index (repo_index@v1" in (out / "report.md").read_text()


async def test_the_index_of_a_task_holds_nothing_from_its_commit_or_later(
    history: Path, tmp_path: Path
) -> None:
    backend = FunctionBackend(_model)
    config = _config(
        history, tmp_path / "out", tmp_path / "calls.db", index_chars=5000,
        conditions=["baseline", "index"],
    )  # fmt: skip
    result = await run_repo_bench(config, backend=backend)
    assert not any(r.messages[0].content.startswith("You study") for r in backend.requests)
    sections = {
        r.messages[1].content.split("Change requested:\n")[1]: _notes_of(r)
        for r in backend.requests
        if _notes_of(r) is not None
    }
    assert set(sections) == {"Add a JSON export", "Store orders", "Serve the export"}
    order = ["Start the app", "Add a JSON export", "Store orders", "Serve the export"]
    for request, section in sections.items():
        assert section is not None and section.startswith(MARKER) and MAP not in section
        position = order.index(request)
        for earlier in order[:position]:
            assert f'"{earlier}"' in section
        for later in order[position:]:  # the task's own commit and everything after it
            assert later not in section
    labels = {(p["condition"], p["budget"]) for p in result.summary["points"]}
    assert labels == {("baseline", 1), ("baseline", 2), ("index", 1), ("index", 2)}
    report = (tmp_path / "out" / "report.md").read_text()
    assert "| index only | 1 |" in report and "| 2 (index only) |" in report


def test_the_cli_option_and_its_checks(history: Path, tmp_path: Path) -> None:
    bundle = tmp_path / "app.bundle"
    git(history, "bundle", "create", str(bundle), "--all")
    base = ["bench", "repo", "--repo", str(bundle), "--tasks", "1", "--budgets", "1",
            "--backend", "scripted", "--out", str(tmp_path / "o"), "--quiet"]  # fmt: skip
    missing = CliRunner().invoke(cli, [*base, "--conditions", "baseline,index"])
    assert missing.exit_code == 2 and "--index-chars" in missing.output
    small = CliRunner().invoke(cli, [*base, "--index-chars", "100"])
    assert small.exit_code == 2 and "at least 500" in small.output
    replies = tmp_path / "replies.json"
    replies.write_text(json.dumps(["<answer>- app/cli.py</answer>"] * 2))
    ran = CliRunner().invoke(
        cli, [*base, "--model", str(replies), "--conditions", "baseline,index",
              "--index-chars", "3000"],
    )  # fmt: skip
    assert ran.exit_code == 0, ran.output
    assert "repo: 1 problems, 2 samples, 0 failed" in ran.output


async def test_the_lookup_follows_the_request_in_the_conditions_with_c_prime_only(
    history: Path, tmp_path: Path
) -> None:
    backend = FunctionBackend(_model)
    config = _config(
        history, tmp_path / "out", tmp_path / "calls.db", index_chars=2000, lookup_files=3,
        conditions=["baseline", "sleep", "index"],
    )  # fmt: skip
    await run_repo_bench(config, backend=backend)
    head = "Files that share words with the request"
    for request in backend.requests:
        if request.messages[0].content.startswith("You study"):
            continue  # the sleep agent
        task = request.messages[1].content
        asked = task.split("Change requested:\n")[1]
        if _notes_of(request) is None:
            assert head not in task  # test-time only never gets it
        elif asked.startswith("Serve the export"):
            assert asked.index(head) > 0 and "- app/export.py" in asked
        elif asked.startswith("Store orders"):
            # At its parent no file's entry says "store" or "orders": nothing of the
            # task's own commit reaches the table.
            assert head not in asked
    rows = [json.loads(x) for x in (tmp_path / "out" / "samples.jsonl").read_text().splitlines()]
    answers = [r for r in rows if r["kind"] == "answer"]
    assert all(("looked_up" in r) == (r["condition"] != "baseline") for r in answers)
    served = {r["looked_up"][0] for r in answers if r.get("looked_up")}
    assert "app/export.py" in served
    assert all(len(r.get("looked_up", [])) <= 3 for r in answers)
