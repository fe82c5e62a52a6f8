"""Efficiency rules: turns, time, loops, repeats, clarifications, fallbacks."""

from datetime import UTC, datetime, timedelta

from scoring.engine import RuleParameters, ScoringConfig
from tests.engine.builders import START, codes, conversation, score, signal

TIME_CODES = {"efficiency.duration_over_expected", "efficiency.slow_ai_responses"}


def _long_conversation(customer_turns: int):
    turns = []
    for number in range(customer_turns):
        turns.append(("c", f"Question number {number} about topic {number * 7}"))
        turns.append(("a", f"Answer {number}: see page {number + 100}."))
    return conversation(*turns)


def test_turns_over_expected():
    config = ScoringConfig(rules=RuleParameters(expected_customer_turns=3))

    result = score(_long_conversation(5), config=config)

    turns = signal(result, "efficiency.turns_over_expected")
    assert turns.effect == -4.0
    assert "5 messages" in turns.reason


def test_turns_within_expected():
    result = score(_long_conversation(3), config=ScoringConfig(rules=RuleParameters(expected_customer_turns=3)))

    assert "efficiency.turns_over_expected" not in codes(result)


def test_duration_over_expected():
    conv = conversation(
        ("c", "Where is my refund?"),
        ("a", "It was sent on 2 March."),
        seconds=[0, 20],
        started_at=START,
        ended_at=START + timedelta(minutes=30),
    )

    result = score(conv)

    assert signal(result, "efficiency.duration_over_expected").effect == -20.0


def test_slow_ai_responses():
    conv = conversation(
        ("c", "Where is my refund?"),
        ("a", "Let me look."),
        ("c", "Any news?"),
        ("a", "It was sent on 2 March."),
        seconds=[0, 10, 20, 200],
    )

    result = score(conv)

    slow = signal(result, "efficiency.slow_ai_responses")
    assert slow.message_indices == (3,)
    assert slow.effect == -10.0


def test_missing_timestamps_give_no_time_signals():
    conv = conversation(("c", "Where is my refund?"), ("a", "It was sent on 2 March."))

    result = score(conv)

    assert not codes(result) & TIME_CODES


def test_mixed_naive_and_aware_timestamps_do_not_crash():
    conv = conversation(("c", "Hi"), ("a", "Hello, how can I help?"), seconds=[0, 5], started_at=datetime(2026, 3, 2, 8))

    result = score(conv)

    assert result.efficiency is not None


def test_ai_loop():
    result = score(conversation(
        ("c", "My router blinks red"),
        ("a", "Please restart your router and wait two minutes."),
        ("c", "Did that, still red"),
        ("a", "Please restart your router and wait 2 minutes!"),
    ))

    loop = signal(result, "efficiency.ai_loop")
    assert loop.message_indices == (3,)
    assert loop.effect < 0


def test_customer_repeats_costs_efficiency():
    result = score(conversation(
        ("c", "Change my delivery address to Elm Street 4"),
        ("a", "What would you like to change?"),
        ("c", "Change my delivery address to Elm Street 4"),
    ))

    assert signal(result, "efficiency.customer_repeats").effect < 0


def test_clarification_requests_over_allowance():
    result = score(conversation(
        ("c", "It doesn't work"),
        ("a", "Could you be more specific?"),
        ("c", "The thing"),
        ("a", "Could you clarify which product?"),
        ("c", "The app"),
        ("a", "Can you tell me more about the error?"),
    ))

    clarifications = signal(result, "efficiency.clarification_requests")
    assert clarifications.message_indices == (3, 5)
    assert "3 times" in clarifications.reason


def test_single_clarification_is_free():
    result = score(conversation(("c", "It doesn't work"), ("a", "Could you be more specific?")))

    assert "efficiency.clarification_requests" not in codes(result)


def test_fallback_replies():
    result = score(conversation(("c", "zzz"), ("a", "I didn't get that.")))

    assert signal(result, "efficiency.fallback_replies").effect < 0
