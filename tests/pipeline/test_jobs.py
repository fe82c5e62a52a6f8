"""Scoring jobs through the stub broker: storing, idempotency, retries and failures."""

from __future__ import annotations

from django.db import OperationalError

from conversations.models import Conversation
from scoring import services
from scoring.models import MessageSentiment, Score
from scoring.tasks import enqueue_scoring, scoring_retries_exhausted
from tests.pipeline.conftest import conversation, in_schema


def _conversations(schema: str, ids: list[int]) -> dict[int, Conversation]:
    return in_schema(schema, lambda: {c.id: c for c in Conversation.objects.filter(id__in=ids)})


def _scores(schema: str, conversation_id: int) -> list[Score]:
    return in_schema(schema, lambda: list(Score.objects.filter(conversation_id=conversation_id).order_by("id")))


def test_ingested_conversations_get_scored(committed, ingest, stub_worker, events):
    ids = ingest([conversation(), conversation(), conversation()])

    stub_worker.join()

    stored = _conversations(committed, ids)
    for conversation_id in ids:
        assert stored[conversation_id].scoring_status == "scored"
        assert stored[conversation_id].latest_score_id is not None
        [score] = _scores(committed, conversation_id)
        assert score.id == stored[conversation_id].latest_score_id
        assert score.config_version == 0
        assert score.content_hash == stored[conversation_id].content_hash
        assert score.overall is not None
    assert sorted(event["conversation_id"] for event in events.scores) == sorted(ids)
    assert all(event["schema_name"] == committed for event in events.scores)
    assert all(event["previous_score_id"] is None for event in events.scores)


def test_score_stores_signals_and_sentiments(committed, ingest, stub_worker):
    [conversation_id] = ingest([conversation()])

    stub_worker.join()

    [score] = _scores(committed, conversation_id)
    assert score.signals, "the sample conversation should produce signals"
    for signal in score.signals:
        assert set(signal) == {"component", "code", "effect", "messageIndices", "reason"}
        assert signal["component"] in ("resolution", "efficiency", "sentiment")
        assert all(0 <= index < 5 for index in signal["messageIndices"])
    sentiments = in_schema(
        committed, lambda: list(MessageSentiment.objects.filter(message__conversation_id=conversation_id))
    )
    assert len(sentiments) == 3, "one sentiment per customer message"
    assert {s.model_version for s in sentiments} == {score.model_version}


def test_duplicate_delivery_adds_nothing(committed, ingest, stub_worker, events):
    ids = ingest([conversation(), conversation()])
    stub_worker.join()
    first_scores = {conversation_id: _scores(committed, conversation_id) for conversation_id in ids}

    enqueue_scoring(committed, ids)
    enqueue_scoring(committed, ids)
    stub_worker.join()

    for conversation_id in ids:
        assert [s.id for s in _scores(committed, conversation_id)] == [s.id for s in first_scores[conversation_id]]
    assert len(events.scores) == len(ids)


def test_transient_error_is_retried(committed, ingest, stub_worker, monkeypatch):
    real_store = services.scoring.store_scores
    calls = {"count": 0}

    def store_failing_once(*args, **kwargs):
        calls["count"] += 1
        if calls["count"] == 1:
            raise OperationalError("server closed the connection unexpectedly")
        return real_store(*args, **kwargs)

    monkeypatch.setattr(services.scoring, "store_scores", store_failing_once)
    ids = ingest([conversation(), conversation()])

    stub_worker.join()

    stored = _conversations(committed, ids)
    assert calls["count"] == 2, "the whole job ran again after the error"
    for conversation_id in ids:
        assert stored[conversation_id].scoring_status == "scored"
        assert len(_scores(committed, conversation_id)) == 1


def test_batch_store_falls_back_per_conversation(committed, ingest, stub_worker, monkeypatch, events):
    def store_broken(*args, **kwargs):
        raise ValueError("bulk insert rejected")

    monkeypatch.setattr(services.scoring, "store_scores", store_broken)
    ids = ingest([conversation(), conversation()])

    stub_worker.join()

    stored = _conversations(committed, ids)
    for conversation_id in ids:
        assert stored[conversation_id].scoring_status == "scored"
        assert len(_scores(committed, conversation_id)) == 1
    assert sorted(event["conversation_id"] for event in events.scores) == sorted(ids)


def test_store_error_fails_one_conversation(committed, ingest, stub_worker, monkeypatch):
    real_store_one = services.scoring.store_score

    def store_broken(*args, **kwargs):
        raise ValueError("bulk insert rejected")

    def store_one_or_fail(item, *args, **kwargs):
        if item.conversation.external_id.endswith("-bad"):
            raise ValueError("row rejected")
        return real_store_one(item, *args, **kwargs)

    monkeypatch.setattr(services.scoring, "store_scores", store_broken)
    monkeypatch.setattr(services.scoring, "store_score", store_one_or_fail)
    good_id, bad_id = ingest([conversation(), conversation("pipe-store-bad")])

    stub_worker.join()

    stored = _conversations(committed, [good_id, bad_id])
    assert stored[good_id].scoring_status == "scored"
    assert stored[bad_id].scoring_status == "failed"
    assert stored[bad_id].scoring_error == "ValueError: row rejected"


