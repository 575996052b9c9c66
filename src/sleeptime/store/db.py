"""Open a database engine and bring its schema to the newest migration.

SQLite files get WAL, foreign keys and a busy timeout so several processes can share one
file; every SQLite transaction is begun explicitly so DDL is transactional and writers can
take the lock up front (``BEGIN IMMEDIATE``) instead of failing halfway.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util import CommandError
from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import (
    ArgumentError,
    DBAPIError,
    NoSuchModuleError,
    OperationalError,
    SQLAlchemyError,
    StatementError,
)

from sleeptime.errors import StoreError
from sleeptime.store.schema import VERSION_TABLE

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
SQLITE_BUSY_TIMEOUT_MS = 30_000
"""How long a SQLite writer waits for another process's lock before giving up."""
BEGIN_OPTION = "sleeptime_sqlite_begin"
"""Execution option naming the statement that opens a SQLite transaction."""
_PG_MIGRATION_LOCK = 0x5EE9_71E0
"""Advisory-lock key that serialises concurrent migrations on PostgreSQL."""

WHAT_TO_DO = (
    "check that the path is writable (or the server reachable), "
    "or point SLEEPTIME_DATABASE_URL at another database"
)


def describe(exc: BaseException) -> str:
    """Return the driver's own message for a database error, without SQLAlchemy's boilerplate."""
    orig = getattr(exc, "orig", None)
    message = str(orig) if orig is not None else str(exc)
    return message.strip().splitlines()[0] if message.strip() else type(exc).__name__


def hint(exc: BaseException) -> str:
    """Return the next step for a database error, judged from the error itself."""
    message = describe(exc).lower()
    if isinstance(exc, StatementError) and not isinstance(exc, DBAPIError):
        return "a value could not be converted for the database (is it JSON-serialisable?)"
    if "not a database" in message:
        return "move the file away or point SLEEPTIME_DATABASE_URL at another database"
    if isinstance(exc, OperationalError) and "locked" in message:
        return (
            "another process kept the database locked too long; retry, "
            "or use PostgreSQL (SLEEPTIME_DATABASE_URL) for many concurrent writers"
        )
    if "readonly" in message or "read-only" in message:
        return "the database is read-only; check its file permissions or set SLEEPTIME_DATABASE_URL"
    return WHAT_TO_DO


def mask_url(url: str | URL) -> str:
    """Render a database URL with its password hidden, for messages and logs."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return "<unparseable database URL>"


def parse_url(url: str) -> URL:
    """Parse a URL, sending bare ``postgresql://`` to psycopg 3 (the driver of our extra)."""
    bad = next((ch for ch in url if 0xDC80 <= ord(ch) <= 0xDCFF), None)
    if bad is not None:
        # Undecodable bytes from the command line or environment: no driver can use them,
        # and the URL is not echoed, as it may hold a password.
        raise StoreError(
            f"the database URL contains the byte 0x{ord(bad) - 0xDC00:02x}, which is not "
            "valid UTF-8; give SLEEPTIME_DATABASE_URL, --db or SLEEPTIME_DATA_DIR as UTF-8 text"
        )
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise StoreError(
            f"cannot parse database URL {url!r}: {exc}; use sqlite:///PATH or "
            "postgresql+psycopg://USER:PASSWORD@HOST/DB in SLEEPTIME_DATABASE_URL"
        ) from exc
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed


def _prepare_sqlite_path(url: URL) -> None:
    database = url.database
    if not database or database == ":memory:" or database.startswith("file:"):
        return
    directory = Path(database).expanduser().parent
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise StoreError(
            f"cannot create the directory {directory} for the database: {exc}; "
            "check the path is writable, or set SLEEPTIME_DATA_DIR or SLEEPTIME_DATABASE_URL"
        ) from exc


def _install_sqlite_hooks(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Take transaction control away from the sqlite3 module, which would not begin
        # a transaction before DDL; "begin" below emits our own BEGIN instead.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
            cursor.execute("PRAGMA journal_mode = WAL")
            cursor.execute("PRAGMA synchronous = NORMAL")
            cursor.execute("PRAGMA foreign_keys = ON")
        finally:
            cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        connection.exec_driver_sql(connection.get_execution_options().get(BEGIN_OPTION, "BEGIN"))


def make_engine(url: str) -> Engine:
    """Create an engine for ``url``; raise ``StoreError`` saying what to install or fix."""
    parsed = parse_url(url)
    if parsed.get_backend_name() == "sqlite":
        _prepare_sqlite_path(parsed)
    try:
        engine = create_engine(parsed, pool_pre_ping=parsed.get_backend_name() != "sqlite")
    except (ImportError, NoSuchModuleError) as exc:
        if parsed.get_backend_name() == "postgresql":
            raise StoreError(
                f"the PostgreSQL driver is not installed ({exc}); "
                "run: pip install 'sleeptime[postgres]'"
            ) from exc
        raise StoreError(
            f"no database driver for {mask_url(parsed)} ({exc}); "
            "use a sqlite:/// or postgresql+psycopg:// URL"
        ) from exc
    except (SQLAlchemyError, ValueError, TypeError) as exc:
        raise StoreError(f"cannot use database URL {mask_url(parsed)}: {exc}") from exc
    if parsed.get_backend_name() == "sqlite":
        _install_sqlite_hooks(engine)
    return engine


def alembic_config(connection: Connection | None = None) -> Config:
    """Return an Alembic config for the packaged migrations, bound to ``connection``."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    if connection is not None:
        url = connection.engine.url.render_as_string(hide_password=False)
        # configparser interpolates '%', which may appear in URL-encoded passwords.
        config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
        config.attributes["connection"] = connection
    return config


def head_revision() -> str:
    """Return the newest migration id shipped with this version of sleeptime."""
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None, "the packaged migrations have no head"
    return head


def _current_revision(connection: Connection) -> str | None:
    context = MigrationContext.configure(connection, opts={"version_table": VERSION_TABLE})
    return context.get_current_revision()


def _check_known(current: str | None, script: ScriptDirectory, url: str) -> None:
    if current is None:
        return
    try:
        script.get_revision(current)
    except CommandError as exc:
        raise StoreError(
            f"the database {url} has schema revision {current!r}, which this version of "
            "sleeptime does not know (it was probably written by a newer sleeptime); "
            "upgrade sleeptime, or point SLEEPTIME_DATABASE_URL at another database"
        ) from exc


def migrate(engine: Engine) -> None:
    """Upgrade the schema to head in one transaction; a no-op when it is already there."""
    url = mask_url(engine.url)
    script = ScriptDirectory.from_config(alembic_config())
    head = script.get_current_head()
    try:
        with engine.connect() as connection:
            current = _current_revision(connection)
            connection.rollback()
        _check_known(current, script, url)
        if current == head:
            return
        with engine.connect() as connection:
            connection.execution_options(**{BEGIN_OPTION: "BEGIN IMMEDIATE"})
            with connection.begin():
                if engine.dialect.name == "postgresql":
                    connection.execute(
                        text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_MIGRATION_LOCK}
                    )
                # Alembic re-reads the version inside this locked transaction, so a
                # process that lost the race to migrate finds nothing left to do.
                command.upgrade(alembic_config(connection), "head")
    except StoreError:
        raise
    except (SQLAlchemyError, CommandError, OSError) as exc:
        raise StoreError(
            f"cannot open or migrate the database {url}: {describe(exc)}; {hint(exc)}"
        ) from exc
