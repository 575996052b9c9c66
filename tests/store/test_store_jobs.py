"""The queue of background runs: enqueue, debounce, claim, leases, fencing, supersession."""

from __future__ import annotations

import threading
from dataclasses import fields
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa

from sleeptime.errors import LeaseLostError, RunEndedError
from sleeptime.store import RevisionRecord, Store, schema
from sleeptime.store import records as rec
from sleeptime.values import RUN_TRANSITIONS, RunStatus, Usage


def _enqueue(store: Store, revision_id: int, key: str = "k1", **overrides: Any) -> Any:
    args: dict[str, Any] = {
        "recipe": "rethink",
        "recipe_version": "2",
        "prompt_versions": {"sleep": "v5"},
        "backend": "scripted",
        "model": "m",
        "settings": {"rounds": 1},
        "job_key": key,
    }
    args.update(overrides)
    return store.enqueue_run(revision_id, **args)


def _expire_lease(db_url: str, run_id: str) -> None:
    """Backdate a lease in the file, as a worker killed with kill -9 leaves it."""
    engine = sa.create_engine(db_url)
    past: object = datetime.now(UTC) - timedelta(minutes=5)
    if engine.dialect.name == "sqlite":  # stored as naive UTC text there
        past = f"{past:%Y-%m-%d %H:%M:%S.%f}"
    with engine.begin() as conn:
        conn.execute(
            sa.text("UPDATE sleep_runs SET lease_expires_at = :t WHERE id = :id"),
            {"t": past, "id": run_id},
        )
    engine.dispose()


def test_enqueue_is_idempotent_per_job(store: Store, revision: RevisionRecord) -> None:
    run, created = _enqueue(store, revision.id)
    assert created and run.status == "queued" and run.origin == "worker" and run.attempt == 0
    again, created_again = _enqueue(store, revision.id)
    assert not created_again and again.id == run.id
    other, created_other = _enqueue(store, revision.id, key="k2")
    assert created_other and other.id != run.id


def test_a_repeated_request_pushes_the_quiet_period_back(
    store: Store, revision: RevisionRecord
) -> None:
    run, _ = _enqueue(store, revision.id, delay_s=60)
    assert store.claim_run("w1", lease_s=30) is None  # still quiet
    again, _ = _enqueue(store, revision.id, delay_s=120)
    assert again.not_before is not None and run.not_before is not None
    assert again.not_before > run.not_before
    assert store.next_due_at() == again.not_before


def test_claim_takes_the_most_urgent_due_run_once(store: Store, revision: RevisionRecord) -> None:
    low, _ = _enqueue(store, revision.id, key="low", priority=1.0)
    high, _ = _enqueue(store, revision.id, key="high", priority=5.0)
    first = store.claim_run("w1", lease_s=30)
    assert first is not None and first.id == high.id
    assert first.status == "running" and first.attempt == 1 and first.lease_owner == "w1"
    second = store.claim_run("w2", lease_s=30)
    assert second is not None and second.id == low.id
    assert store.claim_run("w3", lease_s=30) is None


