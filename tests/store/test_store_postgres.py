"""The store on a real PostgreSQL server (tests/helpers/postgres.py), not only on SQLite.

This module overrides ``db_url`` and ``store``, so the shared fixtures (``revision``,
``start``) build on a fresh PostgreSQL database per test.
"""

from __future__ import annotations

import subprocess
import sys
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from helpers.postgres import PostgresServer
from sleeptime.errors import InputError, NotFoundError, StoreError
from sleeptime.settings import Settings
from sleeptime.store import RevisionRecord, RunRecord, Store
from sleeptime.store.db import head_revision
from sleeptime.store.schema import VERSION_TABLE, Base
from sleeptime.values import RunStatus, Usage

Start = Callable[..., RunRecord]


@pytest.fixture
def db_url(pg_url: str) -> str:
    return pg_url


@pytest.fixture
def store(pg_store: Store) -> Store:
    return pg_store


def _versions(url: str) -> list[str]:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            return list(conn.scalars(sa.text(f"SELECT version_num FROM {VERSION_TABLE}")))
    finally:
        engine.dispose()


def test_an_empty_database_is_migrated_to_match_the_orm(postgres_url: str) -> None:
    with Store(postgres_url) as first:
        ctx, _, _ = first.add_context("default", "kept", "persistent text")
    with Store(postgres_url) as again:  # opening a migrated database changes nothing
        assert again.get_context("default", "kept") == ctx
    engine = sa.create_engine(postgres_url)
    with engine.connect() as conn:
        context = MigrationContext.configure(
            conn, opts={"version_table": VERSION_TABLE, "compare_type": True}
        )
        assert compare_metadata(context, Base.metadata) == []
    engine.dispose()
    assert _versions(postgres_url) == [head_revision()]


_OPEN_ON_CUE = """
import sys
from sleeptime.store import Store
print("ready", flush=True)
sys.stdin.readline()
Store(sys.argv[1]).close()
print("migrated", flush=True)
"""


def test_two_processes_migrate_one_empty_database_at_once(postgres_url: str) -> None:
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", _OPEN_ON_CUE, postgres_url],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    for proc in procs:  # both have imported sleeptime: release them together
        assert proc.stdout is not None and proc.stdout.readline().strip() == "ready"
    for proc in procs:
        assert proc.stdin is not None
        proc.stdin.write("go\n")
        proc.stdin.flush()
    for proc in procs:
        out, err = proc.communicate(timeout=60)
        assert proc.returncode == 0, err
        assert out.strip() == "migrated"
    assert _versions(postgres_url) == [head_revision()]
    with Store(postgres_url) as store:
        store.add_context("default", "after", "the schema works")
        assert [c.name for c in store.list_contexts("default")] == ["after"]


def test_contexts_and_revisions(store: Store) -> None:
    ctx, first, created = store.add_context("default", "c", "A héllo ✓")
    assert created and first.seq == 1
    assert ctx.created_at.tzinfo is not None and ctx.created_at.utcoffset() == timedelta(0)
    assert store.add_context("default", "c", "A héllo ✓") == (ctx, first, False)
    store.add_context("default", "c", "B")
    _, third, created = store.add_context("default", "c", "A héllo ✓")
    assert created and third.seq == 3
    assert [r.text for r in store.list_revisions(ctx.id)] == ["A héllo ✓", "B", "A héllo ✓"]
    assert store.current_revision(ctx.id) == third == store.get_revision(third.id)

    big = ("日本語 🙂 ÄÖÜ \t mixed line\n" * 20_000)[:500_000]
    _, rev, _ = store.add_context("default", "big", big)
    assert store.get_revision(rev.id).text == big
    with pytest.raises(InputError, match="NUL"):
        store.add_context("default", "nul", "bin\x00ary")

    other, _, created = store.add_context("bob", "c", "x")
    assert created and other.id != ctx.id
    context, revision, artifact = store.answer_view("default", "c")
    assert (context, revision, artifact) == (ctx, third, None)
    with pytest.raises(NotFoundError):
        store.answer_view("carol", "c")


