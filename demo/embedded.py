"""An embedded PostgreSQL server for the demo, from the binaries bundled in `pgserver`.

`pgserver` (PyPI) ships PostgreSQL 16 inside the wheel. Its own server class
listens on a Unix socket only and stops the server from an `atexit` hook, so a
demo killed by a signal would leave PostgreSQL running. This module uses the
bundled `initdb` and `pg_ctl` directly. The server listens on 127.0.0.1, so the
API, the workers and the PostgreSQL broker all take a plain TCP URL. The demo
stops the server explicitly on shutdown, and before it starts its own it stops
a server that a killed earlier run left behind.

When the demo runs as root, PostgreSQL refuses to run, so the server runs as
the operating-system user `pgserver`, created with `useradd` when missing
(the same user `pgserver` itself uses).
"""

from __future__ import annotations

import os
import platform
import pwd
import socket
import stat
import subprocess
import warnings
from dataclasses import dataclass
from pathlib import Path

SYSTEM_USER = "pgserver"
START_TIMEOUT_SECONDS = 30
STOP_TIMEOUT_SECONDS = 30


class EmbeddedPostgresError(RuntimeError):
    """The embedded PostgreSQL could not be set up, started or stopped."""


def _import_pgserver():
    # Importing pgserver computes a runtime folder through platformdirs, which
    # warns when XDG_RUNTIME_DIR is unset. This module never uses that folder.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import pgserver._commands
        import pgserver.utils
    return pgserver


def pgserver_installed() -> bool:
    try:
        _import_pgserver()
    except ImportError:
        return False
    return True


def _binaries() -> Path:
    return _import_pgserver()._commands.POSTGRES_BIN_PATH


def free_tcp_port(host: str = "127.0.0.1") -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((host, 0))
        return probe.getsockname()[1]


@dataclass(frozen=True)
class RunningServer:
    """The server recorded in a data directory's `postmaster.pid`."""

    pid: int
    port: int | None


def read_postmaster_pid(data_dir: Path) -> RunningServer | None:
    """Return the live server recorded in `data_dir/postmaster.pid`, or None.

    None also when the file is stale: PostgreSQL removes the file on a clean
    stop, so a file whose process is gone is left by a crash or a kill and
    PostgreSQL itself replaces it on the next start.
    """
    pid_file = data_dir / "postmaster.pid"
    try:
        lines = pid_file.read_text().splitlines()
    except (FileNotFoundError, PermissionError):
        return None
    try:
        pid = int(lines[0].strip())
    except (IndexError, ValueError):
        return None
    if not _process_is_postgres(pid):
        return None
    port = None
    if len(lines) > 3 and lines[3].strip().isdigit():
        port = int(lines[3].strip())
    return RunningServer(pid=pid, port=port)


def _process_is_postgres(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass  # it exists, owned by another user
    try:
        command = Path(f"/proc/{pid}/comm").read_text().strip()
    except OSError:
        return True  # no /proc (macOS): trust the pid file
    return command in ("postgres", "postmaster")


class EmbeddedPostgres:
    """One PostgreSQL server on a data directory, started and stopped by the demo."""

    def __init__(self, data_dir: Path):
        self.data_dir = data_dir.resolve()
        self.port: int | None = None
        self.system_user = SYSTEM_USER if platform.system() != "Windows" and os.geteuid() == 0 else None

    @property
    def log_file(self) -> Path:
        return self.data_dir / "server.log"

    def url(self, database: str) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    def stop_stale_server(self) -> int | None:
        """Stop a server that a killed earlier run left running on this data directory; return its pid."""
        stale = read_postmaster_pid(self.data_dir)
        if stale is None:
            return None
        self._pg_ctl(["-m", "fast", "-w", "-t", str(STOP_TIMEOUT_SECONDS), "stop"])
        return stale.pid

    def start(self) -> None:
        """Initialise the data directory when new, then start the server on a free port of 127.0.0.1."""
        self._prepare_data_dir()
        if not (self.data_dir / "PG_VERSION").exists():
            self._run(
                _binaries() / "initdb",
                ["-D", str(self.data_dir), "--auth=trust", "--encoding=UTF8", "-U", "postgres"],
            )
        self.port = free_tcp_port()
        options = f"-h 127.0.0.1 -p {self.port} -k {self.data_dir}"
        self._pg_ctl(["-w", "-t", str(START_TIMEOUT_SECONDS), "-l", str(self.log_file), "-o", options, "start"])

    def stop(self) -> None:
        """Stop the server (fast shutdown: open sessions are ended); do nothing when it is not running."""
        if read_postmaster_pid(self.data_dir) is None:
            return
        self._pg_ctl(["-m", "fast", "-w", "-t", str(STOP_TIMEOUT_SECONDS), "stop"])

    def _prepare_data_dir(self) -> None:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        if self.system_user is None:
            return
        utils = _import_pgserver().utils
        entry = utils.ensure_user_exists(self.system_user)
        # The server user must traverse the folders above the data directory and
        # read and run the bundled binaries and libraries.
        utils.ensure_prefix_permissions(self.data_dir)
        utils.ensure_prefix_permissions(_binaries())
        readable = stat.S_IRGRP | stat.S_IROTH
        utils.ensure_folder_permissions(_binaries(), readable | stat.S_IXGRP | stat.S_IXOTH)
        utils.ensure_folder_permissions(_binaries().parent / "lib", readable)
        os.chown(self.data_dir, entry.pw_uid, entry.pw_gid)
        self.data_dir.chmod(0o700)

    def _pg_ctl(self, arguments: list[str]) -> None:
        self._run(_binaries() / "pg_ctl", ["-D", str(self.data_dir), *arguments])

    def _run(self, executable: Path, arguments: list[str]) -> None:
        user = pwd.getpwnam(self.system_user).pw_uid if self.system_user else None
        # pg_ctl start leaves the server holding inherited pipes open, so a
        # pipe-captured run would wait for the server to exit. Temporary files don't.
        with open(os.devnull, "rb") as stdin, _TempOutput() as output:
            try:
                completed = subprocess.run(
                    [str(executable), *arguments],
                    stdin=stdin,
                    stdout=output.file,
                    stderr=subprocess.STDOUT,
                    user=user,
                    cwd="/",
                    timeout=START_TIMEOUT_SECONDS + 30,
                    check=False,
                )
            except subprocess.TimeoutExpired:
                raise EmbeddedPostgresError(f"{executable.name} timed out on {self.data_dir}. See {self.log_file}.") from None
            if completed.returncode != 0:
                detail = " / ".join(output.text().strip().splitlines()[-5:])
                log_hint = f" Server log: {self.log_file}" if self.log_file.exists() else ""
                raise EmbeddedPostgresError(
                    f"{executable.name} {arguments[-1]} failed (exit {completed.returncode}) "
                    f"on {self.data_dir}: {detail}.{log_hint}"
                )


class _TempOutput:
    """A temporary file that collects a command's output."""

    def __enter__(self) -> _TempOutput:
        import tempfile

        self.file = tempfile.TemporaryFile("w+")
        return self

    def text(self) -> str:
        self.file.seek(0)
        return self.file.read()

    def __exit__(self, *exc_info) -> None:
        self.file.close()
