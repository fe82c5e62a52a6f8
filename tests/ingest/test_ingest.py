"""ingestConversations: idempotency, batches, scope, limits and workspace isolation."""

from __future__ import annotations

from conversations.models import Conversation, Message
from tenants.context import call_in_schema
from tests.ingest.conftest import INGEST_MUTATION, conversation, graphql_variables


def _stored(schema_name: str, external_id: str) -> Conversation | None:
    return call_in_schema(schema_name, lambda: Conversation.objects.filter(external_id=external_id).first())


def _texts(schema_name: str, external_id: str) -> list[str]:
    return call_in_schema(
        schema_name,
        lambda: list(
            Message.objects.filter(conversation__external_id=external_id).order_by("position").values_list("text", flat=True)
        ),
    )


def test_new_conversation_created_and_queued(ingest, acme, enqueued):
    payload = ingest([conversation("new-1")])

    [result] = payload["results"]
    assert (payload["created"], payload["updated"], payload["unchanged"], payload["failed"]) == (1, 0, 0, 0)
    assert result["status"] == "CREATED"
    assert result["errors"] == []
    stored = _stored(acme.slug, "new-1")
    assert result["conversationId"] == str(stored.pk)
    assert stored.message_count == 3
    assert stored.scoring_status == "pending"
    assert stored.tags == ["billing", "refund"]
    assert stored.metadata == {"plan": "pro", "seats": 3, "flags": {"vip": True}}
    assert stored.outcome_hint == "resolved"
    assert (stored.csat_rating, stored.csat_scale, stored.csat_comment) == (4, 5, "quick")
    assert len(stored.content_hash) == 64
    assert _texts(acme.slug, "new-1")[0] == "My invoice shows a double charge."
    assert enqueued.calls == [(acme.slug, [stored.pk])]


def test_same_content_unchanged_and_not_queued(ingest, acme, enqueued):
    first = ingest([conversation("same-1")])
    stored_hash = _stored(acme.slug, "same-1").content_hash
    _mark_scored(acme.slug, "same-1")

    second = ingest([conversation("same-1")])

    assert second["results"][0]["status"] == "UNCHANGED"
    assert second["results"][0]["conversationId"] == first["results"][0]["conversationId"]
    assert second["unchanged"] == 1
    assert _stored(acme.slug, "same-1").content_hash == stored_hash
    assert enqueued.ids == [int(first["results"][0]["conversationId"])]


def test_resend_queues_conversation_never_queued(ingest, acme, enqueued):
    enqueued.broker_down = True
    first = ingest([conversation("outage-1")])
    conversation_id = int(first["results"][0]["conversationId"])
    assert first["results"][0]["status"] == "CREATED"
    assert enqueued.ids == []
    assert _stored(acme.slug, "outage-1").scoring_status == "pending"

    enqueued.broker_down = False
    second = ingest([conversation("outage-1")])

    assert second["results"][0]["status"] == "UNCHANGED"
    assert enqueued.ids == [conversation_id]


def test_appended_message_updates_and_requeues(ingest, acme, enqueued):
    created = ingest([conversation("grow-1")])
    conversation_id = int(created["results"][0]["conversationId"])
    call_in_schema(acme.slug, lambda: Conversation.objects.filter(pk=conversation_id).update(scoring_status="scored"))
    longer = conversation("grow-1")
    longer["messages"].append({"role": "ai", "text": "Anything else?"})

    updated = ingest([longer])

    assert updated["results"][0]["status"] == "UPDATED"
    assert updated["results"][0]["conversationId"] == str(conversation_id)
    stored = _stored(acme.slug, "grow-1")
    assert stored.message_count == 4
    assert stored.scoring_status == "pending"
    assert _texts(acme.slug, "grow-1")[-1] == "Anything else?"
    assert len(_texts(acme.slug, "grow-1")) == 4
    assert enqueued.ids == [conversation_id, conversation_id]


def test_changed_csat_counts_as_update(ingest, acme, enqueued):
    ingest([conversation("csat-1")])

    payload = ingest([conversation("csat-1", csat={"rating": 2})])

    assert payload["results"][0]["status"] == "UPDATED"
    assert _stored(acme.slug, "csat-1").csat_rating == 2
    assert len(enqueued.calls) == 2


def test_equal_content_in_other_notation_unchanged(ingest, acme):
    ingest([conversation("notation-1", startedAt="2026-03-01T09:00:00Z")])

    payload = ingest([conversation("notation-1", startedAt="2026-03-01T10:00:00+01:00")])

    assert payload["results"][0]["status"] == "UNCHANGED"


def test_mixed_batch_stores_good_reports_bad(ingest, acme, enqueued):
    bad_text = conversation("mixed-bad-1")
    bad_text["messages"][1]["text"] = "half\x00written"

    payload = ingest(
        [
            conversation("mixed-good-1"),
            bad_text,
            conversation("mixed-good-2"),
            conversation("mixed-bad-2", tags=["x" * 101]),
        ]
    )

    assert [result["status"] for result in payload["results"]] == ["CREATED", "FAILED", "CREATED", "FAILED"]
    assert [result["index"] for result in payload["results"]] == [0, 1, 2, 3]
    assert payload["results"][1]["externalId"] == "mixed-bad-1"
    assert payload["results"][1]["errors"][0]["field"] == ["messages", "1", "text"]
    assert (payload["created"], payload["failed"]) == (2, 2)
    assert _stored(acme.slug, "mixed-good-2") is not None
    assert _stored(acme.slug, "mixed-bad-1") is None
    assert _texts(acme.slug, "mixed-bad-1") == []
    assert _stored(acme.slug, "mixed-bad-2") is None
    assert sorted(enqueued.ids) == sorted(int(payload["results"][i]["conversationId"]) for i in (0, 2))


