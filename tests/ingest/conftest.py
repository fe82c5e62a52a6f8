"""Helpers for ingestion tests: the mutation, sample conversations and a recorder for enqueued scoring jobs."""

from __future__ import annotations

import copy

import pytest

INGEST_MUTATION = """
mutation Ingest($input: [ConversationInput!]!) {
  ingestConversations(input: $input) {
    created
    updated
    unchanged
    failed
    results {
      index
      externalId
      status
      conversationId
      errors { code field message }
    }
    errors {
      __typename
      ... on Error { message }
      ... on TooManyConversationsError { limit received }
      ... on ScopeMissingError { requiredScope }
    }
  }
}
"""

_SAMPLE = {
    "channel": "chat",
    "aiAgent": "helpbot-2",
    "startedAt": "2026-03-01T09:00:00Z",
    "endedAt": "2026-03-01T10:05:00+01:00",
    "customerRef": "cust-17",
    "language": "en",
    "tags": ["billing", "refund"],
    "metadata": {"plan": "pro", "seats": 3, "flags": {"vip": True}},
    "outcomeHint": "resolved",
    "messages": [
        {"role": "customer", "text": "My invoice shows a double charge.", "sentAt": "2026-03-01T09:00:00Z"},
        {"role": "ai", "text": "I found the duplicate and refunded it.", "sentAt": "2026-03-01T09:01:00Z"},
        {"role": "customer", "text": "Thanks, that fixed it."},
    ],
    "csat": {"rating": 4, "scale": 5, "comment": "quick", "submittedAt": "2026-03-01T10:00:00Z"},
}


def conversation(external_id: str, **changes) -> dict:
    """A valid conversation in the ingest JSON shape; keyword arguments replace top-level fields."""
    data = copy.deepcopy(_SAMPLE)
    data["externalId"] = external_id
    data.update(changes)
    return data


def graphql_variables(item: dict) -> dict:
    """Turn the JSON shape into GraphQL input values: enum values are upper case in GraphQL."""
    data = dict(item)
    for key in ("channel", "outcomeHint"):
        if isinstance(data.get(key), str):
            data[key] = data[key].upper()
    if isinstance(data.get("messages"), list):
        data["messages"] = [
            {**message, "role": message["role"].upper()} if isinstance(message.get("role"), str) else message
            for message in data["messages"]
        ]
    return data


class ScoringRecorder:
    """Replaces scoring.tasks.enqueue_scoring and records each call.

    No worker runs, so conversations stay pending and unscored, and a re-send
    of one is queued again. Set `broker_down` to make calls raise as a failed
    broker connection would.
    """

    def __init__(self) -> None:
        self.calls: list[tuple[str, list[int]]] = []
        self.broker_down = False

    def __call__(self, schema_name: str, conversation_ids: list[int]) -> None:
        if self.broker_down:
            raise ConnectionError("broker unavailable")
        self.calls.append((schema_name, list(conversation_ids)))

    @property
    def ids(self) -> list[int]:
        return [conversation_id for _, ids in self.calls for conversation_id in ids]


@pytest.fixture(autouse=True)
def enqueued(monkeypatch) -> ScoringRecorder:
    """Record scoring jobs instead of sending them; ingestion tests check ids, not scoring."""
    recorder = ScoringRecorder()
    monkeypatch.setattr("conversations.services.enqueue_scoring", recorder)
    return recorder


@pytest.fixture
def ingest(gql, acme, django_capture_on_commit_callbacks):
    """ingest(items, secret=None) -> the ingestConversations payload, with on-commit callbacks run."""

    def send(items: list[dict], secret: str | None = None) -> dict:
        with django_capture_on_commit_callbacks(execute=True):
            data = gql(secret or acme.keys["ingest"]).execute(
                INGEST_MUTATION, {"input": [graphql_variables(item) for item in items]}
            )
        return data["ingestConversations"]

    return send


def only_error(payload: dict) -> dict:
    """The single error of a single-conversation call that failed."""
    assert payload["failed"] == 1, payload
    [result] = payload["results"]
    assert result["status"] == "FAILED"
    assert len(result["errors"]) == 1, result["errors"]
    return result["errors"][0]
