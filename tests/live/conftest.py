"""Fixtures of the live subscription tests: a real uvicorn server on the test database."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests.live.support import LiveClient, call_in_thread, delete_test_rows, free_port

PROJECT_ROOT = Path(__file__).resolve().parents[2]
SERVER_START_TIMEOUT_S = 60


def wait_for_health(base_url: str, process: subprocess.Popen, log_path: Path) -> None:
    deadline = time.monotonic() + SERVER_START_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"uvicorn exited with {process.returncode}:\n{log_path.read_text()[-4000:]}")
        try:
            with urllib.request.urlopen(f"{base_url}/health", timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.2)
    raise RuntimeError(f"uvicorn did not respond on /health within {SERVER_START_TIMEOUT_S} s:\n{log_path.read_text()[-4000:]}")


@pytest.fixture(scope="session")
def uvicorn_server(django_db_setup, workspaces):
    # Tests request it together with `committed_rows`, which is what makes
    # pytest-django set up the test database that this fixture checks for.
    """A uvicorn process serving config.asgi on a free loopback port, on the test database.

    Yields the websocket URL of `/graphql`. The process is another Django
    process, so it reads only committed rows.
    """
    from django.db import connection

    port = free_port()
    settings = require_test_database()
    env = dict(os.environ)
    env.update(
        {
            "DATABASE_URL": f"postgresql://{settings['USER'] or 'postgres'}@{settings['HOST'] or '127.0.0.1'}:"
            f"{settings['PORT'] or 5432}/{settings['NAME']}",
            "DEBUG": "true",
            "DRAMATIQ_STUB_BROKER": "true",
            "LOG_LEVEL": "WARNING",
        }
    )
    log_file = tempfile.NamedTemporaryFile(prefix="live-uvicorn-", suffix=".log", delete=False)
    log_path = Path(log_file.name)
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "config.asgi:application",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--lifespan",
            "off",
            "--no-access-log",
        ],
        cwd=PROJECT_ROOT,
        env=env,
        stdout=log_file,
        stderr=subprocess.STDOUT,
    )
    try:
        wait_for_health(f"http://127.0.0.1:{port}", process, log_path)
        yield f"ws://127.0.0.1:{port}/graphql"
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log_file.close()
        log_path.unlink(missing_ok=True)
        # Worker threads returned their connections to Django's pool; close
        # it so that pytest-django can drop the test database.
        if getattr(connection, "pool", None) is not None:
            connection.close_pool()


def require_test_database() -> dict:
    """Return the database settings, or fail when they do not name pytest-django's test database."""
    from django.db import connection

    settings = connection.settings_dict
    if settings["NAME"] != settings.get("TEST", {}).get("NAME"):
        raise RuntimeError(
            f"The live tests would run against database {settings['NAME']!r}, not the test database. "
            "Request the `committed_rows` fixture, which makes pytest-django create it."
        )
    return settings


@pytest.fixture
def committed_rows(db, workspaces):
    """Rows written in worker threads, committed, so the server process can read them.

    Requests `db` so that pytest-django creates the test database; its
    transaction wraps only this thread's connection, while `in_thread` and
    `call_in_thread` commit on their own. Not `transactional_db`: its
    teardown flushes the public schema, which would delete the session's
    workspaces and API keys. Deletes the test conversations and rescoring
    runs afterwards instead.
    """
    require_test_database()
    yield
    for slug in workspaces:
        call_in_thread(delete_test_rows, slug, ("live-", "probe-"))


@pytest.fixture
async def open_clients():
    """Factory of connected clients; closes every one at the end of the test."""
    clients: list[LiveClient] = []

    def make(url: str) -> LiveClient:
        client = LiveClient(url)
        clients.append(client)
        return client

    yield make
    for client in clients:
        try:
            await client.close()
        except Exception:  # noqa: BLE001 - a test may have aborted the socket already
            pass

