"""The shared value types: enum members are their strings, old names still import."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

import sleeptime
from sleeptime.backends import base
from sleeptime.errors import InputError
from sleeptime.sleep import SleepEvent, SleepEventKind
from sleeptime.store import Store
from sleeptime.values import AnswerMode, RunStatus, Stopwatch, Usage, parse_enum


def test_stored_strings_are_unchanged() -> None:
    # Rows written before the enums hold these strings; renaming a value needs a migration.
    assert [s.value for s in RunStatus] == [
        "queued", "running", "complete", "failed", "cut_off", "superseded", "abandoned",
    ]  # fmt: skip
    assert [m.value for m in AnswerMode] == ["sleep", "baseline"]
    assert [k.value for k in SleepEventKind] == [
        "run_start", "round_start", "round_end", "loop_end", "run_end",
    ]  # fmt: skip
    event = SleepEvent(SleepEventKind.LOOP_END, message="finish")
    assert json.dumps({"kind": event.kind, "mode": AnswerMode.SLEEP}) == (
        '{"kind": "loop_end", "mode": "sleep"}'
    )


def test_the_database_holds_plain_strings(tmp_path: Path) -> None:
    path = tmp_path / "s.db"
    store = Store(f"sqlite:///{path}")
    try:
        context, revision, _ = store.add_context("default", "ctx", "The office opens at 9.")
        run = store.start_run(
            revision.id, recipe="rethink", recipe_version="1", prompt_versions={},
            backend="scripted", model="m", settings={},
        )  # fmt: skip
        ended = store.fail_run(
            run.id, status=RunStatus.CUT_OFF, error="budget", usage=Usage(), rounds=1,
            partial_text=None, details={},
        )  # fmt: skip
        assert ended.status == "cut_off"
        store.record_query(
            context_id=context.id, revision_id=revision.id, artifact_id=None, text="When?",
            mode=AnswerMode.BASELINE, budget=0, layout=None, max_tokens=None, answer="9",
            backend="scripted", model="m", prompt_version="p", usage=Usage(), latency_s=0.1,
        )  # fmt: skip
    finally:
        store.close()
    with sqlite3.connect(path) as db:
        assert db.execute("SELECT status, typeof(status) FROM sleep_runs").fetchall() == [
            ("cut_off", "text")
        ]
        assert db.execute("SELECT mode FROM queries").fetchall() == [("baseline",)]


def test_a_run_cannot_end_in_a_worker_state(tmp_path: Path) -> None:
    store = Store(f"sqlite:///{tmp_path / 's.db'}")
    try:
        _, revision, _ = store.add_context("default", "ctx", "text")
        run = store.start_run(
            revision.id, recipe="rethink", recipe_version="1", prompt_versions={},
            backend="scripted", model="m", settings={},
        )  # fmt: skip
        for status in (RunStatus.QUEUED, RunStatus.COMPLETE):
            with pytest.raises(InputError, match="failed, cut_off, abandoned, superseded"):
                store.fail_run(
                    run.id, status=status, error="x", usage=Usage(), rounds=0,
                    partial_text=None, details={},
                )  # fmt: skip
        assert store.get_run(run.id).status == RunStatus.RUNNING
    finally:
        store.close()


def test_parse_enum_names_the_choices() -> None:
    assert parse_enum(AnswerMode, "sleep", "mode") is AnswerMode.SLEEP
    with pytest.raises(InputError, match="unknown mode 'dream'; use one of sleep, baseline"):
        parse_enum(AnswerMode, "dream", "mode")


def test_old_import_paths_give_the_same_objects() -> None:
    # Third-party code and the backends import these from the backend contract.
    assert base.Usage is Usage and base.Stopwatch is Stopwatch
    assert sleeptime.Usage is Usage and sleeptime.RunStatus is RunStatus
    from sleeptime.answer import MODES

    assert MODES == (AnswerMode.SLEEP, AnswerMode.BASELINE)
