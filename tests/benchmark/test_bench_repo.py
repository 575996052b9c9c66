"""``bench repo`` on a small real git history with a function backend: rows, scores,
report, resume by replay, bundles, and bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from helpers.git_repos import commit, git, init_repo
from sleeptime.backends import ChatRequest, FunctionBackend
from sleeptime.benchmark.repo_bench import RepoBenchConfig, run_repo_bench
from sleeptime.benchmark.repo_bench.report import bootstrap_ci, paired, points
from sleeptime.cli.main import cli
from sleeptime.errors import InputError

MAP = "The command line is in app/cli.py; formats in app/export.py; data in app/models.py."


@pytest.fixture
def history(tmp_path: Path) -> Path:
    """Three commits that each change three existing source files (three tasks)."""
    root = init_repo(tmp_path / "app")
    files = {f"app/{n}.py": f"# {n}\n" for n in ("cli", "export", "models", "db", "web")}
    commit(root, "Start the app", files)
    for message, names in (
        ("Add a JSON export", ("cli", "export", "models")),
        ("Store orders", ("db", "models", "web")),
        ("Serve the export", ("web", "cli", "export")),
    ):
        commit(root, message, {f"app/{n}.py": f"# {n} {message}\n" for n in names})
    return root


def _model(request: ChatRequest) -> str:
    system = request.messages[0].content
    if system.startswith("You study a code base"):
        if len(request.messages) == 2:
            return '<tool name="list_files">{}</tool>'
        return f"<answer>{MAP}</answer>"
    notes = "Notes written earlier" in request.messages[1].content
    if not notes and len(request.messages) == 2 and "no tool calls left" not in str(request):
        return '<tool name="search">{"query": "json"}</tool>'
    return "<answer>\n- app/cli.py: flag\n- app/export.py: output\n- app/models.py: data</answer>"


def _config(repo: Path, out: Path, **extra: object) -> RepoBenchConfig:
    return RepoBenchConfig(
        repo=repo,
        out=out,
        tasks=3,
        budgets=[1, 2],
        progress=False,
        **extra,  # type: ignore[arg-type]
    )


async def test_a_run_scores_files_writes_the_report_and_resumes(
    history: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    backend = FunctionBackend(_model)
    first = await run_repo_bench(_config(history, out), backend=backend)
    rows = [json.loads(line) for line in (out / "samples.jsonl").read_text().splitlines()]
    sleeps = [r for r in rows if r["kind"] == "sleep"]
    answers = [r for r in rows if r["kind"] == "answer"]
    assert len(sleeps) == 3 and len(answers) == 3 * 2 * 2
    by_task = {r["task"]: r for r in answers if r["condition"] == "sleep" and r["budget"] == 2}
    json_export = git(history, "rev-parse", "HEAD~2").strip()[:12]
    # The JSON export task changed exactly the three files the model names: F1 = 1.
    assert by_task[json_export]["f1"] == 1.0 and by_task[json_export]["targets"] == [
        "app/cli.py",
        "app/export.py",
        "app/models.py",
    ]
    store_orders = git(history, "rev-parse", "HEAD~1").strip()[:12]
    assert by_task[store_orders]["f1"] == pytest.approx(1 / 3)  # one of three right
    # The model-free reference names the files the history changed most before each task:
    # before "Store orders", the JSON export's three (one of them, models, is a target).
    refs = {r["task"]: r for r in rows if r.get("name") == "most_changed_3"}
    assert len(refs) == 3 and all(len(r["predicted"]) == 3 for r in refs.values())
    assert set(refs[store_orders]["predicted"]) == {"app/cli.py", "app/export.py", "app/models.py"}
    assert refs[store_orders]["f1"] == pytest.approx(1 / 3)
    # Sleep at budget 0: the word lookup of the request in the index at the parent. Before
    # "Serve the export", "export" is in export.py's path and in the subject of the commit
    # that changed cli, export and models; "serve" is nowhere yet.
    looked = {r["task"]: r for r in rows if r.get("name") == "lookup_5"}
    assert len(looked) == 3 and all(r["kind"] == "reference" for r in looked.values())
    serve = git(history, "rev-parse", "HEAD").strip()[:12]
    assert looked[serve]["predicted"][0] == "app/export.py"
    assert set(looked[serve]["predicted"]) == {"app/export.py", "app/cli.py", "app/models.py"}
    assert looked[serve]["f1"] == pytest.approx(2 / 3)  # targets: web, cli, export
    # Test-time only at budget 1 must answer at once; at budget 2 it searched first.
    baseline2 = [r for r in answers if r["condition"] == "baseline" and r["budget"] == 2]
    assert all(r["tool_calls"] == 1 and r["steps"] == 2 for r in baseline2)
    summary = first.summary
    assert summary["tasks"] == 3 and summary["errors"] == 0 and first.misses > 0
    assert {(p["condition"], p["budget"]) for p in summary["points"]} == {
        ("baseline", 1), ("baseline", 2), ("sleep", 1), ("sleep", 2),
    }  # fmt: skip
    [gain2] = [p for p in summary["paired"] if p["budget"] == 2]
    assert gain2["n"] == 3 and gain2["token_ratio"] > 1  # sleep answered without searching
    report = (out / "report.md").read_text()
    assert "F1 over changed files" in report and "f1_vs_tokens.png" in report
    assert f"model calls: {first.misses} made, 0 replayed from the call log" in report
    assert "| model s (median) |" in report  # each answer's model time, from the call log
    assert all(p["median_model_s"] is not None for p in summary["points"])
    ref = summary["reference"]
    assert ref["n"] == 3 and ref["f1"] == pytest.approx(sum(r["f1"] for r in refs.values()) / 3)
    assert "Model-free reference (`most_changed_3`" in report
    found = summary["lookup"]
    assert found["n"] == 3
    assert found["f1"] == pytest.approx(sum(r["f1"] for r in looked.values()) / 3)
    assert "Sleep at a step budget of 0 (`lookup_5`" in report
    assert (out / "f1_vs_tokens.png").stat().st_size > 0
    assert not (out / ".work").exists()
    # The same command again replays every call and writes the same rows.
    again = await run_repo_bench(_config(history, out), backend=FunctionBackend(_model))
    assert again.misses == 0 and again.hits == first.misses
    rerun = [json.loads(line) for line in (out / "samples.jsonl").read_text().splitlines()]
    strip = ("latency_s",)
    assert sorted(
        json.dumps({k: v for k, v in r.items() if k not in strip}) for r in rerun
    ) == sorted(json.dumps({k: v for k, v in r.items() if k not in strip}) for r in rows)


def test_a_bundle_is_cloned_and_the_cli_runs_it(history: Path, tmp_path: Path) -> None:
    bundle = tmp_path / "app.bundle"
    git(history, "bundle", "create", str(bundle), "--all")
    replies = tmp_path / "replies.json"
    # Scripted replies: every call answers at once (sleep map, then file lists).
    replies.write_text(
        json.dumps([f"<answer>{MAP}</answer>"] + ["<answer>- app/cli.py</answer>"] * 4)
    )
    out = tmp_path / "out"
    result = CliRunner().invoke(
        cli,
        ["bench", "repo", "--repo", str(bundle), "--tasks", "1", "--budgets", "1,2",
         "--backend", "scripted", "--model", str(replies), "--out", str(out), "--quiet"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "repo: 1 problems, 4 samples, 0 failed" in result.output
    rerender = CliRunner().invoke(cli, ["bench", "report", str(out)])
    assert rerender.exit_code == 0 and "report.md" in rerender.output
    # A re-render keeps the run's call counts; a folder rendered afresh says it has none.
    assert "model calls: 5 made, 0 replayed" in (out / "report.md").read_text()
    (out / "summary.json").unlink()
    assert CliRunner().invoke(cli, ["bench", "report", str(out)]).exit_code == 0
    assert "model calls: not recorded" in (out / "report.md").read_text()


def test_sleep_min_tools_must_leave_a_step_for_the_map(history: Path, tmp_path: Path) -> None:
    result = CliRunner().invoke(
        cli,
        ["bench", "repo", "--repo", str(history), "--sleep-steps", "3", "--sleep-min-tools",
         "3", "--backend", "scripted", "--out", str(tmp_path / "out"), "--quiet"],
    )  # fmt: skip
    assert result.exit_code == 2
    assert "--sleep-min-tools: Value error, sleep_min_tools (3) must be below" in result.output
    assert not (tmp_path / "out").exists()


async def test_the_sleep_agent_can_be_made_to_explore(history: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"

    def looks_when_told(request: ChatRequest) -> str:
        told = request.messages[-1].content.startswith("Not yet")
        if request.messages[0].content.startswith("You study a code base") and told:
            return '<tool name="list_files">{}</tool>'
        return _model(request)

    config = _config(history, out, sleep_min_tools=2, conditions=["sleep"])
    await run_repo_bench(config, backend=FunctionBackend(looks_when_told))
    rows = [json.loads(line) for line in (out / "samples.jsonl").read_text().splitlines()]
    sleeps = [r for r in rows if r["kind"] == "sleep"]
    # One look, a map held back, a second look, then the map: 4 steps, 2 with tools.
    assert len(sleeps) == 3 and all(r["tool_calls"] == 2 and r["steps"] == 4 for r in sleeps)


async def test_bad_repositories_are_refused(tmp_path: Path) -> None:
    empty = init_repo(tmp_path / "empty")
    with pytest.raises(InputError, match=r"no commits|not a git repository"):
        await run_repo_bench(_config(empty, tmp_path / "o1"), backend=FunctionBackend(_model))
    with pytest.raises(InputError, match="does not exist"):
        await run_repo_bench(
            _config(tmp_path / "missing", tmp_path / "o2"), backend=FunctionBackend(_model)
        )
    flat = init_repo(tmp_path / "flat")
    commit(flat, "one file", {"a.py": "x = 1\n"})
    with pytest.raises(InputError, match="min_files"):
        await run_repo_bench(_config(flat, tmp_path / "o3"), backend=FunctionBackend(_model))


def test_statistics() -> None:
    assert bootstrap_ci([0.5]) == (0.5, 0.5)
    low, high = bootstrap_ci([0.0, 1.0] * 10)
    assert 0.25 < low < 0.5 < high < 0.75
    rows = [
        {"kind": "answer", "task": t, "condition": c, "budget": 1, "f1": f, "usage": u}
        for t, c, f, u in [
            ("a", "baseline", 0.0, {"prompt_tokens": 300, "completion_tokens": 10}),
            ("a", "sleep", 1.0, {"prompt_tokens": 100, "completion_tokens": 10}),
            ("b", "baseline", 0.5, {"prompt_tokens": 300, "completion_tokens": 10}),
            ("b", "sleep", 0.5, {"prompt_tokens": 100, "completion_tokens": 10}),
        ]
    ]
    [p] = paired(rows)
    assert (p["wins"], p["losses"], p["ties"]) == (1, 0, 1) and p["f1_gain"] == 0.5
    assert p["token_ratio"] == pytest.approx(310 / 110)
    assert [round(x["f1"], 2) for x in points(rows)] == [0.25, 0.75]


async def test_an_older_run_gains_the_reference_rows_it_lacks_exactly(
    history: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "out"
    await run_repo_bench(_config(history, out), backend=FunctionBackend(_model))
    samples = out / "samples.jsonl"
    written = samples.read_text().splitlines()
    lookups = [line for line in written if '"name": "lookup_5"' in line]
    assert len(lookups) == 3
    # A run from before the lookup_5 row, its last line cut short by an interruption.
    kept = [line for line in written if line not in lookups]
    samples.write_text("\n".join(kept) + '\n{"task": "cut sh')
    (out / "report.md").unlink()
    monkeypatch.chdir(tmp_path)  # a relative folder, as a user types it
    result = CliRunner().invoke(cli, ["bench", "references", "out", "--repo", str(history)])
    assert result.exit_code == 0, result.output
    assert "3 tasks lacked a reference row; added most_changed_3: 0, lookup_5: 3" in result.output
    added = [json.loads(line) for line in samples.read_text().splitlines()[len(kept) + 1 :]]
    assert sorted(added, key=lambda r: r["task"]) == sorted(
        (json.loads(line) for line in lookups), key=lambda r: r["task"]
    )  # the same rows the run wrote
    assert "`lookup_5`" in (out / "report.md").read_text()
    again = CliRunner().invoke(cli, ["bench", "references", str(out), "--repo", str(history)])
    assert "0 tasks lacked a reference row" in again.output
    assert len(samples.read_text().splitlines()) == len(kept) + 1 + 3


def test_references_refuse_what_is_not_a_run_of_that_repository(
    history: Path, tmp_path: Path
) -> None:
    def references(out: Path, repo: Path) -> str:
        result = CliRunner().invoke(cli, ["bench", "references", str(out), "--repo", str(repo)])
        assert result.exit_code != 0 and "Traceback" not in result.output
        return result.output

    empty = tmp_path / "empty"
    empty.mkdir()
    assert "no config.json" in references(empty, history)
    other = tmp_path / "other"
    other.mkdir()
    (other / "config.json").write_text('{"experiment": "stateful", "tasks": []}')
    assert "not the output of `bench repo`" in references(other, history)
    (other / "config.json").write_text("{not json")
    assert "not a readable JSON file" in references(other, history)
    (other / "config.json").write_text('{"experiment": "repo", "tasks": [{"name": 1}]}')
    (other / "samples.jsonl").write_text("")
    assert "no list of tasks" in references(other, history)
    (other / "config.json").write_text(
        json.dumps({"experiment": "repo", "config": {"min_files": "x"}, "tasks": [{"task": "a"}]})
    )
    assert "no whole min_files" in references(other, history)
    (other / "samples.jsonl").unlink()
    (other / "config.json").write_text(
        json.dumps({"experiment": "repo", "config": {}, "tasks": [{"task": "0123456789ab"}]})
    )
    assert "no samples.jsonl" in references(other, history)
    (other / "samples.jsonl").write_text("")
    assert "not commits of" in references(other, history)
    assert "does not exist" in references(other, tmp_path / "missing")
