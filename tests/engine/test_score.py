"""Overall score, ratings, weights, thresholds, insufficient data and determinism."""

import dataclasses

import pytest

from scoring.engine import SCORER_VERSION, ScoringConfig, Thresholds, Weights, get_rulebook, score_conversation
from scoring.engine.types import Outcome, OutcomeHint, Rating
from tests.engine.builders import conversation, score, sentiments_for

SOLVED = conversation(
    ("c", "How do I add a team member?"),
    ("a", "Go to Settings > Team and click 'Invite'."),
    ("c", "That worked, thank you so much!"),
)
MIXED = conversation(
    ("c", "Can I pay by invoice?"),
    ("a", "Unfortunately there is no invoice option."),
    ("c", "ok, thanks anyway"),
)
FAILED = conversation(
    ("c", "Cancel my order 4411"),
    ("a", "Sorry, I didn't understand that."),
    ("c", "Cancel my order 4411!!"),
    ("a", "Sorry, I didn't understand that."),
    ("c", "I want a human"),
    ("a", "I'm unable to do that."),
)


def test_rating_excellent():
    result = score(SOLVED, [0.2, 0.9])

    assert result.rating is Rating.EXCELLENT
    assert result.overall >= 80


def test_rating_good():
    result = score(MIXED, [0.0, 0.3])

    assert result.rating is Rating.GOOD
    assert 60 <= result.overall < 80


def test_rating_poor():
    result = score(FAILED, [-0.3, -0.7, -0.9])

    assert result.rating is Rating.POOR
    assert result.overall < 60


def test_overall_is_weighted_mean():
    result = score(MIXED, [0.0, 0.3])

    expected = 0.4 * result.resolution + 0.3 * result.efficiency + 0.3 * result.sentiment
    assert result.overall == pytest.approx(expected, abs=0.06)


def test_weights_are_normalised():
    config = ScoringConfig(weights=Weights(resolution=4, efficiency=3, sentiment=3))

    assert score(MIXED, [0.0, 0.3], config).overall == score(MIXED, [0.0, 0.3]).overall


def test_weight_zero_drops_component():
    config = ScoringConfig(weights=Weights(resolution=1, efficiency=0, sentiment=0))

    result = score(MIXED, [0.0, 0.3], config)

    assert result.overall == result.resolution


def test_thresholds_change_rating():
    strict = ScoringConfig(thresholds=Thresholds(excellent=99, good=95))

    assert score(SOLVED, [0.2, 0.9], strict).rating is Rating.POOR


def test_insufficient_data_without_customer_text():
    conv = conversation(("c", "   "), ("a", "Hello, how can I help?"), ("c", "\u200b"))

    result = score(conv)

    assert result.insufficient_data is True
    assert result.overall is None
    assert result.rating is None
    assert result.resolution is None
    assert result.confidence == 0.0
    assert result.summary == "Not enough customer text to score this conversation."


def test_insufficient_data_while_awaiting_first_reply():
    result = score(conversation(("c", "hello")))

    assert result.insufficient_data is True
    assert result.rating is None
    assert result.outcome == Outcome.ACTIVE
    assert result.summary == "Not enough to score yet: the conversation is open and has no reply."


def test_ended_without_reply_is_scored_poor():
    result = score(conversation(("c", "hello, is anyone there?"), outcome_hint=OutcomeHint.ABANDONED))

    assert result.insufficient_data is False
    assert result.rating == Rating.POOR


def test_insufficient_data_for_empty_conversation():
    result = score_conversation(conversation(), ScoringConfig.default(), [], "m")

    assert result.insufficient_data is True


def test_same_input_gives_same_score():
    first = score(FAILED, [-0.3, -0.7, -0.9])
    second = score(FAILED, [-0.3, -0.7, -0.9])

    assert first == second


def test_scores_are_rounded():
    result = score(MIXED, [0.123456, 0.654321])

    for value in (result.overall, result.resolution, result.efficiency, result.sentiment):
        assert value == round(value, 1)
    assert result.confidence == round(result.confidence, 2)
    assert 0 <= result.confidence <= 1


def test_versions_are_recorded():
    result = score(SOLVED)

    assert result.versions.scorer == SCORER_VERSION
    assert result.versions.rules == get_rulebook("en").version
    assert result.versions.sentiment_model == "test-model-1"


def test_summary_names_rating_and_strongest_signal():
    result = score(SOLVED, [0.2, 0.9])

    assert result.summary.startswith("Excellent (")
    assert "the customer confirmed the answer solved their request" in result.summary


def test_sub_scores_stay_within_bounds():
    result = score(FAILED, [-1, -1, -1])

    for value in (result.overall, result.resolution, result.efficiency, result.sentiment):
        assert 0 <= value <= 100


def test_sentiment_count_mismatch_raises():
    with pytest.raises(ValueError, match="Got 3 sentiment results for 2 messages"):
        score_conversation(conversation(("c", "hi"), ("a", "hello")), ScoringConfig.default(), [None] * 3, "m")


def test_more_customer_messages_raise_confidence():
    short = conversation(("c", "Where is my order?"), ("a", "It ships on 4 May."))
    longer = dataclasses.replace(SOLVED)

    assert score(longer, [0.1, 0.5]).confidence > score(short, [0.1]).confidence


def test_message_sentiments_are_returned():
    sentiments = sentiments_for(SOLVED, [0.2, 0.9])

    result = score_conversation(SOLVED, ScoringConfig.default(), sentiments, "m")

    assert result.message_sentiments == tuple(sentiments)
