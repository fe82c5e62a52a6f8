"""Helpers that build read-API state with the real ingestion service and a stand-in for the scorer.

Scores are stored the way `scoring.services.scoring.store_score` stores them
(new Score row, moved `latest_score`, `score_stored` inside the transaction),
without running the sentiment model, so these tests stay fast.
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta, timezone

import pytest
from django.db import transaction

from conversations.models import Conversation, Message, ScoringStatus
from conversations.services import ingest_conversations
from scoring import events
from scoring.models import MessageSentiment, Score
from tenants.context import call_in_schema

BASE_TIME = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)  # a Monday


def conversation_payload(external_id: str, **overrides) -> dict:
    started = overrides.pop("started_at", BASE_TIME)
    payload = {
        "externalId": external_id,
        "channel": "chat",
        "aiAgent": "helper-bot",
        "startedAt": started.isoformat(),
        "endedAt": (started + timedelta(minutes=5)).isoformat(),
        "tags": ["billing"],
        "messages": [
            {"role": "customer", "text": "My invoice is wrong.", "sentAt": started.isoformat()},
            {"role": "ai", "text": "I have corrected the invoice.", "sentAt": (started + timedelta(minutes=1)).isoformat()},
            {"role": "customer", "text": "Thanks, that fixed it!", "sentAt": (started + timedelta(minutes=2)).isoformat()},
        ],
    }
    payload.update(overrides)
    return payload


def ingest(schema_name: str, *payloads: dict) -> list[int]:
    results = ingest_conversations(schema_name, list(payloads))
    ids = []
    for result in results:
        assert result.conversation_id is not None, result.errors
        ids.append(result.conversation_id)
    return ids


def store_score(schema_name: str, conversation_id: int, **fields) -> int:
    """Store a score like the scoring pipeline does and return its id."""

    def store() -> int:
        values = {
            "overall": 80.0,
            "rating": "good",
            "resolution": 85.0,
            "efficiency": 75.0,
            "sentiment": 70.0,
            "confidence": 0.9,
            "outcome": "resolved",
            "progress_level": "fully_resolved",
            "sentiment_trend": "improved",
            "insufficient_data": False,
            "summary": "Resolved quickly.",
            "signals": [
                {
                    "component": "resolution",
                    "code": "customer_confirmed",
                    "effect": 20.0,
                    "messageIndices": [2],
                    "reason": "The customer confirmed the fix.",
                }
            ],
            "config_version": 1,
            "model_version": "test-model",
        }
        values.update(fields)
        with transaction.atomic():
            conversation = Conversation.objects.select_for_update().get(pk=conversation_id)
            key = hashlib.sha256(f"{conversation_id}:{values}".encode()).hexdigest()
            score = Score.objects.create(
                conversation=conversation,
                scoring_key=key,
                scorer_version="test",
                rules_version="test",
                content_hash=conversation.content_hash,
                **values,
            )
            for message in Message.objects.filter(conversation=conversation, role="customer"):
                MessageSentiment.objects.get_or_create(
                    message=message,
                    model_version=values["model_version"],
                    defaults={"label": "positive", "value": 0.6, "confidence": 0.8},
                )
            previous_id = conversation.latest_score_id
            Conversation.objects.filter(pk=conversation_id).update(
                latest_score=score, scoring_status=ScoringStatus.SCORED
            )
            events.score_stored.send(
                sender=Score,
                schema_name=schema_name,
                conversation_id=conversation_id,
                score_id=score.id,
                previous_score_id=previous_id,
            )
        return score.id

    return call_in_schema(schema_name, store)


@pytest.fixture
def seed():
    """Namespace with `ingest`, `score` and `payload` helpers bound to nothing (pass the schema name)."""

    class Seed:
        payload = staticmethod(conversation_payload)
        ingest = staticmethod(ingest)
        score = staticmethod(store_score)

    return Seed