def test_failed_update_keeps_previous_version(ingest, acme):
    ingest([conversation("keep-1")])
    broken = conversation("keep-1")
    broken["messages"].append({"role": "customer", "text": "\ud800"})

    payload = ingest([broken])

    assert payload["results"][0]["status"] == "FAILED"
    assert _stored(acme.slug, "keep-1").message_count == 3
    assert len(_texts(acme.slug, "keep-1")) == 3


def test_repeated_external_id_in_one_call_last_wins(ingest, acme, enqueued):
    changed = conversation("repeat-1", aiAgent="helpbot-3")

    payload = ingest([conversation("repeat-1"), conversation("repeat-1"), changed])

    assert [result["status"] for result in payload["results"]] == ["CREATED", "UNCHANGED", "UPDATED"]
    assert len({result["conversationId"] for result in payload["results"]}) == 1
    assert _stored(acme.slug, "repeat-1").ai_agent == "helpbot-3"
    assert enqueued.calls == [(acme.slug, [int(payload["results"][0]["conversationId"])])]


def test_key_without_ingest_scope_rejected(gql, acme):
    data = gql(acme.keys["read"]).execute(INGEST_MUTATION, {"input": [graphql_variables(conversation("scope-1"))]})

    payload = data["ingestConversations"]
    assert payload["results"] == []
    assert payload["errors"] == [
        {
            "__typename": "ScopeMissingError",
            "message": "This operation needs an API key with the 'ingest' scope. Create a key with that scope.",
            "requiredScope": "ingest",
        }
    ]
    assert _stored(acme.slug, "scope-1") is None


def test_too_many_conversations_rejects_whole_call(ingest, acme, settings, enqueued):
    settings.INGEST_MAX_CONVERSATIONS_PER_CALL = 3

    payload = ingest([conversation(f"limit-{i}") for i in range(4)])

    assert payload["results"] == []
    [error] = payload["errors"]
    assert error["__typename"] == "TooManyConversationsError"
    assert (error["limit"], error["received"]) == (3, 4)
    assert "maximum is 3 per call" in error["message"]
    assert _stored(acme.slug, "limit-0") is None
    assert enqueued.calls == []


def test_calls_at_the_limit_accepted(ingest, settings):
    settings.INGEST_MAX_CONVERSATIONS_PER_CALL = 3

    payload = ingest([conversation(f"at-limit-{i}") for i in range(3)])

    assert payload["created"] == 3


def test_oversized_request_gets_413(gql, acme, settings):
    settings.GRAPHQL_MAX_BODY_BYTES = 2048
    item = graphql_variables(conversation("big-1"))
    item["messages"][0]["text"] = "x" * 3000

    response = gql(acme.keys["ingest"]).post(INGEST_MUTATION, {"input": [item]})

    assert response.status_code == 413
    assert response.json()["error"]["code"] == "request_too_large"
    assert "the limit is 2048 bytes" in response.json()["error"]["message"]
    assert _stored(acme.slug, "big-1") is None


def test_same_external_id_separate_per_workspace(ingest, acme, globex):
    in_acme = ingest([conversation("shared-1")], secret=acme.keys["ingest"])
    in_globex = ingest([conversation("shared-1", aiAgent="globex-bot")], secret=globex.keys["ingest"])

    assert in_acme["results"][0]["status"] == "CREATED"
    assert in_globex["results"][0]["status"] == "CREATED"
    assert _stored(acme.slug, "shared-1").ai_agent == "helpbot-2"
    assert _stored(globex.slug, "shared-1").ai_agent == "globex-bot"


def test_unicode_tags_stored(ingest, acme):
    payload = ingest([conversation("unicode-1", tags=["café", "😀"])])

    assert payload["created"] == 1
    assert _stored(acme.slug, "unicode-1").tags == ["café", "😀"]


def test_database_rejection_fails_only_that_item(ingest, acme):
    from django.db import connection

    # A CHECK constraint plays the part of any rule the database enforces beyond validation.
    # The test transaction rolls the DDL back.
    with connection.cursor() as cursor:
        cursor.execute(
            f'ALTER TABLE "{acme.slug}".conversations_conversation '
            "ADD CONSTRAINT test_reject_agent CHECK (ai_agent <> 'reject-me')"
        )

    payload = ingest(
        [
            conversation("db-ok-1"),
            conversation("db-rejected", aiAgent="reject-me"),
            conversation("db-ok-2"),
        ]
    )

    assert [result["status"] for result in payload["results"]] == ["CREATED", "FAILED", "CREATED"]
    [error] = payload["results"][1]["errors"]
    assert error["code"] == "DATABASE_ERROR"
    assert "test_reject_agent" in error["message"]
    assert _stored(acme.slug, "db-rejected") is None
    assert _texts(acme.slug, "db-rejected") == []
    assert len(_texts(acme.slug, "db-ok-2")) == 3


def test_changed_event_sent_with_changed_ids(ingest, acme):
    from scoring.events import conversations_changed

    received = []

    def receiver(sender, schema_name, conversation_ids, **kwargs):
        received.append((schema_name, list(conversation_ids)))

    conversations_changed.connect(receiver)
    try:
        first = ingest([conversation("event-1"), conversation("event-2")])
        ingest([conversation("event-1"), conversation("event-2", aiAgent="other")])
    finally:
        conversations_changed.disconnect(receiver)

    ids = [int(result["conversationId"]) for result in first["results"]]
    assert received == [(acme.slug, ids), (acme.slug, [ids[1]])]


def _mark_scored(slug: str, external_id: str) -> None:
    """Stand in for the worker: a conversation still pending and unscored is queued again on re-send."""
    call_in_schema(slug, lambda: Conversation.objects.filter(external_id=external_id).update(scoring_status="scored"))
