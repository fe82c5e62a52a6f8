"""`python -m demo`: set up, run and show the whole product on a set of conversations.

The steps: pick the database and broker, migrate, prepare the workspace and a
key, and start the API server and a worker. Then subscribe to `scoreUpdated`,
send the conversations, follow scoring to the end and print the report.
Finally keep serving until Ctrl-C, and stop everything this process started.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import secrets
import signal
import sys
import time
from pathlib import Path

from config.env import ImproperlyConfiguredEnv
from demo import console
from demo.data import SAMPLE_FILE
from demo.database import CHOICES, DatabaseChoice, DatabaseUnavailable, choose_broker, choose_database
from demo.embedded import EmbeddedPostgresError
from demo.graphql_client import GraphQLClient, GraphQLRequestFailed
from demo.processes import (
    PROJECT_ROOT,
    STOP_TIMEOUT_SECONDS,
    ChildProcess,
    ChildProcessFailed,
    api_server,
    child_environment,
    pick_port,
    wait_for_health,
    worker,
)
from demo.progress import FollowSettings, ScoringStalled, send_and_follow
from demo.read import fetch_detail, fetch_scored
from demo.report import format_report, summarize
from demo.workspace import MigrationFailed, WorkspaceSetupFailed

DEFAULT_WORKSPACE = "demo"
DEFAULT_DATABASE_NAME = "aixs_demo"
DEFAULT_LABEL_COLUMN = "satisfaction_mean"
EXIT_FAILED = 1
EXIT_INTERRUPTED = 130

EXPECTED_FAILURES = (
    ImproperlyConfiguredEnv,
    DatabaseUnavailable,
    EmbeddedPostgresError,
    MigrationFailed,
    WorkspaceSetupFailed,
    ChildProcessFailed,
    GraphQLRequestFailed,
    ScoringStalled,
)


class Interrupted(BaseException):
    """SIGINT or SIGTERM arrived; the demo stops what it started.

    A BaseException, like KeyboardInterrupt, so that `except Exception`
    around a step (migrations, for one) does not turn it into a failure.
    """


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m demo",
        description="Run the whole product locally on sample conversations (or your own JSONL file).",
    )
    parser.add_argument("--data", type=Path, default=SAMPLE_FILE, help="JSONL file, one conversation per line (default: the 50 samples).")
    parser.add_argument("--labels", type=Path, help="CSV of human ratings by externalId; prints the agreement table.")
    parser.add_argument("--label-column", default=DEFAULT_LABEL_COLUMN, help=f"Column of --labels to compare with (default: {DEFAULT_LABEL_COLUMN}).")
    parser.add_argument("--port", type=int, default=8000, help="Port of the API server on 127.0.0.1; the next free one is used when taken (default: 8000).")
    parser.add_argument("--workspace", default=DEFAULT_WORKSPACE, help=f"Workspace slug, created when missing (default: {DEFAULT_WORKSPACE}).")
    parser.add_argument("--no-serve", action="store_true", help="Exit after the report instead of serving until Ctrl-C.")
    parser.add_argument(
        "--database", choices=CHOICES, default="auto",
        help="auto: DATABASE_URL, else local PostgreSQL on 127.0.0.1:5432, else embedded (default: auto).",
    )
    parser.add_argument("--database-name", default=DEFAULT_DATABASE_NAME, help=f"Database for the local or embedded choice (default: {DEFAULT_DATABASE_NAME}).")
    parser.add_argument("--state-dir", type=Path, default=PROJECT_ROOT / "var", help="Folder for the embedded data directory (pgdata/) and logs (log/) (default: var/).")
    parser.add_argument("--batch-size", type=int, default=50, help="Conversations per ingest call (default: 50).")
    parser.add_argument("--timeout", type=float, default=300, help="Seconds without any conversation finishing before the demo gives up (default: 300).")
    return parser


def main(argv: list[str] | None = None) -> int:
    options = build_parser().parse_args(argv)
    problem = _check_options(options)
    if problem:
        console.fail(problem)
        return 2

    _raise_on_signals()
    demo = DemoRun(options)
    try:
        demo.run()
        return 0
    except (Interrupted, KeyboardInterrupt):
        console.line("")
        console.step("Stopping", f"interrupted; the worker may finish its current job first (up to {STOP_TIMEOUT_SECONDS} s)")
        return 0 if demo.serving else EXIT_INTERRUPTED
    except EXPECTED_FAILURES as error:
        console.fail(str(error))
        return EXIT_FAILED
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # a second Ctrl-C must not cut the clean-up short
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        demo.stop()


def _check_options(options) -> str | None:
    if not options.data.is_file():
        return f"Data file not found: {options.data}"
    if options.labels is not None and not options.labels.is_file():
        return f"Labels file not found: {options.labels}"
    if options.batch_size < 1:
        return f"--batch-size must be at least 1, got {options.batch_size}"
    if not 1 <= options.port <= 65535:
        return f"--port must be between 1 and 65535, got {options.port}"
    return None


def _raise_on_signals() -> None:
    def handler(signum, frame):
        raise Interrupted(signal.Signals(signum).name)

    signal.signal(signal.SIGINT, handler)
    signal.signal(signal.SIGTERM, handler)


class DemoRun:
    def __init__(self, options):
        self.options = options
        self.database: DatabaseChoice | None = None
        self.children: list[ChildProcess] = []
        self.serving = False
        self.django_ready = False

    def run(self) -> None:
        options = self.options
        started = time.monotonic()
        # Taken before configure_django adjusts this process's own environment.
        base_environment = dict(os.environ)

        self.database = choose_database(options.database, options.database_name, options.state_dir / "pgdata")
        for note in self.database.notes:
            console.step("Database", note)
        console.step("Database", f"{self.database.description}; chosen because {self.database.reason}")
        broker = choose_broker(self.database)
        console.step("Broker", f"{broker.description}; chosen because {broker.reason}")
        secret_key = _secret_key(options.state_dir)

        from demo import workspace as workspace_setup

        workspace_setup.configure_django(self.database.url, broker.url, secret_key)
        self.django_ready = True
        migrate_started = time.monotonic()
        workspace_setup.migrate()
        console.step("Migrations", f"applied to the public schema and every workspace ({time.monotonic() - migrate_started:.1f} s)")
        prepared = _prepare_workspace(options.workspace)
        workspace_setup.close_connections()
        state = "created" if prepared.created else "reused"
        revoked = f"; revoked {prepared.revoked_keys} key(s) of earlier runs" if prepared.revoked_keys else ""
        console.step("Workspace", f"{prepared.slug} ({state}), new API key with every scope{revoked}")

        port = pick_port(options.port)
        if port != options.port:
            console.step("Port", f"{options.port} is taken; using {port}")
        base_url = f"http://127.0.0.1:{port}"
        environment = child_environment(base_environment, self.database.url, broker.url, secret_key)
        log_dir = options.state_dir / "log"
        server = api_server(port, environment, log_dir)
        worker_process = worker(environment, log_dir)
        self.children = [worker_process, server]
        server.start()
        worker_process.start()
        ready_seconds = wait_for_health(server, base_url)
        console.step("API server", f"{base_url} (pid {server.pid}, ready in {ready_seconds:.1f} s, log {server.log_file})")
        console.step("Worker", f"manage.py run_worker (pid {worker_process.pid}, log {worker_process.log_file})")

        client = GraphQLClient(base_url, prepared.key)
        websocket_url = f"ws://127.0.0.1:{port}/graphql"
        console.step("Data", f"{_display_path(options.data)}, sent in batches of {options.batch_size} through ingestConversations")
        follow_started = time.monotonic()
        follow_settings = FollowSettings(
            batch_size=options.batch_size,
            stall_timeout_seconds=options.timeout,
            check_children=self._check_children,
            say=console.step_line,
        )
        try:
            tracker = asyncio.run(
                _cancel_on_signals(send_and_follow(client, websocket_url, options.data, follow_settings))
            )
        finally:
            _raise_on_signals()  # asyncio removed its handlers and left the defaults
        scoring_seconds = time.monotonic() - follow_started
        console.step(
            "Scoring",
            f"{len(tracker.scored)} scored, {len(tracker.failed)} failed, {len(tracker.rejected)} rejected "
            f"in {scoring_seconds:.1f} s ({tracker.events_received} score updates received live"
            + (f"; {tracker.unchanged} unchanged since an earlier run" if tracker.unchanged else "")
            + ")",
        )
        _print_problems(tracker)

        summary = summarize(fetch_scored(client, tracker.conversation_ids))
        summary["worst"] = [fetch_detail(client, conversation["id"]) for conversation in summary["worst"]]
        console.line("")
        console.line(format_report(summary, failed=len(tracker.failed), rejected=len(tracker.rejected)))

        if options.labels is not None:
            console.line("")
            self._print_agreement(environment)

        console.line("")
        example_id = summary["worst"][0]["externalId"] if summary["worst"] else "demo-001"
        console.line(console.usage(base_url, prepared.key, options.workspace, example_id))
        console.step("Total", f"{time.monotonic() - started:.1f} s from start to report")
        if options.no_serve:
            return
        self.serving = True
        console.line("")
        console.line(f"Serving at {base_url}/graphql. Press Ctrl-C to stop.")
        while True:
            self._check_children()
            time.sleep(1)

    def _check_children(self) -> None:
        for child in self.children:
            child.check_alive()

    def _print_agreement(self, environment: dict[str, str]) -> None:
        import subprocess

        command = [
            sys.executable, "manage.py", "evaluate", self.options.workspace,
            "--labels", str(self.options.labels.resolve()), "--column", self.options.label_column,
        ]
        console.step("Agreement", f"manage.py evaluate {self.options.workspace} --labels {_display_path(self.options.labels)} --column {self.options.label_column}")
        # With log records silenced, stderr holds only the command's own notes (labels joined, rows skipped).
        quiet = {**environment, "LOG_LEVEL": "WARNING"}
        completed = subprocess.run(command, cwd=PROJECT_ROOT, env=quiet, capture_output=True, text=True)
        if completed.returncode != 0:
            detail = (completed.stderr or completed.stdout).strip().splitlines()[-5:]
            console.warn("The evaluation command failed: " + " / ".join(detail))
            return
        if completed.stderr.strip():
            console.line(completed.stderr.strip())
        console.line(completed.stdout.rstrip())

    def stop(self) -> None:
        """Stop the worker and the API server, then the embedded PostgreSQL; each only if this run started it."""
        stopped = []
        running = [child for child in self.children if child.pid is not None and child.exit_code() is None]
        # All at once: the worker finishes its current job while the server closes its connections.
        for child in running:
            child.terminate()
        for child in running:
            child.wait_or_kill()
            stopped.append(f"{child.name} (pid {child.pid})")
        if self.django_ready:
            from demo.workspace import close_connections

            close_connections()
        if self.database is not None and self.database.embedded is not None:
            try:
                self.database.embedded.stop()
                stopped.append("embedded PostgreSQL")
            except EmbeddedPostgresError as error:
                console.warn(str(error))
        if stopped:
            console.step("Stopped", ", ".join(stopped))


async def _cancel_on_signals(coroutine):
    """Await `coroutine`; SIGINT or SIGTERM cancel it and raise Interrupted.

    A signal handler that raises would interrupt whichever task happens to
    run, possibly one that only logs its failure, so inside the event loop
    the signal cancels the main task instead.
    """
    loop = asyncio.get_running_loop()
    main_task = asyncio.current_task()
    received: list[int] = []

    def on_signal(signum: int) -> None:
        received.append(signum)
        main_task.cancel()

    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, on_signal, signum)
    try:
        return await coroutine
    except asyncio.CancelledError:
        if received:
            raise Interrupted(signal.Signals(received[0]).name) from None
        raise
    finally:
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(signum)


def _prepare_workspace(slug: str):
    from demo.workspace import prepare_workspace
    from tenants.services import WorkspaceError

    try:
        return prepare_workspace(slug)
    except WorkspaceError as error:
        raise WorkspaceSetupFailed(str(error)) from None


def _secret_key(state_dir: Path) -> str | None:
    """Return a SECRET_KEY for the children, or None when the environment provides one (or DEBUG)."""
    if os.environ.get("SECRET_KEY") or os.environ.get("DEBUG", "").lower() in ("1", "true", "yes", "on"):
        return None
    key_file = state_dir / "demo-secret-key"
    if key_file.exists():
        return key_file.read_text().strip()
    state_dir.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(50)
    key_file.touch(mode=0o600)
    key_file.write_text(key)
    return key


def _display_path(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def _print_problems(tracker) -> None:
    for rejected in tracker.rejected[:5]:
        console.warn(f"Rejected line {rejected.line} ({rejected.external_id or 'no externalId'}): {rejected.reason}")
    if len(tracker.rejected) > 5:
        console.warn(f"... and {len(tracker.rejected) - 5} more rejected conversations")
    for conversation_id, error in list(tracker.failed.items())[:5]:
        console.warn(f"Scoring failed for {tracker.external_ids.get(conversation_id, conversation_id)}: {error}")
