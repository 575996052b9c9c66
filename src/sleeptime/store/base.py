"""The part of ``Store`` every table group shares: the engine and one short transaction per call."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from types import TracebackType
from typing import Self

from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from sleeptime.errors import SleeptimeError, StoreError
from sleeptime.store.db import BEGIN_OPTION, describe, hint, make_engine, mask_url, migrate


class Conflict(Exception):
    """A concurrent writer won a unique-constraint race; the caller may retry once."""


class StoreBase:
    """Owns the engine; subclasses add the methods for one group of tables each."""

    def __init__(self, url: str) -> None:
        """Open the database at ``url`` and migrate it to the newest schema."""
        self._engine = make_engine(url)
        try:
            migrate(self._engine)
        except BaseException:
            self._engine.dispose()
            raise
        self._sessions = sessionmaker(self._engine, expire_on_commit=False)
        self._sqlite = self._engine.dialect.name == "sqlite"
        self._closed = False

    @property
    def dialect(self) -> str:
        """``sqlite`` or ``postgresql``."""
        return str(self._engine.dialect.name)

    @property
    def connect_url(self) -> str:
        """The database URL with its password, for another client of the same database."""
        return self._engine.url.render_as_string(hide_password=False)

    @property
    def url(self) -> str:
        """The database URL with any password masked."""
        return mask_url(self._engine.url)

    def close(self) -> None:
        """Release all pooled connections; the store cannot be used afterwards."""
        self._closed = True
        self._engine.dispose()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.url!r})"

    @contextmanager
    def _errors(self, action: str, *, conflict: bool = False) -> Iterator[None]:
        """Turn database errors into ``StoreError`` (or ``Conflict``) that say what to do."""
        if self._closed:
            raise StoreError(f"the store for {self.url} is closed; open a new Store")
        try:
            yield
        except SleeptimeError:
            raise
        except IntegrityError as exc:
            if conflict:
                raise Conflict(describe(exc)) from exc
            raise StoreError(
                f"database rejected {action}: {describe(exc)}; "
                "a related row may have been deleted meanwhile — retry"
            ) from exc
        except SQLAlchemyError as exc:
            raise StoreError(
                f"database error while {action} in {self.url}: {describe(exc)}; {hint(exc)}"
            ) from exc
        except TypeError as exc:
            # psycopg serialises JSON itself and raises a bare TypeError for a value that
            # is not JSON; SQLite's path wraps the same fault in a StatementError.
            raise StoreError(
                f"database rejected {action}: a value could not be stored ({exc}); "
                "is it JSON-serialisable?"
            ) from exc

    @contextmanager
    def _conn(self, action: str, *, write: bool = False) -> Iterator[Connection]:
        """Like ``_tx`` but a bare Core connection: the hot query path skips the ORM."""
        with self._errors(action), self._engine.connect() as connection:
            if write and self._sqlite:
                connection.execution_options(**{BEGIN_OPTION: "BEGIN IMMEDIATE"})
            with connection.begin():
                yield connection

    @contextmanager
    def _tx(self, action: str, *, write: bool = False, conflict: bool = False) -> Iterator[Session]:
        """Run the body in one transaction, turning database errors into ``StoreError``.

        ``write`` takes SQLite's write lock up front, so two writers queue on the busy
        timeout instead of one failing when it upgrades a read lock. With ``conflict``,
        an integrity error is raised as ``Conflict`` so the caller can retry.
        """
        with self._errors(action, conflict=conflict), self._sessions.begin() as session:
            if write and self._sqlite:
                session.connection(execution_options={BEGIN_OPTION: "BEGIN IMMEDIATE"})
            yield session
