"""Score conversations and store the results.

Functions here run in the schema the connection is on; the Dramatiq actors in
`scoring.tasks` enter the workspace with `tenants.context.call_in_schema`.
Jobs are delivered at least once, so storing is idempotent: a score is
identified by its scoring key (content hash, configuration version, scorer,
rules and sentiment model versions) and a repeated job finds it and adds
nothing.
"""

from __future__ import annotations

import hashlib
import logging
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import InterfaceError, OperationalError, connection, transaction
from django.utils import timezone

from conversations.models import Conversation, Message, ScoringStatus
from scoring import events
from scoring.engine import ScoringConfig, score_conversation
from scoring.engine.types import (
    Channel,
    ConversationInput,
    MessageInput,
    OutcomeHint,
    Role,
    SentimentResult,
)
from scoring.engine.types import Score as EngineScore
from scoring.models import MessageSentiment, RescoreItem, Score
from scoring.services.configs import current_config
from scoring.services.rescoring import record_rescore_outcome

logger = logging.getLogger(__name__)

# Errors after which the same job can succeed: a lost connection, a deadlock
# or a serialization failure. They are re-raised so that Dramatiq retries.
TRANSIENT_ERRORS = (OperationalError, InterfaceError)
MAX_ERROR_CHARS = 2000


@dataclass
class BatchOutcome:
    """Conversation ids of one scoring job, by what happened to them."""

    scored: list[int] = field(default_factory=list)
    unchanged: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)
    missing: list[int] = field(default_factory=list)


@dataclass(frozen=True)
class _Loaded:
    conversation: Conversation
    messages: list[Message]
    input: ConversationInput


def scoring_key(content_hash: str, config_version: int, engine_score: EngineScore) -> str:
    """Return the SHA-256 that identifies a score of this content under these versions."""
    versions = engine_score.versions
    parts = [content_hash, str(config_version), versions.scorer, versions.rules, versions.sentiment_model]
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()


def signals_json(engine_score: EngineScore) -> list[dict[str, Any]]:
    """Return the signals as stored on Score.signals and served by the API.

    `messageIndices` are zero-based indexes into the conversation's messages
    ordered by position.
    """
    return [
        {
            "component": signal.component.value,
            "code": signal.code,
            "effect": signal.effect,
            "messageIndices": list(signal.message_indices),
            "reason": signal.reason,
        }
        for signal in engine_score.signals
    ]


def get_sentiment_analyzer():
    """Return this process's sentiment analyzer for settings.SENTIMENT_MODEL.

    Raises SentimentModelError when the model cannot be loaded.
    """
    from scoring.sentiment import get_analyzer

    return get_analyzer(settings.SENTIMENT_MODEL)


def current_model_version() -> str:
    """Return the version of the sentiment model new scores use, without loading the model."""
    from scoring.sentiment import model_version

    return model_version(settings.SENTIMENT_MODEL)


def load_conversations(conversation_ids: Sequence[int]) -> dict[int, _Loaded]:
    """Load conversations with their messages in two queries; missing ids are left out."""
    conversations = {c.id: c for c in Conversation.objects.filter(id__in=conversation_ids)}
    messages: dict[int, list[Message]] = defaultdict(list)
    for message in Message.objects.filter(conversation_id__in=conversations).order_by("conversation_id", "position"):
        messages[message.conversation_id].append(message)

    loaded = {}
    for conversation_id, conversation in conversations.items():
        rows = messages[conversation_id]
        loaded[conversation_id] = _Loaded(conversation, rows, _conversation_input(conversation, rows))
    return loaded


def _conversation_input(conversation: Conversation, messages: list[Message]) -> ConversationInput:
    return ConversationInput(
        messages=tuple(MessageInput(role=Role(m.role), text=m.text, sent_at=m.sent_at) for m in messages),
        channel=Channel(conversation.channel),
        outcome_hint=OutcomeHint(conversation.outcome_hint) if conversation.outcome_hint else None,
        started_at=conversation.started_at,
        ended_at=conversation.ended_at,
        language=conversation.language or None,
    )


