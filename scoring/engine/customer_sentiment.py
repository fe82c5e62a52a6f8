"""Customer-sentiment sub-score from the per-message sentiment results.

The sentiment itself comes from `scoring.sentiment`, and this module only turns
signed values in [-1, 1] into a 0..100 sub-score. The score is
`sentiment_base` plus:

- level: `sentiment_level_weight` times the mean value;
- end: `sentiment_end_weight` times the mean of the last two values;
- trend: `sentiment_trend_weight` times (end - start), where start is the mean
  of the first two values, labelled improved or deteriorated when the change
  reaches `sentiment_trend_threshold`;
- low point: when the worst value is below `sentiment_low_point_threshold`,
  `sentiment_low_point_weight` times the distance below it, and a recovery
  bonus when the end is at least `sentiment_recovery_threshold` above the worst.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from scoring.engine.rulebook import Rulebook
from scoring.engine.signals import make_signal
from scoring.engine.types import Component, SentimentResult, SentimentTrend, Signal

SENTIMENT = Component.SENTIMENT
EDGE_SIZE = 2


@dataclass(frozen=True, slots=True)
class SentimentAssessment:
    base: float
    signals: tuple[Signal, ...]
    trend: SentimentTrend
    mean_confidence: float
    scored_count: int


def assess_sentiment(
    scored: Sequence[tuple[int, SentimentResult]], rules: Rulebook
) -> SentimentAssessment | None:
    """Score the sentiment of (message index, result) pairs of scorable customer messages.

    Returns None when there is no scorable result.
    """
    if not scored:
        return None
    indices = [index for index, _ in scored]
    values = [max(-1.0, min(1.0, float(result.value))) for _, result in scored]
    start = _mean(values[:EDGE_SIZE])
    end = _mean(values[-EDGE_SIZE:])
    level = _mean(values)
    signals: list[Signal] = []

    level_effect = rules.constant("sentiment_level_weight") * level
    if round(level_effect, 1) != 0:
        tone = "positive" if level > 0 else "negative"
        signals.append(make_signal(SENTIMENT, f"sentiment.level_{tone}", level_effect, indices,
                                   f"The customer's messages were {tone} on average."))

    end_effect = rules.constant("sentiment_end_weight") * end
    if round(end_effect, 1) != 0:
        tone = "positive" if end > 0 else "negative"
        signals.append(make_signal(SENTIMENT, f"sentiment.ended_{tone}", end_effect, indices[-EDGE_SIZE:],
                                   f"The customer's last messages were {tone}."))

    trend = SentimentTrend.STABLE
    change = end - start if len(values) > 1 else 0.0
    if abs(change) >= rules.constant("sentiment_trend_threshold"):
        trend = SentimentTrend.IMPROVED if change > 0 else SentimentTrend.DETERIORATED
        direction = "improved" if change > 0 else "worsened"
        signals.append(make_signal(SENTIMENT, f"sentiment.{trend.value}", rules.constant("sentiment_trend_weight") * change,
                                   indices, f"The customer's mood {direction} from the start to the end."))

    signals += _low_point_signals(indices, values, end, rules)
    confidences = [max(0.0, min(1.0, float(result.confidence))) for _, result in scored]
    return SentimentAssessment(
        base=rules.constant("sentiment_base"),
        signals=tuple(signals),
        trend=trend,
        mean_confidence=_mean(confidences),
        scored_count=len(values),
    )


def _low_point_signals(indices: list[int], values: list[float], end: float, rules: Rulebook) -> list[Signal]:
    threshold = rules.constant("sentiment_low_point_threshold")
    worst = min(values)
    if worst >= threshold:
        return []
    worst_index = indices[values.index(worst)]
    signals = [
        make_signal(SENTIMENT, "sentiment.low_point", rules.constant("sentiment_low_point_weight") * (worst - threshold),
                    [worst_index], "The customer was clearly upset at one point.")
    ]
    if indices[-1] != worst_index and end - worst >= rules.constant("sentiment_recovery_threshold"):
        signals.append(make_signal(SENTIMENT, "sentiment.recovered", rules.constant("sentiment_recovery_effect"),
                                   [worst_index, indices[-1]], "The customer's mood recovered after the low point."))
    return signals


def _mean(values: Sequence[float]) -> float:
    return sum(values) / len(values)
