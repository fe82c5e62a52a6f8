"""The sentiment sub-score: level, end, trend, low point and recovery."""

from scoring.engine import ScoringConfig, score_conversation
from scoring.engine.types import SentimentLabel, SentimentResult, SentimentTrend
from tests.engine.builders import codes, conversation, score, sentiments_for

FOUR_TURNS = conversation(
    ("c", "My payment failed"),
    ("a", "Let me check."),
    ("c", "It failed again"),
    ("a", "I see a block on the card, I removed it."),
    ("c", "Trying now"),
    ("a", "Great."),
    ("c", "It went through"),
)


def test_trend_improved():
    result = score(FOUR_TURNS, [-0.6, -0.4, 0.3, 0.8])

    assert result.sentiment_trend is SentimentTrend.IMPROVED
    assert "sentiment.improved" in codes(result)


def test_trend_deteriorated():
    result = score(FOUR_TURNS, [0.5, 0.4, -0.4, -0.7])

    assert result.sentiment_trend is SentimentTrend.DETERIORATED
    assert "sentiment.deteriorated" in codes(result)


def test_trend_stable():
    result = score(FOUR_TURNS, [0.2, 0.3, 0.2, 0.25])

    assert result.sentiment_trend is SentimentTrend.STABLE


def test_good_trajectory_beats_same_mean_going_down():
    rising = score(FOUR_TURNS, [-0.5, -0.1, 0.1, 0.5])
    falling = score(FOUR_TURNS, [0.5, 0.1, -0.1, -0.5])

    assert rising.sentiment > falling.sentiment


def test_positive_level_beats_negative_level():
    happy = score(FOUR_TURNS, [0.6, 0.6, 0.6, 0.6])
    upset = score(FOUR_TURNS, [-0.6, -0.6, -0.6, -0.6])

    assert happy.sentiment > 70
    assert upset.sentiment < 30


def test_low_point_and_recovery():
    result = score(FOUR_TURNS, [0.1, -0.9, 0.4, 0.6])

    assert "sentiment.low_point" in codes(result)
    assert "sentiment.recovered" in codes(result)


def test_unscorable_results_leave_sentiment_unjudged():
    conv = conversation(("c", "Where is my order?"), ("a", "It ships on 4 May."))
    unscorable = SentimentResult(SentimentLabel.NEUTRAL, 0.0, 0.0, scorable=False)

    result = score_conversation(conv, ScoringConfig.default(), [unscorable, None], "m")

    assert result.sentiment is None
    assert result.sentiment_trend is None
    assert result.overall is not None
    assert result.insufficient_data is False


def test_sentiment_on_ai_message_is_ignored():
    conv = conversation(("c", "Where is my order?"), ("a", "It ships on 4 May."))
    results = sentiments_for(conv, [0.0])
    results[1] = SentimentResult(SentimentLabel.NEGATIVE, -1.0, 1.0)

    result = score_conversation(conv, ScoringConfig.default(), results, "m")

    assert result.sentiment == 50.0
