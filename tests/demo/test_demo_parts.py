"""The demo's parts that decide something: input conversion, progress, report, database and port choice."""

from __future__ import annotations

import os
import socket
import time
from pathlib import Path

import psycopg
import pytest

from demo.database import choose_database, drop_database, local_url
from demo.embedded import EmbeddedPostgres, pgserver_installed, read_postmaster_pid
from demo.ingest import to_graphql_input
from demo.processes import pick_port
from demo.progress import ScoringTracker
from demo.report import format_report, strongest_signals, summarize


def sample_conversation(**changes) -> dict:
    conversation = {
        "externalId": "c-1",
        "channel": "chat",
        "outcomeHint": "handed_off",
        "messages": [{"role": "customer", "text": "Hi"}, {"role": "human_agent", "text": "Hello"}],
        "csat": {"rating": 4, "scale": 5},
    }
    conversation.update(changes)
    return conversation


def test_graphql_input_uses_enum_names():
    converted = to_graphql_input(sample_conversation())

    assert converted["channel"] == "CHAT"
    assert converted["outcomeHint"] == "HANDED_OFF"
    assert [message["role"] for message in converted["messages"]] == ["CUSTOMER", "HUMAN_AGENT"]
    assert converted["csat"] == {"rating": 4, "scale": 5}


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"priority": "high"}, "unknown field 'priority'"),
        ({"channel": "fax"}, "channel 'fax' is not one of chat, email, messaging, other, voice"),
        ({"messages": [{"text": "no role"}]}, "messages[0]: role is missing"),
        ({"messages": [{"role": "ai", "text": "x", "likes": 3}]}, "messages[0]: unknown field 'likes'"),
        ({"csat": {"rating": 5, "stars": 5}}, "csat: unknown field 'stars'"),
    ],
)
def test_graphql_input_rejects_what_graphql_would(changes, reason):
    assert to_graphql_input(sample_conversation(**changes)) == reason


def test_tracker_counts_event_that_arrives_before_register():
    tracker = ScoringTracker()

    tracker.mark_scored("7")
    tracker.register("7", "c-7", "created")
    tracker.register("8", "c-8", "created")

    assert tracker.scored == {"7"}
    assert tracker.waiting == {"8"}


def test_tracker_takes_status_reread():
    tracker = ScoringTracker()
    for conversation_id in ("1", "2", "3"):
        tracker.register(conversation_id, f"c-{conversation_id}", "unchanged")

    tracker.apply_statuses({"1": ("scored", None), "2": ("failed", "model missing")})

    assert tracker.scored == {"1"}
    assert tracker.failed == {"2": "model missing"}
    assert tracker.waiting == {"3"}
    assert tracker.unchanged == 3


def scored_node(external_id: str, overall: float | None, rating: str | None, outcome: str) -> dict:
    return {
        "id": external_id,
        "externalId": external_id,
        "latestScore": {
            "overall": overall,
            "rating": rating,
            "resolution": 50.0,
            "efficiency": 80.0,
            "sentiment": None if overall is None else 40.0,
            "outcome": outcome,
            "insufficientData": overall is None,
        },
    }


def test_report_counts_ratings_and_orders_worst():
    nodes = [
        scored_node("a", 90.0, "EXCELLENT", "RESOLVED"),
        scored_node("b", 20.0, "POOR", "ABANDONED"),
        scored_node("c", 55.0, "GOOD", "RESOLVED"),
        scored_node("d", None, None, "ACTIVE"),
        scored_node("e", 35.0, "POOR", "HANDED_OFF"),
    ]

    summary = summarize(nodes)

    assert summary["ratings"] == {"excellent": 1, "good": 1, "poor": 2, "insufficient data": 1}
    assert [node["externalId"] for node in summary["worst"]] == ["b", "e", "c"]
    assert summary["means"]["overall"] == pytest.approx((90 + 20 + 55 + 35) / 4)
    assert summary["outcomes"]["resolved"] == 2


def test_report_text_lists_shares_and_signals():
    worst = scored_node("b", 20.0, "POOR", "ABANDONED")
    worst["latestScore"]["summary"] = "Poor: the customer gave up."
    worst["latestScore"]["signals"] = [
        {"code": "small", "component": "EFFICIENCY", "effect": -2.0, "reason": "Minor.", "messageIndices": []},
        {"code": "loop", "component": "EFFICIENCY", "effect": -15.0, "reason": "Asked twice.", "messageIndices": [1, 3]},
    ]
    summary = summarize([worst, scored_node("a", 90.0, "EXCELLENT", "RESOLVED")])

    text = format_report(summary, failed=1, rejected=0)

    assert text.startswith("Report: 2 conversations scored, 1 failed scoring, 0 rejected at ingest")
    assert "  poor                    1    50%" in text
    assert "     Summary: Poor: the customer gave up." in text
    assert "     Signal loop (efficiency -15, messages 1, 3): Asked twice." in text
    assert text.index("Signal loop") < text.index("Signal small")


