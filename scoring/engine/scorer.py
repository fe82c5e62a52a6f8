"""Assemble the sub-scores, overall score, rating, confidence and summary."""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache

from scoring.engine.config import CustomSignal, ScoringConfig
from scoring.engine.customer_sentiment import assess_sentiment
from scoring.engine.efficiency import assess_efficiency
from scoring.engine.resolution import assess_resolution, progress_level
from scoring.engine.rulebook import get_rulebook
from scoring.engine.signals import make_signal
from scoring.engine.text import compile_phrases
from scoring.engine.transcript import Transcript, build_transcript
from scoring.engine.types import (
    Component,
    ConversationInput,
    Outcome,
    Rating,
    Role,
    Score,
    ScoreVersions,
    SentimentResult,
    Signal,
)

SCORER_VERSION = "1.1.0"
SUMMARY_SIGNAL_COUNT = 3
_COMPONENT_ORDER = {component: position for position, component in enumerate(Component)}


def score_conversation(
    conversation: ConversationInput,
    config: ScoringConfig,
    sentiments: Sequence[SentimentResult | None],
    sentiment_model_version: str,
) -> Score:
    """Score one conversation. The same arguments always give the same Score.

    `sentiments` is aligned with `conversation.messages`: one entry per
    message, None for messages that were not scored. Raises ValueError when
    the lengths differ.
    """
    if len(sentiments) != len(conversation.messages):
        raise ValueError(
            f"Got {len(sentiments)} sentiment results for {len(conversation.messages)} messages. "
            "Pass one entry per message, None where a message was not scored."
        )
    rules = get_rulebook(conversation.language or config.language)
    versions = ScoreVersions(scorer=SCORER_VERSION, rules=rules.version, sentiment_model=sentiment_model_version)
    transcript = build_transcript(conversation, rules, config.rules)

    resolution = assess_resolution(conversation, transcript, rules)
    efficiency_base, efficiency_signals = assess_efficiency(conversation, transcript, rules, config.rules)
    scored = [
        (index, result)
        for index, (message, result) in enumerate(zip(conversation.messages, sentiments, strict=True))
        if result is not None and result.scorable and message.role == Role.CUSTOMER and transcript.messages[index].has_words
    ]
    sentiment = assess_sentiment(scored, rules)
    custom = _custom_signals(transcript, config.custom_signals)

    signals = tuple(
        sorted(
            [*resolution.signals, *efficiency_signals, *(sentiment.signals if sentiment else ()), *custom],
            key=lambda s: _COMPONENT_ORDER[s.component],
        )
    )
    # An open conversation without any reply yet tells nothing about the AI,
    # so it is not judged. One that ended without a reply is judged and scores low.
    has_reply = bool(transcript.by_role(Role.AI, Role.HUMAN_AGENT))
    awaiting_first_reply = not has_reply and resolution.outcome is Outcome.ACTIVE
    has_customer_text = bool(transcript.customer_messages) and not awaiting_first_reply
    sub_scores = {
        Component.RESOLUTION: _sub_score(resolution.base, signals, Component.RESOLUTION) if has_customer_text else None,
        Component.EFFICIENCY: _sub_score(efficiency_base, signals, Component.EFFICIENCY) if has_customer_text else None,
        Component.SENTIMENT: _sub_score(sentiment.base, signals, Component.SENTIMENT) if sentiment else None,
    }
    overall = _weighted_overall(sub_scores, config)
    insufficient = overall is None
    rating = None if insufficient else _rating(overall, config)

    resolution_score = sub_scores[Component.RESOLUTION]
    return Score(
        overall=overall,
        rating=rating,
        resolution=resolution_score,
        efficiency=sub_scores[Component.EFFICIENCY],
        sentiment=sub_scores[Component.SENTIMENT],
        confidence=_confidence(transcript, conversation, sentiment, insufficient),
        outcome=resolution.outcome,
        progress_level=None if resolution_score is None else progress_level(resolution.outcome, resolution_score, rules),
        sentiment_trend=sentiment.trend if sentiment else None,
        insufficient_data=insufficient,
        signals=signals if has_customer_text else (),
        summary=_summary(overall, rating, resolution.outcome.value, signals, has_customer_text, awaiting_first_reply),
        versions=versions,
        message_sentiments=tuple(sentiments),
    )


