"""The word lookup of a request in sleep's index: its words, its ranking on a real git
repository, the table stored with an artifact (and what a damaged one does), and the
list after the request in the answering agent's task. Replies are scripted."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from helpers.git_repos import commit, init_repo
from sleeptime.backends.scripted import ScriptedBackend
from sleeptime.cli.runs_cmds import shown_details
from sleeptime.repo.answer_agent import LOOKUP_ANSWER_KEY, answer_from_lookup, answer_request
from sleeptime.repo.index import build_index
from sleeptime.repo.lookup import (
    ABOUT_CHARS,
    LOOKUP_VERSION,
    MAX_FILES,
    MAX_TERMS,
    LookupFile,
    LookupTable,
    lookup_key,
    render_lookup,
    render_lookup_answer,
    shared_words,
    terms,
)
from sleeptime.repo.snapshot import take_snapshot
from sleeptime.repo.tools import RepoTools
from sleeptime.settings import Settings

REPLY = "<answer>- shop/export.py: JSON</answer>"


@pytest.fixture
def table(shop_repo: Path) -> LookupTable:
    return LookupTable.from_index(build_index(take_snapshot(shop_repo)))


def test_words_are_split_cut_and_common_ones_dropped() -> None:
    assert terms("exportJSON csv_writer HTTPServer") == [
        "export", "json", "csv", "writer", "http", "server",
    ]  # fmt: skip
    # Request words every change has, short words and 1-2 digit numbers say nothing.
    assert terms("Add support for the new flag, fixes #12 in v2") == ["flag"]
    assert terms("plugins and plugin, Templates") == ["plugin", "plugin", "templa"]
    assert terms("HTTP 404 errors") == ["http", "404", "errors"]
    assert terms("") == [] and terms("!!! ... ---") == []


def test_source_files_only_in_index_order(table: LookupTable) -> None:
    paths = [f.path for f in table.files]
    # tests/ and README.md are not source; source files keep the index's rank order.
    assert set(paths) == {"shop/__init__.py", "shop/cli.py", "shop/export.py", "shop/models.py"}
    assert paths[0] == "shop/models.py"  # changed by all three commits
    cli = next(f for f in table.files if f.path == "shop/cli.py")
    assert {"shop", "cli", "export"} <= set(cli.terms)
    assert "json" in cli.terms  # from the subject of the commit that changed it


def test_the_request_ranks_the_files_that_share_its_words(table: LookupTable) -> None:
    # export.py says "export" and "json" most (its path, export_json(), the subject).
    found = [f.path for f in table.rank("Write the export as JSON", 5)]
    assert found == ["shop/export.py", "shop/cli.py", "shop/models.py"]
    assert "shop/__init__.py" not in found  # shares no word: never listed
    assert [f.path for f in table.rank("Describe an Order", 5)] == ["shop/models.py"]
    assert [f.path for f in table.rank("Write the export as JSON", 1)] == ["shop/export.py"]
    assert table.rank("Write the export as JSON", 0) == []
    assert table.rank("Improve the weather forecast", 5) == []  # no shared word
    assert table.rank("", 5) == [] and table.rank("the and of", 5) == []
    # Words outside ASCII letters are not looked up; what is left still counts.
    assert table.rank("エクスポートを追加 \u202e\x00", 5) == []
    assert table.rank("Écrire l'export en JSON", 1)[0].path == "shop/export.py"
    assert table.rank("json " * 20_000, 2)[0].path == "shop/export.py"  # huge request
    # Paths no longer in the tree (notes of an older revision) are left out.
    gone = table.rank("json export", 5, known=["shop/cli.py"])
    assert [f.path for f in gone] == ["shop/cli.py"]


def test_the_answer_at_budget_0_shows_the_words_each_file_matched(
    table: LookupTable, shop_repo: Path
) -> None:
    request = "Write the Export as JSON, exports and JSON again"
    found = table.rank(request, 5)
    # The request's own words, once each, in its order; a stem match shows the word asked.
    assert shared_words(request, found[0]) == ["export", "json", "exports"]
    text = render_lookup_answer(found, request)
    assert text.splitlines()[0] == "- shop/export.py: shares export, json, exports with the request"
    assert render_lookup_answer([], request) == ""
    answer = answer_from_lookup(RepoTools(take_snapshot(shop_repo)), request, table, 2)
    assert answer.files == answer.looked_up == ("shop/export.py", "shop/cli.py")
    assert answer.run.stop == "lookup" and answer.run.usage.calls == 0
    assert answer.run.prompt_keys == (LOOKUP_ANSWER_KEY,) and answer.unknown == ()
    hostile = answer_from_lookup(
        RepoTools(take_snapshot(shop_repo)), "\x00\u202e" + "json " * 20_000, table, 5
    )
    assert hostile.files[0] == "shop/export.py" and len(hostile.run.text) < 1000


def test_a_folder_without_source_files_looks_up_every_file(tmp_path: Path) -> None:
    root = init_repo(tmp_path / "notes")
    commit(
        root, "Start the notes",
        {"travel.md": "# Trains to Lyon\n\n## Tickets\n", "garden.md": "# Tomatoes\n"},
    )  # fmt: skip
    table = LookupTable.from_index(build_index(take_snapshot(root)))
    assert {f.path for f in table.files} == {"travel.md", "garden.md"}
    assert [f.path for f in table.rank("When do the trains leave?", 5)] == ["travel.md"]


def test_the_table_survives_json_and_refuses_what_it_did_not_write(table: LookupTable) -> None:
    stored = json.loads(json.dumps(table.to_json()))
    assert stored["version"] == LOOKUP_VERSION
    assert LookupTable.from_json(stored) == table
    for bad in (
        None, [], "lookup1", {"version": "lookup0", "files": stored["files"]},
        {"version": LOOKUP_VERSION}, {"version": LOOKUP_VERSION, "files": "x"},
        {"version": LOOKUP_VERSION, "files": [["a.py", "about"]]},
        {"version": LOOKUP_VERSION, "files": [["a.py", "about", 3]]},
        {"version": LOOKUP_VERSION, "files": [{"path": "a.py"}]},
    ):  # fmt: skip
        assert LookupTable.from_json(bad) is None, bad


def test_a_huge_stored_table_is_read_within_its_caps() -> None:
    row = ["a.py", "x" * 10_000, " ".join(["word"] * 10_000)]
    loaded = LookupTable.from_json({"version": LOOKUP_VERSION, "files": [row] * (MAX_FILES + 5)})
    assert loaded is not None and len(loaded.files) == MAX_FILES
    first = loaded.files[0]
    assert len(first.about) == ABOUT_CHARS and len(first.terms) == MAX_TERMS


def test_the_list_reads_as_a_hint_and_is_empty_when_nothing_was_found() -> None:
    assert render_lookup([]) == ""
    found = [LookupFile("a/b.py", "Exports.", ("export",)), LookupFile("c.py", "", ())]
    text = render_lookup(found, "about")
    assert text.startswith("Files whose entries in the repository index share words")
    assert "check a file before you name it" in text
    assert text.endswith("- a/b.py: Exports.\n- c.py")
    # Paths alone, under a shorter head: fewer tokens to prefill on each request.
    paths = render_lookup(found)  # the default since the lookup2 runs
    assert paths.endswith("\n- a/b.py\n- c.py") and "Exports." not in paths
    assert len(paths) < len(text) and "check before naming" in paths
    assert render_lookup([], "paths") == ""
    assert lookup_key("about") != lookup_key() == lookup_key("paths")
    assert lookup_key().endswith(LOOKUP_VERSION) and Settings().repo_lookup_style == "paths"


async def test_the_list_follows_the_request_and_is_recorded(
    shop_repo: Path, table: LookupTable
) -> None:
    tools = RepoTools(take_snapshot(shop_repo))
    backend = ScriptedBackend([REPLY])
    answer = await answer_request(
        backend, tools, "Write the export as JSON", notes="MAP: cli", lookup=table,
        lookup_files=2, lookup_style="about",
    )  # fmt: skip
    task = backend.requests[0].messages[1].content
    head, _, after = task.partition("Write the export as JSON")
    assert "MAP: cli" in head and "Files whose entries" not in head  # the saved prefix
    assert "- shop/export.py" in after and "Files whose entries" in after
    assert answer.looked_up[0] == "shop/export.py" and len(answer.looked_up) <= 2
    assert "- shop/export.py: export_json()" in after
    assert lookup_key("about") in answer.run.prompt_keys
    short = ScriptedBackend([REPLY])
    styled = await answer_request(
        short, tools, "Write the export as JSON", notes="MAP: cli", lookup=table
    )
    listed = short.requests[0].messages[1].content.split("Write the export as JSON")[1]
    assert "- shop/export.py\n" in listed + "\n" and "export_json()" not in listed
    assert lookup_key() in styled.run.prompt_keys
    # Nothing shared: no list, no key, the task as without a table.
    plain, quiet = ScriptedBackend([REPLY]), ScriptedBackend([REPLY])
    asked = "Improve the weather forecast"
    unmatched = await answer_request(quiet, tools, asked, notes="MAP: cli", lookup=table)
    await answer_request(plain, tools, asked, notes="MAP: cli")
    assert unmatched.looked_up == () and lookup_key() not in unmatched.run.prompt_keys
    assert quiet.requests[0].messages[1].content == plain.requests[0].messages[1].content


def test_runs_show_counts_the_table_instead_of_printing_it(table: LookupTable) -> None:
    details = {"index": {"files": 4}, "lookup": table.to_json()}
    shown = shown_details(details)
    assert shown == {"index": {"files": 4}, "lookup": {"version": LOOKUP_VERSION, "files": 4}}
    assert details["lookup"] == table.to_json()  # the record itself is untouched
    assert shown_details({"agent": 1}) == {"agent": 1}
