"""Real worker processes (`manage.py run_worker`) against Redis and the PostgreSQL broker.

These tests commit their data in a workspace of their own, start workers as
subprocesses on the test database and stop them by process group. Each waits
at most WAIT_SECONDS for the workers, as a guard against hanging, not as a
speed check.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import connection

from conversations.models import Conversation
from scoring.models import Score
from scoring.tasks import BATCH_SIZE, QUEUE_NAME, score_conversations
from tests.pipeline.conftest import conversation, in_schema

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
REDIS_URL = "redis://127.0.0.1:6379/13"
WAIT_SECONDS = 120
# A short heartbeat lets the PostgreSQL broker hand a killed worker's messages to the next worker quickly.
HEARTBEAT_TTL_SECONDS = 4


def _database_url() -> str:
    settings = connection.settings_dict
    return f"postgresql://{settings['USER']}@{settings['HOST']}:{settings['PORT']}/{settings['NAME']}"


class WorkerProcess:
    """A `manage.py run_worker` subprocess in its own process group, logging to a file."""

    def __init__(self, broker_url: str, log_path: Path):
        env = {
            **os.environ,
            "BROKER_URL": broker_url,
            "DRAMATIQ_STUB_BROKER": "false",
            "DATABASE_URL": _database_url(),
            "BROKER_HEARTBEAT_TTL_SECONDS": str(HEARTBEAT_TTL_SECONDS),
            "TORCH_NUM_THREADS": "1",
            "LOG_LEVEL": "INFO",
        }
        self.log_path = log_path
        self.log = log_path.open("ab")
        self.process = subprocess.Popen(
            [sys.executable, "manage.py", "run_worker", "--processes", "1", "--threads", "1"],
            cwd=ROOT,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def kill(self, sig: int = signal.SIGKILL) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, sig)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        self.log.close()

    def stop(self) -> None:
        self.kill(signal.SIGTERM)


@pytest.fixture
def workers(tmp_path):
    """start(broker_url) -> a WorkerProcess; every started process is stopped after the test."""
    started: list[WorkerProcess] = []

    def start(broker_url: str) -> WorkerProcess:
        worker = WorkerProcess(broker_url, tmp_path / f"worker-{len(started)}.log")
        started.append(worker)
        return worker

    yield start
    for worker in started:
        worker.stop()


def _redis_broker():
    import redis
    from dramatiq.brokers.redis import RedisBroker

    client = redis.Redis.from_url(REDIS_URL)
    client.flushdb()
    return RedisBroker(client=client, middleware=[]), client.flushdb


def _postgres_broker():
    from scoring.broker import SchemaCreatingPostgresBroker

    broker = SchemaCreatingPostgresBroker(url=_database_url(), middleware=[], results=False, listen=False)
    broker.sent_ids = []

    def clean() -> None:
        with broker.pool.connection() as pool_connection:
            pool_connection.execute("DELETE FROM dramatiq.queue WHERE message_id = ANY(%s::uuid[])", [broker.sent_ids])
        broker.close()

    return broker, clean


def _send(broker, schema: str, ids: list[int]) -> None:
    """Enqueue scoring jobs on a real broker (the test process's own broker is the stub)."""
    broker.declare_queue(QUEUE_NAME)
    for start in range(0, len(ids), BATCH_SIZE):
        message = broker.enqueue(score_conversations.message(schema, ids[start : start + BATCH_SIZE]))
        if hasattr(broker, "sent_ids"):
            broker.sent_ids.append(message.message_id)


def _scored_count(schema: str, ids: list[int]) -> int:
    return in_schema(schema, lambda: Conversation.objects.filter(id__in=ids, scoring_status="scored").count())


def _wait_until(predicate, worker: WorkerProcess) -> None:
    deadline = time.monotonic() + WAIT_SECONDS
    while not predicate():
        assert worker.process.poll() is None, worker.log_path.read_text(errors="replace")[-3000:]
        assert time.monotonic() < deadline, worker.log_path.read_text(errors="replace")[-3000:]
        time.sleep(0.3)


def _scores_per_conversation(schema: str, ids: list[int]) -> dict[int, int]:
    def count() -> dict[int, int]:
        counts = dict.fromkeys(ids, 0)
        for conversation_id in Score.objects.filter(conversation_id__in=ids).values_list("conversation_id", flat=True):
            counts[conversation_id] += 1
        return counts

    return in_schema(schema, count)


@pytest.mark.parametrize("broker_name", ["redis", "postgresql"])
def test_worker_scores_queued_jobs(committed, ingest, workers, broker_name):
    if broker_name == "redis":
        broker, clean = _redis_broker()
        worker_url = REDIS_URL
    else:
        broker, clean = _postgres_broker()
        worker_url = _database_url()
    try:
        ids = ingest([conversation() for _ in range(20)])
        _send(broker, committed, ids)
        worker = workers(worker_url)

        _wait_until(lambda: _scored_count(committed, ids) == len(ids), worker)

        assert set(_scores_per_conversation(committed, ids).values()) == {1}
    finally:
        clean()


def test_killed_worker_leaves_no_duplicates(committed, ingest, workers):
    broker, clean = _postgres_broker()
    try:
        ids = ingest([conversation() for _ in range(3 * BATCH_SIZE)])
        _send(broker, committed, ids)
        first = workers(_database_url())

        # Kill the worker once its first batch is committed, while it works on the next one.
        _wait_until(lambda: _scored_count(committed, ids) >= 10, first)
        first.kill(signal.SIGKILL)
        partly = _scored_count(committed, ids)
        second = workers(_database_url())
        _wait_until(lambda: _scored_count(committed, ids) == len(ids), second)

        assert partly < len(ids), "the worker was killed before it finished"
        assert set(_scores_per_conversation(committed, ids).values()) == {1}
    finally:
        clean()
