"""A throw-away PostgreSQL server for the ledger-store tests: ``initdb`` + ``pg_ctl`` in a
temporary folder, listening on a unix socket only, stopped at the end.

Use the fixtures by importing them into a test module::

    from pg_server import pg_server  # noqa: F401

When the server binaries are missing the tests skip with a message saying how to install them;
with ``CI=true`` they fail instead (CI installs Debian's ``postgresql`` package in ``.ci/run``).
As root (CI, containers) the server runs as the ``postgres`` user, since ``initdb`` refuses root.
When the session's server starts, its version is written to the test log, so that the log shows
the PostgreSQL tests ran against a real server.
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")

INSTALL_HINT = (
    "PostgreSQL server binaries (initdb, pg_ctl, postgres) were not found: install them "
    "(Debian/Ubuntu: apt-get install postgresql; Fedora: dnf install postgresql-server; macOS: "
    "brew install postgresql) or point PRIVTRAFFIC_PG_BIN at their folder"
)


def server_bin() -> Path | None:
    """The folder holding ``initdb`` and ``pg_ctl``, or ``None``."""
    candidates = [os.environ.get("PRIVTRAFFIC_PG_BIN", "")]
    found = shutil.which("initdb")
    if found:
        candidates.append(str(Path(found).parent))
    candidates += sorted(
        glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: int(p.split("/")[-2]), reverse=True
    )
    for folder in candidates:
        if folder and (Path(folder) / "initdb").exists() and (Path(folder) / "pg_ctl").exists():
            return Path(folder)
    return None


def require_server_bin() -> Path:
    """The binaries' folder; skip (locally) or fail (``CI=true``) when there are none."""
    folder = server_bin()
    if folder is None:
        if IN_CI:
            pytest.fail(f"CI=true, so the PostgreSQL tests must run: {INSTALL_HINT}")
        pytest.skip(INSTALL_HINT)
    return folder


class PgServer:
    """One throw-away server: :meth:`start`, :meth:`stop`, :meth:`dsn` and :meth:`new_database`."""

    def __init__(self, bin_dir: Path) -> None:
        self.bin = bin_dir
        self.root = Path(tempfile.mkdtemp(prefix="privtraffic-pg-"))
        self.data = self.root / "data"
        self.log = self.root / "server.log"
        self.port = 5432  # a unix socket in our own folder: no clash with other servers
        self.as_postgres = os.geteuid() == 0
        if self.as_postgres:
            shutil.chown(self.root, user="postgres")
        self._run("initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres", "-E", "UTF8",
                  "--no-sync")  # fmt: skip
        self.version = ""

    def _run(self, tool: str, *args: str) -> str:
        command = [str(self.bin / tool), *args]
        if self.as_postgres:
            command = ["runuser", "-u", "postgres", "--", *command]
        done = subprocess.run(command, capture_output=True, text=True, timeout=120)
        if done.returncode != 0:
            log = self.log.read_text() if self.log.exists() else ""
            raise RuntimeError(f"{' '.join(command)} failed:\n{done.stdout}{done.stderr}{log}")
        return done.stdout

    def start(self) -> None:
        options = f"-k {self.root} -c listen_addresses='' -p {self.port} -c max_connections=60"
        self._run("pg_ctl", "-D", str(self.data), "-o", options, "-l", str(self.log), "-w",
                  "-t", "60", "start")  # fmt: skip
        import psycopg

        with psycopg.connect(self.dsn("postgres")) as conn:
            self.version = str(conn.execute("SHOW server_version").fetchone()[0])

    def stop(self, mode: str = "fast") -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "stop")

    def dsn(self, dbname: str) -> str:
        return f"host={self.root} port={self.port} user=postgres dbname={dbname}"

    def new_database(self) -> str:
        """A fresh, empty database; its DSN."""
        import psycopg

        name = f"t_{uuid.uuid4().hex[:12]}"
        with psycopg.connect(self.dsn("postgres"), autocommit=True) as conn:
            conn.execute(f"CREATE DATABASE {name}")
        return self.dsn(name)

    def remove(self) -> None:
        shutil.rmtree(self.root, ignore_errors=True)


@pytest.fixture(scope="session")
def pg_server(request: pytest.FixtureRequest) -> Iterator[PgServer]:
    """The session's PostgreSQL server (started on first use)."""
    pytest.importorskip("psycopg")
    server = PgServer(require_server_bin())
    server.start()
    reporter = request.config.pluginmanager.get_plugin("terminalreporter")
    if reporter is not None:
        reporter.write_line(
            f"\nPostgreSQL ledger-store tests: real server {server.version} "
            f"({server.bin}) on a unix socket in {server.root}"
        )
    try:
        yield server
    finally:
        try:
            server.stop("immediate")
        finally:
            server.remove()


@pytest.fixture
def pg_dsn(pg_server: PgServer) -> str:
    """A fresh database on the session's server."""
    return pg_server.new_database()


@pytest.fixture
def own_pg_server() -> Iterator[PgServer]:
    """A server of the test's own, which the test may stop and start again."""
    pytest.importorskip("psycopg")
    server = PgServer(require_server_bin())
    server.start()
    try:
        yield server
    finally:
        try:
            server.stop("immediate")
        except RuntimeError:
            pass  # already stopped by the test
        server.remove()