def test_run_lifecycle(store: Store, revision: RevisionRecord, start: Start, usage: Usage) -> None:
    run = start(revision.id, settings={"temperature": 0.0})
    assert run.status == RunStatus.RUNNING and store.get_run(run.id) == run
    store.heartbeat(run.id, rounds=2, partial_text="so\x00 far")
    alive = store.get_run(run.id)
    assert alive.partial_text == "so far" and alive.heartbeat_at >= run.heartbeat_at

    # NUL cannot be stored in PostgreSQL text: the store drops it rather than the run.
    art = store.complete_run(
        run.id, artifact_text="It opens\x00 at 9 ✓.", usage=usage, rounds=3,
        details={"stop": "done"}, anticipated=[{"question": "When?", "answer": "At 9."}],
    )  # fmt: skip
    assert art.text == "It opens at 9 ✓." and art.anticipated[0]["answer"] == "At 9."
    done = store.get_run(run.id)
    assert done.status == RunStatus.COMPLETE and done.usage == usage
    assert done.details == {"calls": 2, "stop": "done"}
    assert store.latest_artifact(revision.id) == art == store.get_artifact(art.id)
    with pytest.raises(StoreError, match="complete"):
        store.complete_run(run.id, artifact_text="again", usage=usage, rounds=1, details={})

    failed = start(revision.id)
    ended = store.fail_run(
        failed.id, status="cut_off", error="bud\x00get", usage=usage, rounds=1,
        partial_text="half", details={"why": "budget"},
    )  # fmt: skip
    assert (ended.status, ended.error, ended.partial_text) == ("cut_off", "budget", "half")
    with pytest.raises(StoreError, match="cut_off"):
        store.heartbeat(failed.id)


def _complete_with_unserialisable_json(store: Store, run: RunRecord, usage: Usage) -> None:
    store.complete_run(
        run.id, artifact_text="notes", usage=usage, rounds=1, details={},
        anticipated=[{"bad": object()}],
    )  # fmt: skip


def test_complete_run_is_atomic(
    store: Store, revision: RevisionRecord, start: Start, usage: Usage
) -> None:
    run = start(revision.id)
    # TypeError: see test_unserialisable_json_is_a_store_error
    with pytest.raises((StoreError, TypeError)):
        _complete_with_unserialisable_json(store, run, usage)
    assert store.get_run(run.id).status == RunStatus.RUNNING
    assert store.latest_artifact(revision.id) is None


def test_unserialisable_json_is_a_store_error(
    store: Store, revision: RevisionRecord, start: Start, usage: Usage
) -> None:
    run = start(revision.id)
    with pytest.raises(StoreError, match="JSON"):
        _complete_with_unserialisable_json(store, run, usage)


def test_mark_abandoned_ends_silent_runs(
    store: Store, db_url: str, revision: RevisionRecord, start: Start, usage: Usage
) -> None:
    silent, alive = start(revision.id), start(revision.id)
    engine = sa.create_engine(db_url)
    with engine.begin() as conn:  # as a killed process would leave it
        conn.execute(
            sa.text("UPDATE sleep_runs SET heartbeat_at = :t WHERE id = :id"),
            {"t": datetime.now(UTC) - timedelta(minutes=10), "id": silent.id},
        )
    engine.dispose()
    assert store.reap_abandoned(3600) == 0
    with Store.open(Settings(database_url=db_url, stale_run_s=60)):
        pass  # opening reaps
    gone = store.get_run(silent.id)
    assert gone.status == RunStatus.ABANDONED and gone.error and "no heartbeat" in gone.error
    assert store.get_run(alive.id).status == RunStatus.RUNNING
    with pytest.raises(StoreError, match="abandoned"):
        store.complete_run(silent.id, artifact_text="late", usage=usage, rounds=1, details={})
    assert store.mark_abandoned(older_than_s=60) == 0


