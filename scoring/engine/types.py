"""Value types shared by the scoring core, the sentiment stage and their callers.

The core is plain Python: nothing here imports Django, GraphQL or Dramatiq.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum


class Role(StrEnum):
    CUSTOMER = "customer"
    AI = "ai"
    HUMAN_AGENT = "human_agent"
    SYSTEM = "system"


class Channel(StrEnum):
    CHAT = "chat"
    EMAIL = "email"
    MESSAGING = "messaging"
    VOICE = "voice"
    OTHER = "other"


class OutcomeHint(StrEnum):
    RESOLVED = "resolved"
    HANDED_OFF = "handed_off"
    ABANDONED = "abandoned"


class Outcome(StrEnum):
    RESOLVED = "resolved"
    HANDED_OFF = "handed_off"
    ABANDONED = "abandoned"
    UNRESOLVED = "unresolved"
    ACTIVE = "active"


class Rating(StrEnum):
    EXCELLENT = "excellent"
    GOOD = "good"
    POOR = "poor"


class ProgressLevel(StrEnum):
    FULLY_RESOLVED = "fully_resolved"
    PARTIALLY_RESOLVED = "partially_resolved"
    NO_PROGRESS = "no_progress"


class SentimentTrend(StrEnum):
    IMPROVED = "improved"
    STABLE = "stable"
    DETERIORATED = "deteriorated"


class Component(StrEnum):
    RESOLUTION = "resolution"
    EFFICIENCY = "efficiency"
    SENTIMENT = "sentiment"


class SentimentLabel(StrEnum):
    NEGATIVE = "negative"
    NEUTRAL = "neutral"
    POSITIVE = "positive"


@dataclass(frozen=True, slots=True)
class MessageInput:
    """One message of a conversation, in conversation order."""

    role: Role
    text: str
    sent_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class ConversationInput:
    """Everything the core reads about a conversation."""

    messages: tuple[MessageInput, ...]
    channel: Channel = Channel.CHAT
    outcome_hint: OutcomeHint | None = None
    started_at: datetime | None = None
    ended_at: datetime | None = None
    language: str | None = None


@dataclass(frozen=True, slots=True)
class SentimentResult:
    """Sentiment of one customer message.

    `value` is signed in [-1, 1]: negative below zero, positive above.
    `scorable` is False for text the model cannot judge (empty, emoji-only
    after cleaning, and so on); then `label` is neutral and `value` 0.
    `truncated` is True when the text was cut to the encoder's token limit.
    """

    label: SentimentLabel
    value: float
    confidence: float
    scorable: bool = True
    truncated: bool = False


@dataclass(frozen=True, slots=True)
class Signal:
    """One piece of evidence behind a sub-score.

    `effect` is in sub-score points (positive raises, negative lowers).
    `message_indices` are zero-based positions in the conversation's messages.
    """

    component: Component
    code: str
    effect: float
    message_indices: tuple[int, ...]
    reason: str


@dataclass(frozen=True, slots=True)
class ScoreVersions:
    scorer: str
    rules: str
    sentiment_model: str


@dataclass(frozen=True, slots=True)
class Score:
    """The scored conversation with everything needed to explain it.

    When `insufficient_data` is True, `rating` is None and the sub-scores
    that could not be judged are None as well.
    """

    overall: float | None
    rating: Rating | None
    resolution: float | None
    efficiency: float | None
    sentiment: float | None
    confidence: float
    outcome: Outcome
    progress_level: ProgressLevel | None
    sentiment_trend: SentimentTrend | None
    insufficient_data: bool
    signals: tuple[Signal, ...]
    summary: str
    versions: ScoreVersions
    message_sentiments: tuple[SentimentResult | None, ...] = field(default=())
