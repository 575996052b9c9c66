"""Opening, migrating and sharing database files."""

from __future__ import annotations

import importlib.util
import sqlite3
import threading
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from sleeptime.errors import StoreError
from sleeptime.settings import Settings
from sleeptime.store import Store
from sleeptime.store.db import head_revision, mask_url
from sleeptime.store.schema import VERSION_TABLE, Base


def test_migrations_match_the_orm_metadata(store: Store, db_url: str) -> None:
    engine = sa.create_engine(db_url)
    with engine.connect() as conn:
        context = MigrationContext.configure(
            conn, opts={"version_table": VERSION_TABLE, "compare_type": True}
        )
        assert compare_metadata(context, Base.metadata) == []
        assert context.get_current_revision() == head_revision()
    engine.dispose()


def test_reopening_keeps_data_and_does_not_remigrate(db_url: str, tmp_path: Path) -> None:
    with Store(db_url) as first:
        ctx, rev, _ = first.add_context("default", "kept", "persistent text")
    for _ in range(2):
        with Store(db_url) as again:
            assert again.get_context("default", "kept") == ctx
            assert again.current_revision(ctx.id) == rev
    versions = sqlite3.connect(tmp_path / "sleeptime.db").execute(
        f"SELECT version_num FROM {VERSION_TABLE}"
    )
    assert versions.fetchall() == [(head_revision(),)]


def test_sqlite_file_uses_wal(store: Store, tmp_path: Path) -> None:
    conn = sqlite3.connect(tmp_path / "sleeptime.db")
    assert conn.execute("PRAGMA journal_mode").fetchone() == ("wal",)
    conn.close()


def test_two_stores_share_one_file(db_url: str) -> None:
    with Store(db_url) as one, Store(db_url) as two:
        ctx, _, _ = one.add_context("default", "shared", "v1")
        assert two.get_context("default", "shared") == ctx
        _, rev2, created = two.add_context("default", "shared", "v2")
        assert created and one.current_revision(ctx.id) == rev2

        errors: list[BaseException] = []

        def writer(store: Store, tag: str) -> None:
            try:
                for i in range(15):
                    store.add_context("default", "race", f"{tag} {i}")
                    store.add_context("default", f"{tag}-{i}", "x")
            except BaseException as exc:  # reported below
                errors.append(exc)

        threads = [
            threading.Thread(target=writer, args=(s, tag)) for s, tag in ((one, "a"), (two, "b"))
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert errors == []
        race = one.get_context("default", "race")
        assert [r.seq for r in two.list_revisions(race.id)] == list(range(1, 31))
        assert len(one.list_contexts("default")) == 32


def test_open_uses_settings_and_creates_directories(tmp_path: Path) -> None:
    data_dir = tmp_path / "deep" / "data"
    with Store.open(Settings(data_dir=data_dir, database_url=None)) as store:
        assert (data_dir / "sleeptime.db").is_file()
        assert store.url == f"sqlite:///{data_dir / 'sleeptime.db'}"


def test_open_honours_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "env.db"
    monkeypatch.setenv("SLEEPTIME_DATABASE_URL", f"sqlite:///{path}")
    with Store.open() as store:
        store.add_context("default", "c", "t")
    assert path.is_file()


def test_unwritable_location_is_a_store_error(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    with pytest.raises(StoreError, match="writable") as info:
        Store(f"sqlite:///{blocker / 'sub' / 'db.sqlite'}")
    assert "SLEEPTIME_DATABASE_URL" in str(info.value)


def test_a_file_that_is_not_a_database_is_a_store_error(tmp_path: Path) -> None:
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(StoreError, match="SLEEPTIME_DATABASE_URL"):
        Store(f"sqlite:///{junk}")


def test_a_database_from_a_newer_version_is_refused(db_url: str, tmp_path: Path) -> None:
    Store(db_url).close()
    conn = sqlite3.connect(tmp_path / "sleeptime.db")
    conn.execute(f"UPDATE {VERSION_TABLE} SET version_num = '9999'")
    conn.commit()
    conn.close()
    with pytest.raises(StoreError, match="newer sleeptime"):
        Store(db_url)


def test_postgres_url_without_driver_says_what_to_install() -> None:
    url = "postgresql://user:s3cret@127.0.0.1:1/sleeptime"
    with pytest.raises(StoreError) as info:
        Store(url)
    message = str(info.value)
    assert "s3cret" not in message
    if importlib.util.find_spec("psycopg") is None:
        assert "pip install 'sleeptime[postgres]'" in message


def test_bad_urls_and_closed_stores(db_url: str) -> None:
    with pytest.raises(StoreError, match="SLEEPTIME_DATABASE_URL"):
        Store("not a url")
    with pytest.raises(StoreError, match="driver"):
        Store("nosuchdb://x/y")
    store = Store(db_url)
    store.close()
    with pytest.raises(StoreError, match="closed"):
        store.list_contexts("default")


def test_mask_url_hides_passwords() -> None:
    masked = mask_url("postgresql+psycopg://me:hunter2@db.example/sleep")
    assert "hunter2" not in masked and "me:***@db.example" in masked