def test_other_tenants_rows_are_not_found(store: Store, start: Start, usage: Usage) -> None:
    ctx, rev, _ = store.add_context("alice", "notes", "alice's text")
    run = start(rev.id)
    art = store.complete_run(run.id, artifact_text="n", usage=usage, rounds=1, details={})
    assert store.get_run(run.id[:8], tenant="alice") == store.get_run(run.id)
    assert [r.id for r in store.list_runs(tenant="alice")] == [run.id]
    assert store.list_runs(tenant="bob") == []
    assert store.latest_artifact(rev.id, tenant="bob") is None
    for lookup in (
        lambda: store.get_run(run.id, tenant="bob"),
        lambda: store.get_artifact(art.id, tenant="bob"),
        lambda: store.get_revision(rev.id, tenant="bob"),
        lambda: store.current_revision(ctx.id, tenant="bob"),
    ):
        with pytest.raises(NotFoundError):
            lookup()
    assert store.list_revisions(ctx.id, tenant="bob") == []
    with pytest.raises(NotFoundError):
        store.get_run("not-an-id%")


def test_queries_and_cascading_delete(store: Store, start: Start, usage: Usage) -> None:
    ctx, rev, _ = store.add_context("default", "c", "text")
    art = store.complete_run(start(rev.id).id, artifact_text="n", usage=usage, rounds=1, details={})
    common = {
        "text": "When?", "budget": 1, "layout": None, "max_tokens": None, "answer": "At 9.",
        "backend": "scripted", "model": "m", "prompt_version": "1", "usage": usage,
        "latency_s": 0.2,
    }  # fmt: skip
    q1 = store.record_query(
        context_id=ctx.id, revision_id=rev.id, artifact_id=art.id, mode="sleep", **common
    )
    q2 = store.record_query(
        context_id=ctx.id, revision_id=rev.id, artifact_id=None, mode="baseline", **common
    )
    assert store.list_queries(context_id=ctx.id) == [q2, q1]
    with pytest.raises(NotFoundError, match="no artifact"):
        store.record_query(
            context_id=ctx.id, revision_id=rev.id, artifact_id=art.id + 99, mode="sleep", **common
        )
    assert store.list_contexts("default")[0].n_queries == 2

    store.delete_context("default", "c")
    assert store.list_queries() == []
    with pytest.raises(NotFoundError):
        store.get_artifact(art.id)


def test_two_stores_write_one_context_at_once(db_url: str) -> None:
    """Writers race on one context's next revision number; every write must land."""
    writes = 40
    with Store(db_url) as one, Store(db_url) as two:
        errors: list[BaseException] = []
        barrier = threading.Barrier(2)

        def writer(store: Store, tag: str) -> None:
            barrier.wait()
            for i in range(writes):
                try:
                    store.add_context("default", "race", f"{tag} {i}")
                except BaseException as exc:  # reported below
                    errors.append(exc)

        threads = [
            threading.Thread(target=writer, args=(s, t)) for s, t in ((one, "a"), (two, "b"))
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert [str(e) for e in errors[:1]] == []
        race = one.get_context("default", "race")
        assert [r.seq for r in two.list_revisions(race.id)] == list(range(1, 2 * writes + 1))


def test_a_store_outlives_a_server_restart_and_crash(
    postgres_server: PostgresServer, store: Store
) -> None:
    ctx, _, _ = store.add_context("default", "c", "before")
    postgres_server.restart()  # pooled connections are now dead: pre-ping replaces them
    assert store.get_context("default", "c") == ctx

    postgres_server.stop()
    with pytest.raises(StoreError, match="reachable"):
        store.list_contexts("default")

    postgres_server.start()
    store.add_context("default", "c", "after a clean restart")
    postgres_server.kill()  # kill -9: the server recovers from its WAL on start
    postgres_server.start()
    assert store.current_revision(ctx.id).text == "after a clean restart"
