"""A score stored by the real scoring service reaches `scoreUpdated` subscribers."""

from __future__ import annotations

import pytest

from tests.live.support import SCORE_UPDATED, in_thread, probe_external_id, store_score

pytestmark = [pytest.mark.usefixtures("committed_rows"), pytest.mark.slow]

CONVERSATION = {
    "externalId": "live-pipeline-1",
    "channel": "email",
    "aiAgent": "nova",
    "startedAt": "2026-03-01T09:00:00Z",
    "endedAt": "2026-03-01T09:06:00Z",
    "language": "en",
    "messages": [
        {"role": "customer", "text": "I was charged twice for my order and I am annoyed.", "sentAt": "2026-03-01T09:00:00Z"},
        {"role": "ai", "text": "I found the duplicate charge and refunded it.", "sentAt": "2026-03-01T09:01:00Z"},
        {"role": "customer", "text": "Thanks, that fixed it. Great help!", "sentAt": "2026-03-01T09:02:00Z"},
    ],
}


def ingest_and_score(schema_name: str) -> tuple[int, str | None]:
    """Ingest the conversation and run the scoring job's service inline; return the stored score's id and rating."""
    from conversations.models import Conversation
    from conversations.services import ingest_conversations
    from scoring.services import score_batch
    from tenants.context import call_in_schema

    ingest_conversations(schema_name, [CONVERSATION])

    def score() -> tuple[int, str | None]:
        conversation_id = Conversation.objects.get(external_id=CONVERSATION["externalId"]).pk
        score_batch([conversation_id])
        latest = Conversation.objects.select_related("latest_score").get(pk=conversation_id).latest_score
        return latest.pk, latest.rating

    return call_in_schema(schema_name, score)


async def test_scoring_service_emits_update(uvicorn_server, open_clients, acme):
    client = open_clients(uvicorn_server)
    await client.connect(acme.keys["read"])
    await client.subscribe("s", SCORE_UPDATED, {"filter": {"channels": ["EMAIL", "CHAT"]}})
    await client.wait_until_live("s", lambda: store_score("acme", probe_external_id()))

    score_id, rating = await in_thread(ingest_and_score, "acme")
    update = await client.next_update("s", timeout_s=60)

    assert update["externalId"] == "live-pipeline-1"
    assert update["channel"] == "EMAIL"
    assert update["aiAgent"] == "nova"
    assert update["rescored"] is False
    assert update["score"]["id"] == str(score_id)
    assert update["score"]["rating"] == (rating.upper() if rating else None)