def analyze_customer_messages(analyzer, loaded: dict[int, _Loaded]) -> dict[int, list[SentimentResult | None]]:
    """Run the sentiment model once over the customer messages of all conversations.

    Returns, per conversation, one entry per message: a result for customer
    messages and None for the others.
    """
    texts: list[str] = []
    slots: list[tuple[int, int]] = []
    for conversation_id, item in loaded.items():
        for index, message in enumerate(item.messages):
            if message.role == Role.CUSTOMER:
                texts.append(message.text)
                slots.append((conversation_id, index))

    # The analyzer serialises its tokenizer and model calls itself, so worker threads can share it.
    results = analyzer.analyze(texts) if texts else []
    sentiments = {conversation_id: [None] * len(item.messages) for conversation_id, item in loaded.items()}
    for (conversation_id, index), result in zip(slots, results, strict=True):
        sentiments[conversation_id][index] = result
    return sentiments


def score_batch(conversation_ids: Sequence[int], run_id: int | None = None, analyzer=None) -> BatchOutcome:
    """Score conversations with the current configuration and model, and store the scores.

    The content is read when the job runs, so a conversation changed after
    the job was enqueued is scored as it is now. A conversation whose scoring
    fails for a permanent reason is marked failed and the others go on.
    Raises the transient database errors in TRANSIENT_ERRORS so that the job
    is retried. The batch is stored in one transaction, so a retry stores
    nothing twice.
    """
    from scoring.sentiment import SentimentModelError

    outcome = BatchOutcome()
    ids = list(dict.fromkeys(conversation_ids))
    loaded = load_conversations(ids)
    for conversation_id in ids:
        if conversation_id not in loaded:
            outcome.missing.append(conversation_id)
            if run_id is not None:
                with transaction.atomic():
                    record_rescore_outcome(run_id, conversation_id, RescoreItem.Outcome.FAILED)
    if not loaded:
        return outcome

    config_version, config = current_config()
    try:
        analyzer = analyzer or get_sentiment_analyzer()
        sentiments = analyze_customer_messages(analyzer, loaded)
    except SentimentModelError as error:
        reason = f"The sentiment model is unavailable: {error}"
        logger.error("Scoring in %s failed for %d conversations: %s", connection.schema_name, len(loaded), reason)
        for conversation_id in loaded:
            mark_failed(conversation_id, reason, run_id)
            outcome.failed.append(conversation_id)
        return outcome

    # One transaction for the batch: one commit instead of one per
    # conversation. A transient error rolls back the whole batch, which the
    # retry then stores again.
    with transaction.atomic():
        entries = []
        for conversation_id, item in loaded.items():
            engine_score = _score_or_fail(item, sentiments[conversation_id], config, analyzer.version, run_id)
            if engine_score is None:
                outcome.failed.append(conversation_id)
            else:
                entries.append((item, sentiments[conversation_id], engine_score))

        for conversation_id, stored in _store_entries(entries, config_version, run_id).items():
            if stored is None:
                outcome.failed.append(conversation_id)
            elif stored:
                outcome.scored.append(conversation_id)
            else:
                outcome.unchanged.append(conversation_id)
    return outcome


_Entry = tuple[_Loaded, list[SentimentResult | None], EngineScore]


def _score_or_fail(
    item: _Loaded,
    sentiments: list[SentimentResult | None],
    config: ScoringConfig,
    model_version: str,
    run_id: int | None,
) -> EngineScore | None:
    """Score one conversation, or mark it failed and return None."""
    try:
        return score_conversation(item.input, config, sentiments, model_version)
    except Exception as error:
        # A bug or bad data in one conversation must not fail the rest of the
        # batch, and retrying would fail the same way: store it and go on.
        logger.exception("Scoring conversation %d in %s failed", item.conversation.id, connection.schema_name)
        mark_failed(item.conversation.id, f"{type(error).__name__}: {error}", run_id)
        return None


def _store_entries(entries: list[_Entry], config_version: int, run_id: int | None) -> dict[int, bool | None]:
    """Store the batch with `store_scores`, or conversation by conversation if that fails.

    Returns, per conversation id, True if stored, False if unchanged, None if failed.
    """
    try:
        with transaction.atomic():
            return dict(store_scores(entries, config_version, run_id))
    except TRANSIENT_ERRORS:
        raise
    except Exception:
        logger.exception(
            "Storing %d scores at once failed in %s; storing them one by one", len(entries), connection.schema_name
        )

    results: dict[int, bool | None] = {}
    for item, sentiments, engine_score in entries:
        conversation_id = item.conversation.id
        try:
            results[conversation_id] = store_score(item, sentiments, engine_score, config_version, run_id)
        except TRANSIENT_ERRORS:
            raise
        except Exception as error:
            logger.exception("Storing the score of conversation %d in %s failed", conversation_id, connection.schema_name)
            mark_failed(conversation_id, f"{type(error).__name__}: {error}", run_id)
            results[conversation_id] = None
    return results


