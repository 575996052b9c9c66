from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from itertools import count

import pytest
import sqlalchemy as sa

from sleeptime.errors import InputError, NotFoundError, StoreError
from sleeptime.store import RevisionRecord, RunRecord, Store
from sleeptime.values import Usage

Start = Callable[..., RunRecord]


def test_start_run_records_everything_that_shapes_the_output(
    store: Store, revision: RevisionRecord, start: Start
) -> None:
    run = start(revision.id, recipe="parallel:5", settings={"temperature": 0.0})
    assert len(run.id) == 32 and run.status == "running"
    assert (run.revision_id, run.context_id, run.revision_seq) == (
        revision.id, revision.context_id, 1,
    )  # fmt: skip
    assert run.recipe == "parallel:5" and run.prompt_versions == {"rethink": "3"}
    assert run.settings == {"temperature": 0.0}
    assert run.finished_at is None and run.started_at.tzinfo is not None
    assert store.get_run(run.id) == run
    with pytest.raises(NotFoundError):
        start(999_999)


def test_complete_run_writes_the_artifact(
    store: Store, revision: RevisionRecord, start: Start, usage: Usage
) -> None:
    run = start(revision.id)
    anticipated = [{"question": "When?", "answer": "At 9."}]
    art = store.complete_run(
        run.id, artifact_text="It opens at 9 ✓.", usage=usage, rounds=3,
        details={"stop": "done"}, anticipated=anticipated, format_version="2",
    )  # fmt: skip
    assert (art.run_id, art.revision_id, art.text, art.n_chars) == (
        run.id, revision.id, "It opens at 9 ✓.", 16,
    )  # fmt: skip
    assert art.anticipated == anticipated and art.format_version == "2"
    assert store.latest_artifact(revision.id) == art == store.get_artifact(art.id)

    done = store.get_run(run.id)
    assert done.status == "complete" and done.rounds == 3
    assert done.finished_at is not None and done.finished_at >= done.started_at
    assert done.details == {"calls": 2, "stop": "done"}
    assert done.usage == usage


def test_fail_run_never_writes_an_artifact(
    store: Store, revision: RevisionRecord, start: Start, usage: Usage
) -> None:
    for status in ("failed", "cut_off", "abandoned"):
        run = start(revision.id)
        failed = store.fail_run(
            run.id, status=status, error="boom", usage=usage, rounds=2,
            partial_text="half a thought", details={"why": status},
        )  # fmt: skip
        assert failed.status == status and failed.error == "boom"
        assert failed.partial_text == "half a thought" and failed.finished_at is not None
        assert failed.usage.completion_tokens == 11
    assert store.latest_artifact(revision.id) is None


def test_a_run_ends_only_once(
    store: Store, revision: RevisionRecord, start: Start, usage: Usage
) -> None:
    run = start(revision.id)
    store.fail_run(
        run.id, status="cut_off", error="budget", usage=usage, rounds=1, partial_text=None,
        details={},
    )  # fmt: skip
    with pytest.raises(StoreError, match="it is cut_off"):
        store.complete_run(run.id, artifact_text="late", usage=usage, rounds=1, details={})
    with pytest.raises(StoreError, match="it is cut_off"):
        store.fail_run(
            run.id, status="failed", error="x", usage=usage, rounds=1, partial_text=None,
            details={},
        )  # fmt: skip
    assert store.latest_artifact(revision.id) is None
    assert store.get_run(run.id).status == "cut_off"

    run = start(revision.id)
    store.complete_run(run.id, artifact_text="first", usage=usage, rounds=1, details={})
    with pytest.raises(StoreError, match="it is complete"):
        store.complete_run(run.id, artifact_text="second", usage=usage, rounds=1, details={})
    with pytest.raises(StoreError):
        store.heartbeat(run.id)


def test_complete_run_is_atomic(
    store: Store, revision: RevisionRecord, start: Start, usage: Usage
) -> None:
    run = start(revision.id)
    with pytest.raises(StoreError):
        # Not JSON-serialisable: the artifact insert fails inside the transaction.
        store.complete_run(
            run.id, artifact_text="notes", usage=usage, rounds=1, details={},
            anticipated=[{"bad": object()}],
        )  # fmt: skip
    assert store.get_run(run.id).status == "running"
    assert store.latest_artifact(revision.id) is None