def test_racing_claims_never_share_a_run(db_url: str, revision: RevisionRecord) -> None:
    with Store(db_url) as setup:
        for n in range(12):
            _enqueue(setup, revision.id, key=f"k{n}")
    claimed: list[str] = []
    lock = threading.Lock()

    def worker(name: str) -> None:
        with Store(db_url) as own:
            while (run := own.claim_run(name, lease_s=30)) is not None:
                with lock:
                    claimed.append(run.id)

    threads = [threading.Thread(target=worker, args=(f"w{i}",)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(claimed) == 12 and len(set(claimed)) == 12


def test_a_dead_workers_run_is_requeued_and_its_late_result_refused(
    store: Store, db_url: str, revision: RevisionRecord
) -> None:
    run, _ = _enqueue(store, revision.id, max_attempts=2)
    first = store.claim_run("w1", lease_s=30)
    assert first is not None
    _expire_lease(db_url, run.id)
    assert store.mark_abandoned(older_than_s=3600) == 1
    requeued = store.get_run(run.id)
    assert requeued.status == "queued" and requeued.details["lost_leases"][0]["attempt"] == 1
    second = store.claim_run("w2", lease_s=30)
    assert second is not None and second.attempt == 2
    usage = Usage(completion_tokens=3)
    # The first worker was only slow: its heartbeat and its result are refused.
    with pytest.raises(LeaseLostError, match="attempt 2 holds it"):
        store.heartbeat(run.id, attempt=1)
    with pytest.raises(LeaseLostError):
        store.complete_run(
            run.id, artifact_text="late", usage=usage, rounds=1, details={}, attempt=1
        )
    artifact = store.complete_run(
        run.id, artifact_text="notes", usage=usage, rounds=1, details={}, attempt=2
    )
    assert artifact.job_key == "k1"
    # The job is done: asking for it again returns the completed run.
    done, created = _enqueue(store, revision.id)
    assert not created and done.id == run.id and done.status == "complete"


def test_out_of_attempts_is_abandoned(store: Store, db_url: str, revision: RevisionRecord) -> None:
    run, _ = _enqueue(store, revision.id, max_attempts=1)
    assert store.claim_run("w1", lease_s=30) is not None
    _expire_lease(db_url, run.id)
    store.mark_abandoned(older_than_s=3600)
    gone = store.get_run(run.id)
    assert gone.status == "abandoned" and gone.error is not None and "1 attempts" in gone.error


def test_a_newer_revision_supersedes_queued_and_stops_running(store: Store) -> None:
    ctx, rev1, _ = store.add_context("default", "doc", "first text")
    queued, _ = _enqueue(store, rev1.id, key="a")
    running, _ = _enqueue(store, rev1.id, key="b", priority=9)
    claimed = store.claim_run("w1", lease_s=30)
    assert claimed is not None and claimed.id == running.id
    _, rev2, _ = store.add_context("default", "doc", "second text")
    fresh, _ = _enqueue(store, rev2.id, key="c")
    assert store.supersede_older(ctx.id, keep_revision_id=rev2.id, reason="revision 2") == 2
    assert store.get_run(queued.id).status == "superseded"
    stop = store.heartbeat(running.id, attempt=1)
    assert stop is not None and stop.status == RunStatus.SUPERSEDED
    with pytest.raises(RunEndedError, match="asked to stop"):
        store.complete_run(
            running.id, artifact_text="old", usage=Usage(), rounds=1, details={}, attempt=1
        )
    ended = store.fail_run(
        running.id, status="superseded", error="revision 2", usage=Usage(), rounds=1,
        partial_text=None, details={}, attempt=1,
    )  # fmt: skip
    assert ended.status == "superseded"
    assert store.get_run(fresh.id).status == "queued"


def test_cancel_and_requeue(store: Store, revision: RevisionRecord) -> None:
    queued, _ = _enqueue(store, revision.id, key="a")
    cancelled = store.request_stop(queued.id, tenant="default", reason="cancelled by user")
    assert cancelled.status == "failed" and cancelled.error == "cancelled by user"
    with pytest.raises(RunEndedError, match="already ended"):
        store.request_stop(queued.id, tenant="default", reason="again")
    other, _ = _enqueue(store, revision.id, key="b")
    held = store.claim_run("w", lease_s=30)
    assert held is not None
    back = store.requeue_run(other.id, attempt=1, delay_s=60, reason="over budget")
    assert back.status == "queued" and back.attempt == 0 and back.details["waiting"]
    assert [r.id for r in store.list_jobs(tenant="default", statuses=(RunStatus.QUEUED,))] == [
        other.id
    ]
    assert store.list_jobs(tenant="someone-else") == []


def test_only_allowed_transitions(store: Store, revision: RevisionRecord) -> None:
    for status in RunStatus:
        assert status.final == (status not in RUN_TRANSITIONS)
    run, _ = _enqueue(store, revision.id)
    with pytest.raises(RunEndedError):
        store.complete_run(run.id, artifact_text="x", usage=Usage(), rounds=0, details={})


@pytest.mark.parametrize(
    ("record", "table"),
    [
        (rec.ContextRecord, schema.Context),
        (rec.RevisionRecord, schema.Revision),
        (rec.RunRecord, schema.SleepRun),
        (rec.ArtifactRecord, schema.Artifact),
        (rec.QueryRecord, schema.Query),
        (rec.ApiKeyRecord, schema.ApiKey),
    ],
)
def test_records_have_exactly_their_tables_columns(record: type, table: type) -> None:
    names = {f.name for f in fields(record)} - rec.DERIVED.get(record.__name__, frozenset())
    columns = {c.key for c in sa.inspect(table).columns}
    assert names == columns


def test_a_revision_replaced_before_it_is_queued_or_claimed_is_never_slept_on(
    store: Store,
) -> None:
    _, rev1, _ = store.add_context("default", "doc", "first text")
    queued, _ = _enqueue(store, rev1.id, key="early")
    store.add_context("default", "doc", "second text")  # no supersede step ran (a race)
    late, created = _enqueue(store, rev1.id, key="late")
    assert created and late.status == "superseded"
    assert "before it was queued" in (late.error or "")
    assert store.claim_run("w", lease_s=30) is None  # the early one is skipped too
    assert store.get_run(queued.id).status == "superseded"