def store_score(
    item: _Loaded,
    sentiments: list[SentimentResult | None],
    engine_score: EngineScore,
    config_version: int,
    run_id: int | None = None,
) -> bool:
    """Store a score, its message sentiments and the conversation's new state atomically.

    Inside an open transaction this is a savepoint, so a failure undoes only
    this conversation.

    Returns False when nothing changed: the same score already exists and is
    the latest, or the conversation's content changed since it was read (the
    ingestion that changed it enqueued a new job). Sends `score_stored`
    inside the transaction when the conversation's latest score moved.
    """
    conversation_id = item.conversation.id
    content_hash = item.conversation.content_hash
    key = scoring_key(content_hash, config_version, engine_score)

    with transaction.atomic():
        # Score writers lock the conversation row first, so two jobs for the
        # same conversation run the lookup-then-insert below one at a time.
        locked = (
            Conversation.objects.select_for_update(of=("self",))
            .select_related("latest_score")
            .filter(id=conversation_id)
            .first()
        )
        if locked is None or locked.content_hash != content_hash:
            if run_id is not None:
                outcome = RescoreItem.Outcome.DONE if locked is not None else RescoreItem.Outcome.FAILED
                record_rescore_outcome(run_id, conversation_id, outcome)
            return False

        _upsert_sentiment_rows(_sentiment_rows(item.messages, sentiments, engine_score.versions.sentiment_model))
        score = Score.objects.filter(conversation_id=conversation_id, scoring_key=key).first()
        created = score is None
        if created:
            score = _score_row(conversation_id, key, content_hash, config_version, engine_score)
            score.save()
        moved = _point_to_score(locked, score, run_id)
    return created or moved or locked.scoring_status != ScoringStatus.SCORED


def store_scores(entries: list[_Entry], config_version: int, run_id: int | None = None) -> dict[int, bool]:
    """Store a batch of scores with the effects of `store_score` for each, in a few queries.

    Call it inside a transaction. The conversations are locked in id order,
    and the sentiments and new scores are written with one statement each.
    Returns, per conversation id, whether anything changed.
    """
    ids = sorted(item.conversation.id for item, _, _ in entries)
    locked = {
        row.id: row
        for row in Conversation.objects.select_for_update(of=("self",))
        .select_related("latest_score")
        .filter(id__in=ids)
        .order_by("id")
    }

    results: dict[int, bool] = {}
    current: list[tuple[_Entry, str]] = []
    for entry in entries:
        item, _, engine_score = entry
        conversation_id = item.conversation.id
        row = locked.get(conversation_id)
        if row is None or row.content_hash != item.conversation.content_hash:
            # Deleted, or changed since it was read; the change enqueued a new job.
            results[conversation_id] = False
            if run_id is not None:
                outcome = RescoreItem.Outcome.DONE if row is not None else RescoreItem.Outcome.FAILED
                record_rescore_outcome(run_id, conversation_id, outcome)
            continue
        current.append((entry, scoring_key(item.conversation.content_hash, config_version, engine_score)))

    sentiment_rows = []
    for (item, sentiments, engine_score), _ in current:
        sentiment_rows += _sentiment_rows(item.messages, sentiments, engine_score.versions.sentiment_model)
    _upsert_sentiment_rows(sentiment_rows)

    keys = {item.conversation.id: key for (item, _, _), key in current}
    existing = {
        score.conversation_id: score
        for score in Score.objects.filter(conversation_id__in=keys, scoring_key__in=set(keys.values()))
        if keys[score.conversation_id] == score.scoring_key
    }
    new_scores = [
        _score_row(item.conversation.id, key, item.conversation.content_hash, config_version, engine_score)
        for (item, _, engine_score), key in current
        if item.conversation.id not in existing
    ]
    Score.objects.bulk_create(new_scores)
    scores = {**existing, **{score.conversation_id: score for score in new_scores}}

    for (item, _, _), _ in current:
        conversation_id = item.conversation.id
        row = locked[conversation_id]
        moved = _point_to_score(row, scores[conversation_id], run_id)
        created = conversation_id not in existing
        results[conversation_id] = created or moved or row.scoring_status != ScoringStatus.SCORED
    return results