def test_unavailable_model_fails_conversations(committed, ingest, stub_worker, settings):
    settings.SENTIMENT_MODEL = "/nonexistent/sentiment-model.pt"
    ids = ingest([conversation(), conversation()])

    stub_worker.join()

    stored = _conversations(committed, ids)
    for conversation_id in ids:
        assert stored[conversation_id].scoring_status == "failed"
        assert "SENTIMENT_MODEL" in stored[conversation_id].scoring_error
        assert stored[conversation_id].scoring_failed_at is not None
        assert stored[conversation_id].latest_score_id is None


def test_bad_conversation_does_not_fail_batch(committed, ingest, stub_worker, monkeypatch):
    real_score = services.scoring.score_conversation

    def score_or_fail(conversation_input, *args, **kwargs):
        if any("poison" in message.text for message in conversation_input.messages):
            raise ValueError("cannot score this one")
        return real_score(conversation_input, *args, **kwargs)

    monkeypatch.setattr(services.scoring, "score_conversation", score_or_fail)
    bad = conversation(messages=[{"role": "customer", "text": "poison pill"}, {"role": "ai", "text": "Hello."}])
    good_id, bad_id, other_id = ingest([conversation(), bad, conversation()])

    stub_worker.join()

    stored = _conversations(committed, [good_id, bad_id, other_id])
    assert stored[good_id].scoring_status == "scored"
    assert stored[other_id].scoring_status == "scored"
    assert stored[bad_id].scoring_status == "failed"
    assert stored[bad_id].scoring_error == "ValueError: cannot score this one"


def test_failed_conversation_recovers_on_success(committed, ingest, stub_worker, settings):
    settings.SENTIMENT_MODEL = "/nonexistent/sentiment-model.pt"
    [conversation_id] = ingest([conversation()])
    stub_worker.join()

    settings.SENTIMENT_MODEL = "builtin"
    enqueue_scoring(committed, [conversation_id])
    stub_worker.join()

    stored = _conversations(committed, [conversation_id])[conversation_id]
    assert stored.scoring_status == "scored"
    assert stored.scoring_error == ""
    assert stored.scoring_failed_at is None


def test_changed_content_moves_latest_score(committed, ingest, stub_worker, events):
    item = conversation()
    [conversation_id] = ingest([item])
    stub_worker.join()
    [first] = _scores(committed, conversation_id)

    item["messages"].append({"role": "customer", "text": "Actually, the refund has not arrived yet."})
    ingest([item])
    stub_worker.join()

    scores = _scores(committed, conversation_id)
    stored = _conversations(committed, [conversation_id])[conversation_id]
    assert len(scores) == 2
    assert stored.latest_score_id == scores[1].id
    assert scores[1].content_hash == stored.content_hash != first.content_hash
    assert events.scores[-1]["previous_score_id"] == first.id


def test_exhausted_retries_mark_conversations_failed(committed, ingest):
    ids = ingest([conversation(), conversation()])
    message = {
        "args": [committed, ids],
        "kwargs": {},
        "options": {"traceback": "Traceback...\ndjango.db.utils.OperationalError: the database system is shutting down\n"},
    }

    scoring_retries_exhausted.fn(message, {"retries": 5, "max_retries": 5})

    stored = _conversations(committed, ids)
    for conversation_id in ids:
        assert stored[conversation_id].scoring_status == "failed"
        assert stored[conversation_id].scoring_error == (
            "Scoring failed after 6 attempts: django.db.utils.OperationalError: the database system is shutting down"
        )


def test_deleted_conversation_is_skipped(committed, ingest, analyzer):
    existing_id, deleted_id = ingest([conversation(), conversation()])
    in_schema(committed, lambda: Conversation.objects.filter(id=deleted_id).delete())

    outcome = in_schema(committed, services.score_batch, [existing_id, deleted_id])

    assert outcome.scored == [existing_id]
    assert outcome.missing == [deleted_id]
    assert len(_scores(committed, existing_id)) == 1


def test_many_conversations_sent_in_batches(committed, ingest, stub_worker, monkeypatch):
    from scoring import tasks

    sent: list[list[int]] = []
    real_send = tasks.score_conversations.send

    def record_send(schema_name, conversation_ids, **kwargs):
        sent.append(list(conversation_ids))
        return real_send(schema_name, conversation_ids, **kwargs)

    monkeypatch.setattr(tasks.score_conversations, "send", record_send)
    ids = ingest([conversation() for _ in range(120)])

    stub_worker.join()

    assert [len(batch) for batch in sent] == [50, 50, 20]
    stored = _conversations(committed, ids)
    assert all(c.scoring_status == "scored" for c in stored.values())
