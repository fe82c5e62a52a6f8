"""Small builders for hand-written test conversations."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from scoring.engine import ScoringConfig, score_conversation
from scoring.engine.types import (
    ConversationInput,
    MessageInput,
    Role,
    Score,
    SentimentLabel,
    SentimentResult,
)

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
ROLES = {"c": Role.CUSTOMER, "a": Role.AI, "h": Role.HUMAN_AGENT, "s": Role.SYSTEM}


def conversation(*turns: tuple[str, str], seconds: list[float] | None = None, **fields) -> ConversationInput:
    """Build a conversation from (role letter, text) pairs; `seconds` gives each message's offset from START."""
    messages = tuple(
        MessageInput(
            role=ROLES[role],
            text=text,
            sent_at=None if seconds is None else START + timedelta(seconds=seconds[index]),
        )
        for index, (role, text) in enumerate(turns)
    )
    return ConversationInput(messages=messages, **fields)


def sentiment(value: float, confidence: float = 0.9) -> SentimentResult:
    if value > 0.05:
        label = SentimentLabel.POSITIVE
    elif value < -0.05:
        label = SentimentLabel.NEGATIVE
    else:
        label = SentimentLabel.NEUTRAL
    return SentimentResult(label=label, value=value, confidence=confidence)


def sentiments_for(conv: ConversationInput, values: list[float] | None = None) -> list[SentimentResult | None]:
    """Give customer messages the next value from `values` (0 when absent), others None."""
    remaining = list(values or [])
    results: list[SentimentResult | None] = []
    for message in conv.messages:
        if message.role is Role.CUSTOMER:
            results.append(sentiment(remaining.pop(0) if remaining else 0.0))
        else:
            results.append(None)
    return results


def score(
    conv: ConversationInput, values: list[float] | None = None, config: ScoringConfig | None = None
) -> Score:
    return score_conversation(conv, config or ScoringConfig.default(), sentiments_for(conv, values), "test-model-1")


def codes(result: Score) -> set[str]:
    return {signal.code for signal in result.signals}


def signal(result: Score, code: str):
    matches = [s for s in result.signals if s.code == code]
    assert matches, f"signal {code} not in {sorted(codes(result))}"
    return matches[0]