def _sub_score(base: float, signals: Sequence[Signal], component: Component) -> float:
    total = base + sum(s.effect for s in signals if s.component is component)
    return round(max(0.0, min(100.0, total)), 1)


def _weighted_overall(sub_scores: dict[Component, float | None], config: ScoringConfig) -> float | None:
    """Return the weighted mean of the judged sub-scores, or None when nothing weighted was judged.

    A sub-score that is None drops out and the remaining weights are
    normalised again.
    """
    weights = config.weights.normalized()
    judged = [(weights[c], value) for c, value in sub_scores.items() if value is not None and weights[c] > 0]
    if not judged or sub_scores[Component.RESOLUTION] is None:
        return None
    total_weight = sum(weight for weight, _ in judged)
    return round(sum(weight * value for weight, value in judged) / total_weight, 1)


def _rating(overall: float, config: ScoringConfig) -> Rating:
    if overall >= config.thresholds.excellent:
        return Rating.EXCELLENT
    if overall >= config.thresholds.good:
        return Rating.GOOD
    return Rating.POOR


def _confidence(transcript: Transcript, conversation: ConversationInput, sentiment, insufficient: bool) -> float:
    """Estimate, 0..1, how much evidence the score rests on.

    Grows with the number of customer messages (full at 4), the share of
    them with a sentiment result and that result's confidence, and the
    presence of timestamps. An unjudged conversation gets 0.
    """
    if insufficient:
        return 0.0
    customer_count = len(transcript.customer_messages)
    evidence = min(customer_count / 4, 1.0)
    if sentiment is None:
        sentiment_part = 0.0
    else:
        sentiment_part = sentiment.mean_confidence * min(sentiment.scored_count / customer_count, 1.0)
    timed = any(m.sent_at is not None for m in conversation.messages)
    return round(0.2 + 0.4 * evidence + 0.3 * sentiment_part + (0.1 if timed else 0.0), 2)


@lru_cache(maxsize=256)
def _custom_matchers(signal: CustomSignal) -> tuple[re.Pattern[str], ...]:
    compiled = [compile_phrases(signal.phrases)]
    if signal.regex:
        compiled.append(re.compile(signal.regex, re.IGNORECASE))
    return tuple(p for p in compiled if p is not None)


def _custom_signals(transcript: Transcript, custom_signals: Sequence[CustomSignal]) -> list[Signal]:
    signals = []
    for custom in custom_signals:
        matchers = _custom_matchers(custom)
        roles = {"customer": (Role.CUSTOMER,), "ai": (Role.AI,), "any": tuple(Role)}[custom.role]
        indices = [
            m.index
            for m in transcript.by_role(*roles)
            if any(pattern.search(m.text) for pattern in matchers)
        ]
        if indices:
            signals.append(make_signal(custom.component, f"custom.{custom.code}", custom.effect, indices, custom.reason.strip()))
    return signals


def _summary(
    overall: float | None,
    rating: Rating | None,
    outcome: str,
    signals: Sequence[Signal],
    has_text: bool,
    awaiting_first_reply: bool = False,
) -> str:
    """Build one sentence from the rating and the strongest signals."""
    if awaiting_first_reply:
        return "Not enough to score yet: the conversation is open and has no reply."
    if not has_text:
        return "Not enough customer text to score this conversation."
    outcome_text = outcome.replace("_", " ")
    strongest = sorted((s for s in signals if s.effect != 0), key=lambda s: (-abs(s.effect), s.code))
    reasons = [_clause(s.reason) for s in strongest[:SUMMARY_SIGNAL_COUNT]]
    if overall is None or rating is None:
        head = f"Not enough data for a rating, outcome {outcome_text}"
    else:
        head = f"{rating.value.capitalize()} ({overall:.1f}/100), outcome {outcome_text}"
    if not reasons:
        return head + "."
    return f"{head}: {'; '.join(reasons)}."


def _clause(reason: str) -> str:
    clause = _collapse_whitespace(reason).rstrip(".")
    if clause[:4] == "The " or clause[:2] in ("A ", "An"):
        clause = clause[0].lower() + clause[1:]
    return clause


def _collapse_whitespace(text: str) -> str:
    return " ".join(text.split())

