"""Choosing the demo's database and broker.

The database is the first that applies of: `DATABASE_URL` when it is set, the
local PostgreSQL on 127.0.0.1:5432 when it accepts connections, and an
embedded PostgreSQL (the `pgserver` package) in a data folder of the project.
The broker is `BROKER_URL` when it is set, otherwise the PostgreSQL broker on
the chosen database. So the demo needs nothing besides the Python packages.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
from psycopg import sql

from demo.embedded import EmbeddedPostgres, pgserver_installed

LOCAL_HOST = "127.0.0.1"
LOCAL_PORT = 5432
CONNECT_TIMEOUT_SECONDS = 3
CHOICES = ("auto", "url", "local", "embedded")


class DatabaseUnavailable(RuntimeError):
    """No database could be used; the message names what was tried and what to do."""


@dataclass
class DatabaseChoice:
    url: str
    description: str
    reason: str
    embedded: EmbeddedPostgres | None = None
    notes: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class BrokerChoice:
    url: str
    description: str
    reason: str


def local_url(database: str) -> str:
    return f"postgresql://postgres@{LOCAL_HOST}:{LOCAL_PORT}/{database}"


def choose_database(mode: str, database_name: str, pgdata: Path) -> DatabaseChoice:
    """Pick the database by `mode` (one of CHOICES) and make sure it exists.

    Raises DatabaseUnavailable when the requested or every automatic choice fails.
    For the embedded choice the server is started here; the caller stops it
    with `choice.embedded.stop()`.
    """
    if mode not in CHOICES:
        raise ValueError(f"Unknown database choice {mode!r}; use one of {', '.join(CHOICES)}.")
    environment_url = os.environ.get("DATABASE_URL", "").strip()

    if mode == "url" or (mode == "auto" and environment_url):
        if not environment_url:
            raise DatabaseUnavailable("--database url needs DATABASE_URL to be set.")
        if urlsplit(environment_url).scheme not in ("postgres", "postgresql"):
            raise DatabaseUnavailable(
                f"DATABASE_URL must be a postgresql:// URL, got scheme {urlsplit(environment_url).scheme!r}."
            )
        ensure_database(environment_url)
        return DatabaseChoice(
            url=environment_url,
            description=f"PostgreSQL from DATABASE_URL ({describe_url(environment_url)})",
            reason="DATABASE_URL is set",
        )

    local_problem = None
    if mode in ("auto", "local"):
        local_problem = _local_server_problem()
        if local_problem is None:
            url = local_url(database_name)
            ensure_database(url)
            reason = "DATABASE_URL is not set and it accepts connections" if mode == "auto" else "--database local was given"
            return DatabaseChoice(
                url=url,
                description=f"local PostgreSQL at {LOCAL_HOST}:{LOCAL_PORT}, database {database_name}",
                reason=reason,
            )
        if mode == "local":
            raise DatabaseUnavailable(f"The local PostgreSQL at {LOCAL_HOST}:{LOCAL_PORT} {local_problem}.")

    if not pgserver_installed():
        raise DatabaseUnavailable(
            f"No database: DATABASE_URL is not set, the local PostgreSQL at {LOCAL_HOST}:{LOCAL_PORT} "
            f"{local_problem or 'was not tried'}, and the embedded PostgreSQL package `pgserver` is not "
            "installed. Run `make install`, start PostgreSQL, or set DATABASE_URL."
        )
    return _start_embedded(pgdata, database_name, local_problem)


def _start_embedded(pgdata: Path, database_name: str, local_problem: str | None) -> DatabaseChoice:
    server = EmbeddedPostgres(pgdata)
    stale_pid = server.stop_stale_server()
    try:
        server.start()
        url = server.url(database_name)
        ensure_database(url)
    except BaseException:
        # The caller only learns of the server through the returned choice, so stop it here.
        server.stop()
        raise
    if local_problem:
        reason = f"DATABASE_URL is not set and the local PostgreSQL at {LOCAL_HOST}:{LOCAL_PORT} {local_problem}"
    else:
        reason = "--database embedded was given"
    notes = []
    if stale_pid is not None:
        notes.append(f"stopped the embedded PostgreSQL that an earlier, killed run left running (pid {stale_pid})")
    return DatabaseChoice(
        url=url,
        description=f"embedded PostgreSQL 16 (pgserver) in {server.data_dir}, port {server.port}, database {database_name}",
        reason=reason,
        embedded=server,
        notes=notes,
    )


def choose_broker(database: DatabaseChoice) -> BrokerChoice:
    broker_url = os.environ.get("BROKER_URL", "").strip()
    if broker_url:
        scheme = urlsplit(broker_url).scheme
        return BrokerChoice(url=broker_url, description=f"{scheme} broker ({describe_url(broker_url)})", reason="BROKER_URL is set")
    return BrokerChoice(
        url="",
        description="PostgreSQL broker on the same database",
        reason="BROKER_URL is not set (nothing else has to run)",
    )


def _local_server_problem() -> str | None:
    """Return None when the local PostgreSQL accepts our connection, else what went wrong."""
    try:
        with psycopg.connect(local_url("postgres"), connect_timeout=CONNECT_TIMEOUT_SECONDS):
            return None
    except psycopg.OperationalError as error:
        text = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        if "Connection refused" in text or "timeout" in text.lower():
            return "does not answer"
        return f"rejected the connection ({text})"


def ensure_database(url: str) -> bool:
    """Create the database named in `url` when it does not exist; return True when it was created.

    Connects to the server's `postgres` maintenance database to check and
    create. When that connection is not allowed, assumes the database exists
    and lets the first real connection report any problem.
    """
    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    maintenance_url = urlunsplit(parts._replace(path="/postgres"))
    try:
        with psycopg.connect(maintenance_url, connect_timeout=CONNECT_TIMEOUT_SECONDS, autocommit=True) as connection:
            exists = connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
            if exists:
                return False
            connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
            return True
    except psycopg.errors.InsufficientPrivilege:
        return False
    except psycopg.Error as error:
        raise DatabaseUnavailable(f"Could not connect to {describe_url(url)}: {str(error).strip()}") from None


def drop_database(url: str) -> None:
    """Drop the database named in `url`, ending its sessions first (PostgreSQL 13+)."""
    parts = urlsplit(url)
    maintenance_url = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(maintenance_url, connect_timeout=CONNECT_TIMEOUT_SECONDS, autocommit=True) as connection:
        connection.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(parts.path.lstrip("/")))
        )


def describe_url(url: str) -> str:
    """Return `host:port/database` from a URL, without the user name or password."""
    parts = urlsplit(url)
    host = parts.hostname or "localhost"
    port = f":{parts.port}" if parts.port else ""
    path = parts.path if parts.path not in ("", "/") else ""
    return f"{host}{port}{path}"