def test_bad_run_inputs(store: Store, revision: RevisionRecord, start: Start, usage: Usage) -> None:
    run = start(revision.id)
    with pytest.raises(InputError, match="use one of"):
        store.fail_run(
            run.id, status="complete", error="", usage=usage, rounds=0, partial_text=None,
            details={},
        )  # fmt: skip
    with pytest.raises(InputError, match="empty"):
        store.complete_run(run.id, artifact_text=" ", usage=usage, rounds=0, details={})
    with pytest.raises(NotFoundError):
        store.heartbeat("0" * 32)


def test_heartbeat_keeps_a_run_alive(store: Store, revision: RevisionRecord, start: Start) -> None:
    run = start(revision.id)
    store.heartbeat(run.id, rounds=4, partial_text="so far")
    alive = store.get_run(run.id)
    assert alive.rounds == 4 and alive.partial_text == "so far"
    assert alive.heartbeat_at >= run.heartbeat_at
    assert store.mark_abandoned(older_than_s=3600) == 0


def test_mark_abandoned_ends_silent_runs(
    store: Store, db_url: str, revision: RevisionRecord, start: Start, usage: Usage
) -> None:
    silent, alive = start(revision.id), start(revision.id)
    # Backdate one heartbeat directly in the file, as a crashed process would leave it.
    engine = sa.create_engine(db_url)
    with engine.begin() as conn:
        conn.execute(
            sa.text("UPDATE sleep_runs SET heartbeat_at = :t WHERE id = :id"),
            {
                "t": f"{datetime.now(UTC) - timedelta(minutes=10):%Y-%m-%d %H:%M:%S.%f}",
                "id": silent.id,
            },
        )
    engine.dispose()

    assert store.mark_abandoned(older_than_s=60) == 1
    gone = store.get_run(silent.id)
    assert gone.status == "abandoned" and gone.finished_at is not None
    assert gone.error is not None and "no heartbeat" in gone.error
    assert store.get_run(alive.id).status == "running"
    with pytest.raises(StoreError, match="abandoned"):
        store.heartbeat(silent.id)
    with pytest.raises(StoreError, match="abandoned"):
        store.complete_run(silent.id, artifact_text="late", usage=usage, rounds=1, details={})
    assert store.mark_abandoned(older_than_s=60) == 0
    with pytest.raises(InputError):
        store.mark_abandoned(older_than_s=-1)


def test_get_run_by_prefix(
    store: Store, revision: RevisionRecord, start: Start, monkeypatch: pytest.MonkeyPatch
) -> None:
    ids = (uuid.UUID(f"abcdef{n:02x}{0:024x}") for n in count(1))
    monkeypatch.setattr(uuid, "uuid4", lambda: next(ids))
    first, second = start(revision.id), start(revision.id)
    assert store.get_run(first.id[:8]) == first
    assert store.get_run(second.id.upper()) == second
    with pytest.raises(InputError, match="several runs"):
        store.get_run("abcdef")
    with pytest.raises(InputError, match="at least 6"):
        store.get_run("abcde")
    with pytest.raises(NotFoundError):
        store.get_run("ffffff")
    with pytest.raises(NotFoundError):
        store.get_run("not-an-id%")


def test_list_runs_newest_first_with_filters(store: Store, start: Start, usage: Usage) -> None:
    a, a_rev, _ = store.add_context("default", "a", "aaa")
    _, b_rev, _ = store.add_context("default", "b", "bbb")
    r1, r2, r3 = start(a_rev.id), start(b_rev.id), start(a_rev.id)
    assert [r.id for r in store.list_runs()] == [r3.id, r2.id, r1.id]
    assert [r.id for r in store.list_runs(context_id=a.id)] == [r3.id, r1.id]
    assert [r.id for r in store.list_runs(revision_id=b_rev.id)] == [r2.id]
    assert [r.id for r in store.list_runs(limit=1)] == [r3.id]


def test_latest_artifact_is_the_newest_complete(
    store: Store, revision: RevisionRecord, start: Start, usage: Usage
) -> None:
    older = store.complete_run(
        start(revision.id).id, artifact_text="v1", usage=usage, rounds=1, details={}
    )
    newer = store.complete_run(
        start(revision.id).id, artifact_text="v2", usage=usage, rounds=1, details={}
    )
    start(revision.id)  # still running: not an artifact
    assert store.latest_artifact(revision.id) == newer != older
    with pytest.raises(NotFoundError):
        store.get_artifact(older.id + 100)