def test_strongest_signals_rank_by_size_of_effect():
    signals = [{"code": "a", "effect": -3.0}, {"code": "b", "effect": 12.0}, {"code": "c", "effect": -20.0}]

    assert [signal["code"] for signal in strongest_signals(signals, count=2)] == ["c", "b"]


def test_pick_port_skips_taken_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]

        assert pick_port(port) > port


def local_postgresql_or_skip() -> None:
    try:
        with psycopg.connect(local_url("postgres"), connect_timeout=3):
            pass
    except psycopg.OperationalError as error:
        pytest.skip(f"The local PostgreSQL at 127.0.0.1:5432 is not available: {error}")


def test_database_url_wins_and_is_created(monkeypatch):
    local_postgresql_or_skip()
    url = local_url("aixs_demo_test_url_choice")
    drop_database(url)
    monkeypatch.setenv("DATABASE_URL", url)
    try:
        choice = choose_database("auto", "aixs_demo", Path("/nonexistent"))

        assert choice.url == url
        assert choice.reason == "DATABASE_URL is set"
        assert choice.embedded is None
        with psycopg.connect(url, connect_timeout=3) as connection:
            assert connection.execute("SELECT current_database()").fetchone()[0] == "aixs_demo_test_url_choice"
    finally:
        drop_database(url)


def test_local_choice_without_database_url(monkeypatch):
    local_postgresql_or_skip()
    monkeypatch.delenv("DATABASE_URL", raising=False)
    drop_database(local_url("aixs_demo_test_local_choice"))
    try:
        choice = choose_database("auto", "aixs_demo_test_local_choice", Path("/nonexistent"))

        assert choice.url == local_url("aixs_demo_test_local_choice")
        assert choice.reason == "DATABASE_URL is not set and it accepts connections"
    finally:
        drop_database(local_url("aixs_demo_test_local_choice"))


def test_stale_pid_file_of_dead_process_is_ignored(tmp_path):
    dead_pid = 2**22 + 12345  # above the default pid_max of 4194304, so never a live process
    (tmp_path / "postmaster.pid").write_text(f"{dead_pid}\n{tmp_path}\n0\n5999\n\n127.0.0.1\n0 0\nready\n")

    assert read_postmaster_pid(tmp_path) is None


def process_exists_after(pid: int, wait_seconds: float) -> bool:
    deadline = time.monotonic() + wait_seconds
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        time.sleep(0.1)
    return True


@pytest.mark.skipif(not pgserver_installed(), reason="the embedded PostgreSQL package pgserver is not installed")
def test_server_left_by_killed_run_is_stopped(tmp_path):
    left_behind = EmbeddedPostgres(tmp_path / "pgdata")
    left_behind.start()  # and never stopped, as after a SIGKILL of the demo
    running = read_postmaster_pid(left_behind.data_dir)
    assert running is not None

    next_run = EmbeddedPostgres(tmp_path / "pgdata")
    try:
        stopped_pid = next_run.stop_stale_server()

        assert stopped_pid == running.pid
        assert read_postmaster_pid(next_run.data_dir) is None
        assert not process_exists_after(running.pid, wait_seconds=5)
    finally:
        left_behind.stop()


def test_printed_example_queries_are_valid():
    from graphql import parse, validate

    from api.schema import schema
    from demo.console import EXAMPLE_QUERIES

    queries = [block for block in EXAMPLE_QUERIES.format(example_id="demo-001").split("\n\n") if block.strip()]

    assert len(queries) == 3
    for query in queries:
        assert validate(schema._schema, parse(query)) == [], query


def test_read_batches_reports_invalid_lines(tmp_path):
    from demo.data import read_batches

    path = tmp_path / "mixed.jsonl"
    path.write_text('{"externalId": "a"}\nnot json\n\n[1]\n{"externalId": "b"}\n{"externalId": "c"}\n')

    batches = list(read_batches(path, batch_size=2))

    assert [[line for line, _ in batch.conversations] for batch in batches] == [[1, 5], [6]]
    assert [line for line, _ in batches[0].invalid] == [2, 4]
    assert batches[0].invalid[1][1] == "expected a JSON object, got list"
    assert batches[1].invalid == []


@pytest.mark.skipif(not pgserver_installed(), reason="the embedded PostgreSQL package pgserver is not installed")
def test_embedded_choice_when_local_is_down(monkeypatch, tmp_path):
    import demo.database

    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    monkeypatch.setattr(demo.database, "LOCAL_PORT", closed_port)
    monkeypatch.delenv("DATABASE_URL", raising=False)

    choice = choose_database("auto", "aixs_demo_test_fallback", tmp_path / "pgdata")
    try:
        assert choice.embedded is not None
        assert choice.reason == (
            f"DATABASE_URL is not set and the local PostgreSQL at 127.0.0.1:{closed_port} does not answer"
        )
        with psycopg.connect(choice.url, connect_timeout=3) as connection:
            assert connection.execute("SELECT current_database()").fetchone()[0] == "aixs_demo_test_fallback"
    finally:
        choice.embedded.stop()
    assert read_postmaster_pid(tmp_path / "pgdata") is None
