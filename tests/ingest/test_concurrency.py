"""Concurrent sends of the same external id through /graphql, each thread on its own database connection."""

from __future__ import annotations

import threading
import uuid

import pytest
from django.db import connection
from django.test import Client

from conversations.models import Conversation
from tenants.context import call_in_schema
from tests.conftest import GraphQLClient
from tests.ingest.conftest import INGEST_MUTATION, conversation, graphql_variables

THREADS = 6


def _send_concurrently(secret: str, items: list[dict]) -> list:
    """Post each item in its own thread, all released at once; return each thread's result or exception."""
    barrier = threading.Barrier(len(items))
    outcomes: list = [None] * len(items)

    def send(slot: int) -> None:
        try:
            client = GraphQLClient(Client(), secret)
            barrier.wait()
            data = client.execute(INGEST_MUTATION, {"input": [graphql_variables(items[slot])]})
            [outcomes[slot]] = data["ingestConversations"]["results"]
        except Exception as error:  # reported by the assertions below
            outcomes[slot] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=send, args=(slot,)) for slot in range(len(items))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


@pytest.fixture
def shared_external_id(transactional_db, acme, enqueued):
    """An external id unique to this test; its committed rows are deleted afterwards."""
    external_id = f"race-{uuid.uuid4()}"
    yield external_id
    call_in_schema(acme.slug, lambda: Conversation.objects.filter(external_id=external_id).delete())


def test_identical_concurrent_sends_create_one(acme, shared_external_id, enqueued):
    outcomes = _send_concurrently(acme.keys["ingest"], [conversation(shared_external_id) for _ in range(THREADS)])

    assert all(isinstance(outcome, dict) for outcome in outcomes), outcomes
    statuses = sorted(outcome["status"] for outcome in outcomes)
    assert statuses == ["CREATED"] + ["UNCHANGED"] * (THREADS - 1)
    assert len({outcome["conversationId"] for outcome in outcomes}) == 1
    assert call_in_schema(acme.slug, lambda: Conversation.objects.filter(external_id=shared_external_id).count()) == 1
    # Unchanged sends that arrive before a worker scored it queue it again; scoring is idempotent.
    assert set(enqueued.ids) == {int(outcome["conversationId"]) for outcome in outcomes}


def test_differing_concurrent_sends_create_one(acme, shared_external_id, enqueued):
    items = [conversation(shared_external_id, aiAgent=f"bot-{slot}") for slot in range(THREADS)]

    outcomes = _send_concurrently(acme.keys["ingest"], items)

    assert all(isinstance(outcome, dict) for outcome in outcomes), outcomes
    statuses = sorted(outcome["status"] for outcome in outcomes)
    assert statuses == ["CREATED"] + ["UPDATED"] * (THREADS - 1)
    stored = call_in_schema(acme.slug, lambda: list(Conversation.objects.filter(external_id=shared_external_id)))
    assert len(stored) == 1
    assert stored[0].message_count == 3
    assert call_in_schema(acme.slug, lambda: stored[0].messages.count()) == 3
    assert len(enqueued.calls) == THREADS
