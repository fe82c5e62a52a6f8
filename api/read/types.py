"""GraphQL object types of the read API.

Every type is built from model rows that the loader has already fetched
(`from_model` classmethods), so resolving a field never runs a query. That
keeps the number of SQL queries per page constant and lets the websocket
subscriptions and the demo build a `ScoreType` from a `scoring.models.Score`
row without touching the database again.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Annotated, Any

import strawberry
from strawberry.scalars import JSON

from api.read.enums import (
    ChannelEnum,
    ComponentEnum,
    OutcomeEnum,
    OutcomeHintEnum,
    ProgressLevelEnum,
    RatingEnum,
    RoleEnum,
    ScoringStatus,
    SentimentLabelEnum,
    SentimentTrendEnum,
)

logger = logging.getLogger(__name__)

MAX_NESTED_ITEMS = 50
"""Maximum `first` on nested lists (score history, QA reviews)."""

DEFAULT_NESTED_ITEMS = 10

MAX_SIGNALS = 200
"""Most signals returned per score; the scorer emits far fewer, so this only guards against odd stored data."""

MAX_TRANSCRIPT_MESSAGES = 1000
"""Maximum messages returned per transcript; longer conversations are cut and flagged."""


def _enum_or_none(enum_class, value):
    if value in (None, ""):
        return None
    try:
        return enum_class(value)
    except ValueError:
        logger.warning("Unknown %s value %r in stored data", enum_class.__name__, value)
        return None


def _clamp_first(first: int) -> int:
    return max(0, min(first, MAX_NESTED_ITEMS))


@strawberry.type(name="MessageSentiment", description="The sentiment model's judgement of one customer message.")
class MessageSentimentType:
    label: SentimentLabelEnum = strawberry.field(description="Negative, neutral or positive.")
    value: float = strawberry.field(description="Signed sentiment in [-1, 1]: below zero is negative.")
    confidence: float = strawberry.field(description="The model's confidence in the label, in [0, 1].")
    scorable: bool = strawberry.field(
        description="False when the model could not judge the text (empty or emoji only); then the label is neutral."
    )
    truncated: bool = strawberry.field(description="True when the text was cut to the model's token limit.")
    model_version: str = strawberry.field(description="The sentiment model version that produced this judgement.")

    @classmethod
    def from_model(cls, row) -> MessageSentimentType:
        return cls(
            label=SentimentLabelEnum(row.label),
            value=row.value,
            confidence=row.confidence,
            scorable=row.scorable,
            truncated=row.truncated,
            model_version=row.model_version,
        )


@strawberry.type(name="Message", description="One message of a conversation's transcript.")
class MessageType:
    id: strawberry.ID = strawberry.field(description="The message's id.")
    index: int = strawberry.field(
        description="Zero-based position in the conversation; signals refer to messages by this index."
    )
    role: RoleEnum = strawberry.field(description="Who wrote the message.")
    text: str = strawberry.field(description="The message text as ingested.")
    sent_at: datetime | None = strawberry.field(description="When the message was sent, if the platform sent it.")
    external_id: str | None = strawberry.field(description="The support platform's id for the message, if any.")
    sentiment: MessageSentimentType | None = strawberry.field(
        description=(
            "Sentiment of a customer message from the model version of the latest score "
            "(or the newest available); null for other roles and unscored messages."
        )
    )

    @classmethod
    def from_model(cls, message, index: int, sentiment_model_version: str | None = None) -> MessageType:
        """Build from a Message row whose `sentiments` are prefetched.

        `index` is the message's zero-based place in the transcript ordered by position.
        """
        sentiment = None
        if message.role == "customer":
            sentiment = _pick_sentiment(_prefetched(message, "sentiments"), sentiment_model_version)
        return cls(
            id=strawberry.ID(str(message.pk)),
            index=index,
            role=RoleEnum(message.role),
            text=message.text,
            sent_at=message.sent_at,
            external_id=message.external_id or None,
            sentiment=MessageSentimentType.from_model(sentiment) if sentiment is not None else None,
        )


PREFETCHED = {"messages": "prefetched_messages", "scores": "prefetched_scores", "qa_reviews": "prefetched_qa_reviews"}
"""Attribute names under which api.read.loading stores the bounded prefetches."""


def _prefetched(instance, relation: str) -> list:
    """Return a prefetched relation, or an empty list when it was not prefetched (never a lazy query)."""
    attribute = PREFETCHED.get(relation)
    if attribute and hasattr(instance, attribute):
        return list(getattr(instance, attribute))
    cache = getattr(instance, "_prefetched_objects_cache", {})
    if relation in cache:
        return list(cache[relation])
    return []


def _pick_sentiment(rows: list, model_version: str | None):
    if not rows:
        return None
    for row in rows:
        if row.model_version == model_version:
            return row
    return max(rows, key=lambda row: row.pk)


@strawberry.type(name="Signal", description="One piece of evidence behind a sub-score, with the messages that triggered it.")
class SignalType:
    component: ComponentEnum | None = strawberry.field(description="The sub-score this signal moved.")
    code: str = strawberry.field(description="Stable machine-readable code of the rule, for example `repeated_question`.")
    effect: float = strawberry.field(description="Effect on the sub-score in points: positive raises, negative lowers.")
    message_indices: list[int] = strawberry.field(
        description="Zero-based indices of the messages that triggered the signal."
    )
    reason: str = strawberry.field(description="Human-readable explanation of the signal.")
    messages: list[MessageType] = strawberry.field(
        description=(
            "The messages at `messageIndices`, when the transcript was loaded with the score "
            "(on `Conversation.latestScore`); empty on score events."
        )
    )

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], messages_by_index: Mapping[int, MessageType] | None = None) -> SignalType:
        """Build from one stored signal dict; tolerant of snake_case keys and missing fields."""
        indices_raw = data.get("messageIndices", data.get("message_indices")) or []
        indices = [int(i) for i in indices_raw if isinstance(i, (int, float, str)) and str(i).lstrip("-").isdigit()]
        lookup = messages_by_index or {}
        try:
            effect = float(data.get("effect") or 0.0)
        except (TypeError, ValueError):
            effect = 0.0
        return cls(
            component=_enum_or_none(ComponentEnum, data.get("component")),
            code=str(data.get("code") or ""),
            effect=effect,
            message_indices=indices,
            reason=str(data.get("reason") or ""),
            messages=[lookup[i] for i in indices if i in lookup],
        )


@strawberry.type(name="Score", description="One stored score of a conversation, with the explanation behind it.")
class ScoreType:
    id: strawberry.ID = strawberry.field(description="The score's id.")
    conversation_id: strawberry.ID = strawberry.field(description="Id of the scored conversation.")
    overall: float | None = strawberry.field(
        description="Overall score in [0, 100]; null when there was not enough data to judge."
    )
    rating: RatingEnum | None = strawberry.field(description="Excellent, good or poor; null with insufficient data.")
    resolution: float | None = strawberry.field(description="Resolution progress sub-score in [0, 100].")
    efficiency: float | None = strawberry.field(description="Efficiency sub-score in [0, 100].")
    sentiment: float | None = strawberry.field(description="Customer sentiment sub-score in [0, 100].")
    confidence: float = strawberry.field(description="Confidence in the score, in [0, 1].")
    outcome: OutcomeEnum | None = strawberry.field(description="How the conversation ended, as the scorer judged it.")
    progress_level: ProgressLevelEnum | None = strawberry.field(description="How far the issue got towards resolution.")
    sentiment_trend: SentimentTrendEnum | None = strawberry.field(
        description="Customer sentiment at the end compared with the start."
    )
    insufficient_data: bool = strawberry.field(
        description="True when the conversation was too short or unclear to rate; then `rating` is null."
    )
    summary: str = strawberry.field(description="One-paragraph explanation of the score.")
    signals: list[SignalType] = strawberry.field(
        description=f"The evidence behind the sub-scores, in scorer order (at most {MAX_SIGNALS})."
    )
    config_version: int = strawberry.field(description="The workspace scoring configuration version used.")
    scorer_version: str = strawberry.field(description="Version of the scoring code.")
    rules_version: str = strawberry.field(description="Version of the rule book (phrase lists and weights).")
    model_version: str = strawberry.field(description="Version of the sentiment model.")
    created_at: datetime = strawberry.field(description="When the score was stored.")

    @classmethod
    def from_model(cls, score, messages_by_index: Mapping[int, MessageType] | None = None) -> ScoreType:
        """Build from a `scoring.models.Score` row without any query.

        `messages_by_index` fills `Signal.messages`; without it those lists are empty.
        """
        raw_signals = score.signals if isinstance(score.signals, list) else []
        signals = [
            SignalType.from_dict(item, messages_by_index) for item in raw_signals[:MAX_SIGNALS] if isinstance(item, Mapping)
        ]
        return cls(
            id=strawberry.ID(str(score.pk)),
            conversation_id=strawberry.ID(str(score.conversation_id)),
            overall=score.overall,
            rating=_enum_or_none(RatingEnum, score.rating),
            resolution=score.resolution,
            efficiency=score.efficiency,
            sentiment=score.sentiment,
            confidence=score.confidence,
            outcome=_enum_or_none(OutcomeEnum, score.outcome),
            progress_level=_enum_or_none(ProgressLevelEnum, score.progress_level),
            sentiment_trend=_enum_or_none(SentimentTrendEnum, score.sentiment_trend),
            insufficient_data=score.insufficient_data,
            summary=score.summary,
            signals=signals,
            config_version=score.config_version,
            scorer_version=score.scorer_version,
            rules_version=score.rules_version,
            model_version=score.model_version,
            created_at=score.created_at,
        )


@strawberry.type(name="Csat", description="The customer's satisfaction survey answer.")
class CsatType:
    rating: float = strawberry.field(description="The rating the customer gave, from 1 to `scale`.")
    scale: int | None = strawberry.field(description="The top of the rating scale, for example 5.")
    normalized: float | None = strawberry.field(description="The rating mapped to [0, 1], so scales compare.")
    comment: str | None = strawberry.field(description="The customer's comment, if any.")
    submitted_at: datetime | None = strawberry.field(description="When the customer answered the survey.")

    @classmethod
    def from_conversation(cls, conversation) -> CsatType | None:
        if conversation.csat_rating is None:
            return None
        return cls(
            rating=conversation.csat_rating,
            scale=conversation.csat_scale,
            normalized=conversation.csat_normalized,
            comment=conversation.csat_comment or None,
            submitted_at=conversation.csat_submitted_at,
        )


@strawberry.type(name="QaReview", description="A manual quality review, kept beside the AI score and never changing it.")
class QaReviewType:
    id: strawberry.ID = strawberry.field(description="The review's id.")
    reviewer: str = strawberry.field(description="Who reviewed the conversation.")
    rating: RatingEnum = strawberry.field(description="The reviewer's verdict.")
    score: float | None = strawberry.field(description="The reviewer's score in [0, 100], if given.")
    notes: str | None = strawberry.field(description="The reviewer's notes.")
    created_at: datetime = strawberry.field(description="When the review was submitted.")

    @classmethod
    def from_model(cls, review) -> QaReviewType:
        return cls(
            id=strawberry.ID(str(review.pk)),
            reviewer=review.reviewer,
            rating=RatingEnum(review.rating),
            score=review.score,
            notes=review.notes or None,
            created_at=review.created_at,
        )


@strawberry.type(name="Conversation", description="A conversation with its transcript, scores, CSAT and QA reviews.")
class ConversationType:
    id: strawberry.ID = strawberry.field(description="The conversation's id in this service.")
    external_id: str = strawberry.field(description="The support platform's id for the conversation.")
    channel: ChannelEnum = strawberry.field(description="The channel it took place on.")
    ai_agent: str | None = strawberry.field(description="The AI agent that handled it, if the platform sent it.")
    started_at: datetime | None = strawberry.field(description="When it started.")
    ended_at: datetime | None = strawberry.field(description="When it ended; null while active or unknown.")
    language: str | None = strawberry.field(description="BCP 47 language tag, if known.")
    tags: list[str] = strawberry.field(description="Tags from the support platform.")
    metadata: JSON = strawberry.field(description="Free-form metadata from the support platform.")
    outcome_hint: OutcomeHintEnum | None = strawberry.field(description="How the support platform reports it ended.")
    message_count: int = strawberry.field(description="Number of messages in the transcript.")
    csat: CsatType | None = strawberry.field(description="The customer's survey answer; null when none arrived.")
    scoring_status: ScoringStatus = strawberry.field(description="Pending, scored or failed.")
    scoring_error: str | None = strawberry.field(description="Why the last scoring attempt failed, when it did.")
    latest_score: ScoreType | None = strawberry.field(
        description="The current score, with signals linked to the transcript; null until scored."
    )
    created_at: datetime = strawberry.field(description="When this service first received it.")
    updated_at: datetime = strawberry.field(description="When its content or CSAT last changed; scoring leaves it alone.")

    _messages: strawberry.Private[list[MessageType]]
    _score_history: strawberry.Private[list[ScoreType]]
    _qa_reviews: strawberry.Private[list[QaReviewType]]

    @strawberry.field(
        description=(
            f"The transcript in order, each customer message with its sentiment. At most "
            f"{MAX_TRANSCRIPT_MESSAGES} messages; compare with `messageCount`."
        )
    )
    def messages(self) -> list[MessageType]:
        return self._messages

    @strawberry.field(
        description=f"Stored scores, newest first, one per scoring version. `first` is capped at {MAX_NESTED_ITEMS}."
    )
    def score_history(
        self, first: Annotated[int, strawberry.argument(description="How many scores to return.")] = DEFAULT_NESTED_ITEMS
    ) -> list[ScoreType]:
        return self._score_history[: _clamp_first(first)]

    @strawberry.field(description=f"Manual QA reviews, newest first. `first` is capped at {MAX_NESTED_ITEMS}.")
    def qa_reviews(
        self, first: Annotated[int, strawberry.argument(description="How many reviews to return.")] = DEFAULT_NESTED_ITEMS
    ) -> list[QaReviewType]:
        return self._qa_reviews[: _clamp_first(first)]

    @classmethod
    def from_model(cls, conversation) -> ConversationType:
        """Build from a Conversation row with prefetched `messages`, `scores`, `qa_reviews` and `latest_score`.

        Relations that were not prefetched come out empty, never as extra queries.
        """
        latest = conversation.latest_score if _is_cached(conversation, "latest_score") else None
        model_version = latest.model_version if latest is not None else None
        messages = [
            MessageType.from_model(message, index, model_version)
            for index, message in enumerate(_prefetched(conversation, "messages"))
        ]
        messages_by_index = {m.index: m for m in messages}
        history = [ScoreType.from_model(s) for s in _prefetched(conversation, "scores")]
        reviews = [QaReviewType.from_model(r) for r in _prefetched(conversation, "qa_reviews")]
        return cls(
            id=strawberry.ID(str(conversation.pk)),
            external_id=conversation.external_id,
            channel=ChannelEnum(conversation.channel),
            ai_agent=conversation.ai_agent or None,
            started_at=conversation.started_at,
            ended_at=conversation.ended_at,
            language=conversation.language or None,
            tags=list(conversation.tags or []),
            metadata=conversation.metadata or {},
            outcome_hint=_enum_or_none(OutcomeHintEnum, conversation.outcome_hint),
            message_count=conversation.message_count,
            csat=CsatType.from_conversation(conversation),
            scoring_status=ScoringStatus(conversation.scoring_status),
            scoring_error=conversation.scoring_error or None,
            latest_score=ScoreType.from_model(latest, messages_by_index) if latest is not None else None,
            created_at=conversation.created_at,
            updated_at=conversation.updated_at,
            _messages=messages,
            _score_history=history,
            _qa_reviews=reviews,
        )


def _is_cached(instance, field_name: str) -> bool:
    if getattr(instance, f"{field_name}_id", None) is None:
        return False
    return instance._meta.get_field(field_name).is_cached(instance)


def build_conversations(rows: Iterable) -> list[ConversationType]:
    return [ConversationType.from_model(row) for row in rows]
