"""Fixtures for the scoring pipeline: a committed workspace, a stub-broker worker and sample conversations.

Jobs run in Dramatiq worker threads with their own database connections, so
these tests commit their data instead of using the per-test transaction. The
`committed` fixture opens the database in autocommit mode and deletes the
workspace's conversations, configuration versions and runs afterwards.
"""

from __future__ import annotations

import copy
import uuid

import dramatiq
import pytest

PIPELINE_SLUG = "pipeline_tests"

_SAMPLE = {
    "channel": "chat",
    "startedAt": "2026-03-01T09:00:00Z",
    "endedAt": "2026-03-01T09:06:00Z",
    "language": "en",
    "messages": [
        {"role": "customer", "text": "My invoice shows a double charge and I am annoyed.", "sentAt": "2026-03-01T09:00:00Z"},
        {"role": "ai", "text": "I found the duplicate charge and refunded it.", "sentAt": "2026-03-01T09:01:00Z"},
        {"role": "customer", "text": "Thanks, that fixed it. Great help!", "sentAt": "2026-03-01T09:02:00Z"},
        {"role": "ai", "text": "Glad I could help. Anything else?", "sentAt": "2026-03-01T09:03:00Z"},
        {"role": "customer", "text": "No, that is all. Bye!", "sentAt": "2026-03-01T09:05:00Z"},
    ],
}


def conversation(external_id: str | None = None, **changes) -> dict:
    """A valid conversation in the ingest JSON shape; keyword arguments replace top-level fields."""
    data = copy.deepcopy(_SAMPLE)
    data["externalId"] = external_id or f"pipe-{uuid.uuid4().hex[:12]}"
    data.update(changes)
    return data


def _clean_workspace(slug: str) -> None:
    from conversations.models import Conversation
    from scoring.models import RescoreRun, ScoringConfigVersion
    from tenants.context import call_in_schema

    def clean() -> None:
        Conversation.objects.update(latest_score=None)
        Conversation.objects.all().delete()
        ScoringConfigVersion.objects.all().delete()
        RescoreRun.objects.all().delete()

    call_in_schema(slug, clean)


@pytest.fixture(scope="session")
def pipeline_database(django_db_setup, django_db_blocker):
    """Make sure the test database exists.

    pytest-django creates it only when a collected test uses `db` or
    `transactional_db`; without this, running only committed-data tests
    would write to the development database.
    """
    from django.db import connection
    from django.test.utils import setup_databases, teardown_databases

    if connection.settings_dict["NAME"] == connection.creation._get_test_db_name():
        yield
        return
    with django_db_blocker.unblock():
        created = setup_databases(verbosity=0, interactive=False, aliases={"default"})
    yield
    with django_db_blocker.unblock():
        _close_pools()
        teardown_databases(created, verbosity=0)


def _close_pools() -> None:
    """Close Django's connection pools: worker threads leave connections in them."""
    from django.db import connections

    for connection in connections.all():
        if hasattr(connection, "close_pool"):
            connection.close_pool()


@pytest.fixture(scope="session")
def pipeline_workspace(pipeline_database, django_db_blocker):
    """A workspace of its own, committed once per session."""
    from tenants.models import Workspace
    from tenants.services import create_workspace

    with django_db_blocker.unblock():
        workspace = Workspace.objects.filter(schema_name=PIPELINE_SLUG).first() or create_workspace(
            PIPELINE_SLUG, "Pipeline Tests", domain=f"{PIPELINE_SLUG}.localhost"
        )
    yield workspace
    # So that the test database can be dropped at the end of the session.
    _close_pools()


@pytest.fixture
def committed(pipeline_workspace, django_db_blocker):
    """Database access in autocommit mode on the pipeline workspace; its rows are deleted afterwards.

    Yields the workspace's schema name.
    """
    with django_db_blocker.unblock():
        _clean_workspace(pipeline_workspace.schema_name)
        yield pipeline_workspace.schema_name
        _clean_workspace(pipeline_workspace.schema_name)


@pytest.fixture(scope="session")
def analyzer():
    """The builtin sentiment analyzer, loaded once per session (it takes seconds)."""
    from scoring.services.scoring import get_sentiment_analyzer

    return get_sentiment_analyzer()


@pytest.fixture
def stub_worker(analyzer):
    """The stub broker with a running worker; `stub_worker.join()` waits until the scoring queue is empty."""
    from scoring.broker import setup_broker
    from scoring.tasks import QUEUE_NAME

    broker = setup_broker()
    broker.flush_all()
    worker = dramatiq.Worker(broker, worker_timeout=100)
    worker.start()

    class Runner:
        def __init__(self) -> None:
            self.broker = broker

        def join(self) -> None:
            broker.join(QUEUE_NAME, fail_fast=True)
            worker.join()

    yield Runner()
    worker.stop()
    # Worker() adds its middleware to the broker for good; drop it so the next test's worker is the only one.
    broker.middleware[:] = [m for m in broker.middleware if getattr(m, "worker", None) is not worker]
    broker.flush_all()


@pytest.fixture
def ingest(committed):
    """ingest(items) -> conversation ids, stored and committed; scoring is enqueued on commit."""
    from conversations.services import ingest_conversations

    def send(items: list[dict]) -> list[int]:
        results = ingest_conversations(committed, items)
        failed = [result for result in results if result.conversation_id is None]
        assert not failed, failed
        return [result.conversation_id for result in results]

    return send


class StoredEvents:
    """Records score_stored and rescore_progress signals."""

    def __init__(self) -> None:
        self.scores: list[dict] = []
        self.progress: list[dict] = []

    def on_score(self, sender, **kwargs) -> None:
        self.scores.append(kwargs)

    def on_progress(self, sender, **kwargs) -> None:
        self.progress.append(kwargs)


@pytest.fixture
def events():
    from scoring import events as signals

    recorder = StoredEvents()
    signals.score_stored.connect(recorder.on_score, weak=False)
    signals.rescore_progress.connect(recorder.on_progress, weak=False)
    yield recorder
    signals.score_stored.disconnect(recorder.on_score)
    signals.rescore_progress.disconnect(recorder.on_progress)


def in_schema(schema_name: str, function, *args, **kwargs):
    from tenants.context import call_in_schema

    return call_in_schema(schema_name, function, *args, **kwargs)


@pytest.fixture(scope="session")
def pipeline_keys(pipeline_workspace, django_db_blocker) -> dict[str, str]:
    """API key secrets of the pipeline workspace by scope set: `all` and `read`."""
    from tenants.services import create_api_key

    with django_db_blocker.unblock():
        return {
            "all": create_api_key(pipeline_workspace, ["ingest", "read", "config", "review"], name="all").secret,
            "read": create_api_key(pipeline_workspace, ["read"], name="read only").secret,
        }


@pytest.fixture
def committed_gql(committed, pipeline_keys):
    """committed_gql(scope_set) -> a GraphQL client whose operations commit (no test transaction)."""
    from django.test import Client

    from tests.conftest import GraphQLClient

    def make(scope_set: str = "all") -> GraphQLClient:
        return GraphQLClient(Client(), pipeline_keys[scope_set])

    return make
