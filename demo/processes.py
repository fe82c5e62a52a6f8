"""The demo's child processes: the API server and a scoring worker.

Each child runs in its own session, so a Ctrl-C in the terminal reaches only
the demo, which then stops the children itself. On Linux each child also
gets SIGTERM from the kernel when the demo dies, so a killed demo leaves no
server or worker behind.
"""

from __future__ import annotations

import ctypes
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections import deque
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
STOP_TIMEOUT_SECONDS = 15
SERVER_START_TIMEOUT_SECONDS = 120
MAX_PORT_ATTEMPTS = 20

_PR_SET_PDEATHSIG = 1


class ChildProcessFailed(RuntimeError):
    """A child process exited or did not become ready; the message names its log file."""


def _die_with_parent() -> None:
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


def port_is_free(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        # As uvicorn does: connections of an earlier server in TIME_WAIT must not count as taken.
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError:
            return False
    return True


def pick_port(requested: int) -> int:
    """Return `requested` when it is free, else the next free port above it.

    Raises ChildProcessFailed when none of the next MAX_PORT_ATTEMPTS ports is free.
    """
    for port in range(requested, requested + MAX_PORT_ATTEMPTS):
        if port_is_free(port):
            return port
    raise ChildProcessFailed(
        f"Ports {requested} to {requested + MAX_PORT_ATTEMPTS - 1} on 127.0.0.1 are all taken. Pick another with PORT=..."
    )


class ChildProcess:
    """One child process whose output goes to a log file."""

    def __init__(self, name: str, command: list[str], environment: dict[str, str], log_file: Path):
        self.name = name
        self.command = command
        self.environment = environment
        self.log_file = log_file
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.log_file.parent.mkdir(parents=True, exist_ok=True)
        with open(self.log_file, "ab") as log, open(os.devnull, "rb") as stdin:
            self.process = subprocess.Popen(
                self.command,
                cwd=PROJECT_ROOT,
                env=self.environment,
                stdin=stdin,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                preexec_fn=_die_with_parent,
            )

    @property
    def pid(self) -> int | None:
        return self.process.pid if self.process else None

    def exit_code(self) -> int | None:
        """Return the exit code when the process has exited, else None."""
        return self.process.poll() if self.process else None

    def log_tail(self, lines: int = 15) -> str:
        try:
            with open(self.log_file, encoding="utf-8", errors="replace") as log:
                return "".join(deque(log, maxlen=lines)).rstrip()
        except FileNotFoundError:
            return ""

    def check_alive(self) -> None:
        """Raise ChildProcessFailed with the end of the log when the process has exited."""
        code = self.exit_code()
        if code is not None:
            raise ChildProcessFailed(
                f"The {self.name} stopped (exit code {code}). Last lines of {self.log_file}:\n{self.log_tail()}"
            )

    def terminate(self) -> None:
        """Send SIGTERM when the process runs; `wait_or_kill` then collects it."""
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()

    def wait_or_kill(self, timeout_seconds: float = STOP_TIMEOUT_SECONDS) -> None:
        """Wait for the process to exit, and send SIGKILL after `timeout_seconds`."""
        if self.process is None:
            return
        try:
            self.process.wait(timeout_seconds)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def child_environment(
    base: dict[str, str], database_url: str, broker_url: str, secret_key: str | None
) -> dict[str, str]:
    """Return the children's environment: `base` (the caller's own, as the demo started) plus the choices."""
    environment = dict(base)
    environment["DATABASE_URL"] = database_url
    environment["BROKER_URL"] = broker_url
    environment["PYTHONUNBUFFERED"] = "1"
    # The in-memory stub broker (a test setting) would keep jobs away from the worker process.
    environment["DRAMATIQ_STUB_BROKER"] = "false"
    if secret_key is not None:
        environment["SECRET_KEY"] = secret_key
    return environment


def api_server(port: int, environment: dict[str, str], log_dir: Path) -> ChildProcess:
    command = [
        sys.executable, "-m", "uvicorn", "config.asgi:application",
        "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning",
        # Without a limit, uvicorn waits on SIGTERM until every websocket client has gone.
        "--timeout-graceful-shutdown", "5",
    ]
    return ChildProcess("API server", command, environment, log_dir / "demo-server.log")


def worker(environment: dict[str, str], log_dir: Path) -> ChildProcess:
    command = [sys.executable, "manage.py", "run_worker"]
    return ChildProcess("worker", command, environment, log_dir / "demo-worker.log")


def wait_for_health(server: ChildProcess, base_url: str, timeout_seconds: float = SERVER_START_TIMEOUT_SECONDS) -> float:
    """Poll `/health` until it returns 200; return the seconds it took.

    Raises ChildProcessFailed when the server exits or does not answer in time.
    """
    started = time.monotonic()
    deadline = started + timeout_seconds
    while time.monotonic() < deadline:
        server.check_alive()
        try:
            with urllib.request.urlopen(f"{base_url}/health", timeout=2) as response:
                if response.status == 200:
                    return time.monotonic() - started
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.3)
    raise ChildProcessFailed(
        f"The API server did not respond on {base_url}/health within {timeout_seconds:.0f} s. "
        f"Last lines of {server.log_file}:\n{server.log_tail()}"
    )
