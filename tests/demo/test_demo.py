"""`python -m demo` end to end: real database, API server, worker, websocket and report.

Each test runs the demo as a subprocess on the first five sample
conversations with `--no-serve`, and reads its printed report.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest

from demo.data import SAMPLE_FILE
from demo.database import drop_database, local_url
from demo.embedded import pgserver_installed
from demo.processes import PROJECT_ROOT, pick_port

CONVERSATIONS = 5
DEMO_TIMEOUT_SECONDS = 900

pytestmark = pytest.mark.slow


@pytest.fixture
def five_conversations(tmp_path) -> Path:
    lines = SAMPLE_FILE.read_text(encoding="utf-8").splitlines()[:CONVERSATIONS]
    path = tmp_path / "five.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def five_with_bad_lines(five_conversations) -> Path:
    """The five conversations, then two lines GraphQL itself rejects: a missing externalId, a rating as text."""
    bad_lines = [
        '{"messages": [{"role": "customer", "text": "no id here"}]}',
        '{"externalId": "bad-rating", "messages": [{"role": "customer", "text": "hi"}], "csat": {"rating": "5"}}',
    ]
    with five_conversations.open("a", encoding="utf-8") as file:
        file.write("\n".join(bad_lines) + "\n")
    return five_conversations


def demo_environment() -> dict[str, str]:
    """The caller's environment without the test settings that would change the demo's choices."""
    environment = dict(os.environ)
    for name in ("DATABASE_URL", "BROKER_URL", "DRAMATIQ_STUB_BROKER", "TEST_DATABASE_NAME"):
        environment.pop(name, None)
    environment["DEBUG"] = "true"
    return environment


def run_demo(*arguments: str) -> subprocess.CompletedProcess:
    command = [sys.executable, "-m", "demo", "--no-serve", "--port", str(pick_port(18500)), *arguments]
    return subprocess.run(
        command,
        cwd=PROJECT_ROOT,
        env=demo_environment(),
        capture_output=True,
        text=True,
        timeout=DEMO_TIMEOUT_SECONDS,
    )


def rating_counts(report: str) -> dict[str, int]:
    rows = re.findall(r"^  (excellent|good|poor|insufficient data)\s+(\d+)\s", report, flags=re.MULTILINE)
    return {rating: int(count) for rating, count in rows}


def worst_entries(report: str) -> list[str]:
    """Return the text of each numbered entry under the lowest-scored heading."""
    section = report.split("Lowest-scored conversations", 1)[1]
    return re.split(r"^  \d+\. ", section, flags=re.MULTILINE)[1:]


def assert_report_of_five(result: subprocess.CompletedProcess) -> None:
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    report = result.stdout

    assert f"Report: {CONVERSATIONS} conversations scored" in report
    counts = rating_counts(report)
    assert set(counts) == {"excellent", "good", "poor", "insufficient data"}
    assert sum(counts.values()) == CONVERSATIONS
    assert "Mean sub-scores: overall" in report

    entries = worst_entries(report)
    assert len(entries) == 3
    for entry in entries:
        assert entry.split(":", 1)[0].startswith("demo-00")
        summary = re.search(r"Summary: (.+)", entry)
        assert summary is not None
        assert summary.group(1).strip() not in ("", "(none)")

    assert "GraphiQL:   http://127.0.0.1:" in report
    assert re.search(r"API key:    aixs_\S+", report)


@pytest.fixture
def local_database():
    name = "aixs_demo_test"
    try:
        with psycopg.connect(local_url("postgres"), connect_timeout=3):
            pass
    except psycopg.OperationalError as error:
        pytest.skip(f"The local PostgreSQL at 127.0.0.1:5432 is not available: {error}")
    drop_database(local_url(name))
    yield name
    drop_database(local_url(name))


def test_demo_on_local_postgresql(local_database, five_with_bad_lines, tmp_path):
    result = run_demo(
        "--database", "local",
        "--database-name", local_database,
        "--data", str(five_with_bad_lines),
        "--state-dir", str(tmp_path / "state"),
    )

    assert_report_of_five(result)
    assert f"local PostgreSQL at 127.0.0.1:5432, database {local_database}" in result.stdout
    assert "Stopped:    worker" in result.stdout
    output = result.stdout + result.stderr
    assert "Rejected line 6 (no externalId)" in output
    assert "Rejected line 7 (bad-rating)" in output


def postgres_processes_using(data_dir: Path) -> list[int]:
    """Return the pids of postgres processes whose command line names `data_dir`."""
    pids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            command_line = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if "postgres" in command_line and str(data_dir) in command_line:
            pids.append(int(entry.name))
    return pids


@pytest.mark.skipif(not pgserver_installed(), reason="the embedded PostgreSQL package pgserver is not installed")
@pytest.mark.skipif(not Path("/proc").is_dir(), reason="the process check reads /proc (Linux)")
def test_demo_on_embedded_postgresql(five_conversations, tmp_path):
    state_dir = tmp_path / "state"

    result = run_demo(
        "--database", "embedded",
        "--data", str(five_conversations),
        "--state-dir", str(state_dir),
    )

    assert_report_of_five(result)
    assert "embedded PostgreSQL 16 (pgserver)" in result.stdout
    assert (state_dir / "pgdata" / "PG_VERSION").exists()
    assert not (state_dir / "pgdata" / "postmaster.pid").exists()
    assert postgres_processes_using(state_dir / "pgdata") == []