def _score_row(
    conversation_id: int, key: str, content_hash: str, config_version: int, engine_score: EngineScore
) -> Score:
    return Score(
        conversation_id=conversation_id,
        scoring_key=key,
        config_version=config_version,
        scorer_version=engine_score.versions.scorer,
        rules_version=engine_score.versions.rules,
        model_version=engine_score.versions.sentiment_model,
        content_hash=content_hash,
        overall=engine_score.overall,
        rating=engine_score.rating.value if engine_score.rating else None,
        resolution=engine_score.resolution,
        efficiency=engine_score.efficiency,
        sentiment=engine_score.sentiment,
        confidence=engine_score.confidence,
        outcome=engine_score.outcome.value,
        progress_level=engine_score.progress_level.value if engine_score.progress_level else None,
        sentiment_trend=engine_score.sentiment_trend.value if engine_score.sentiment_trend else None,
        insufficient_data=engine_score.insufficient_data,
        signals=signals_json(engine_score),
        summary=engine_score.summary,
    )


def _point_to_score(locked: Conversation, score: Score, run_id: int | None) -> bool:
    """Make `score` the conversation's latest score and mark it scored; return whether the pointer moved.

    `locked` is the conversation row, locked by the caller, with its latest
    score loaded. Sends `score_stored` when the pointer moved.
    """
    previous = locked.latest_score
    # A job that read an older configuration and finished late must not
    # move the pointer back from a score of a newer configuration.
    moved = previous is None or (previous.id != score.id and previous.config_version <= score.config_version)
    updates: dict[str, Any] = {"scoring_status": ScoringStatus.SCORED, "scoring_error": "", "scoring_failed_at": None}
    if moved:
        updates["latest_score"] = score
    # update() leaves updated_at alone: scoring is not a change of the conversation.
    Conversation.objects.filter(id=locked.id).update(**updates)

    if moved:
        events.score_stored.send(
            sender=Score,
            schema_name=connection.schema_name,
            conversation_id=locked.id,
            score_id=score.id,
            previous_score_id=previous.id if previous else None,
        )
    if run_id is not None:
        record_rescore_outcome(run_id, locked.id, RescoreItem.Outcome.DONE)
    return moved


def _sentiment_rows(
    messages: list[Message], sentiments: list[SentimentResult | None], model_version: str
) -> list[MessageSentiment]:
    return [
        MessageSentiment(
            message_id=message.id,
            model_version=model_version,
            label=result.label.value,
            value=result.value,
            confidence=result.confidence,
            scorable=result.scorable,
            truncated=result.truncated,
        )
        for message, result in zip(messages, sentiments, strict=True)
        if result is not None
    ]


def _upsert_sentiment_rows(rows: list[MessageSentiment]) -> None:
    if rows:
        MessageSentiment.objects.bulk_create(
            rows,
            update_conflicts=True,
            unique_fields=["message", "model_version"],
            update_fields=["label", "value", "confidence", "scorable", "truncated"],
        )


def mark_failed(conversation_id: int, reason: str, run_id: int | None = None) -> None:
    """Store a permanent scoring failure on the conversation; its latest score, if any, stays."""
    with transaction.atomic():
        Conversation.objects.filter(id=conversation_id).update(
            scoring_status=ScoringStatus.FAILED,
            scoring_error=reason[:MAX_ERROR_CHARS],
            scoring_failed_at=timezone.now(),
        )
        if run_id is not None:
            record_rescore_outcome(run_id, conversation_id, RescoreItem.Outcome.FAILED)


def mark_batch_failed(conversation_ids: Sequence[int], reason: str, run_id: int | None = None) -> None:
    """Mark every conversation of a job failed, for example after its retries ran out."""
    for conversation_id in dict.fromkeys(conversation_ids):
        mark_failed(conversation_id, reason, run_id)
