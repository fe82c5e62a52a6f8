"""Outcome and progress level from the transcript and the outcome hint."""

from datetime import UTC, datetime

from scoring.engine.types import Outcome, OutcomeHint, ProgressLevel
from tests.engine.builders import codes, conversation, score

ENDED = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)


def test_outcome_resolved():
    result = score(conversation(
        ("c", "How do I export my data?"),
        ("a", "Go to Settings > Export and click 'Download CSV'."),
        ("c", "Perfect, that worked. Thank you!"),
    ))

    assert result.outcome is Outcome.RESOLVED
    assert result.progress_level is ProgressLevel.FULLY_RESOLVED


def test_outcome_handed_off():
    result = score(conversation(
        ("c", "I want to speak to a human"),
        ("a", "Connecting you to a live agent."),
        ("h", "Hello, I'm Sam."),
    ))

    assert result.outcome is Outcome.HANDED_OFF


def test_outcome_abandoned_on_unanswered_message():
    result = score(conversation(
        ("c", "My order never arrived"),
        ("a", "What is your order number?"),
        ("c", "It is 88231"),
        ended_at=ENDED,
    ))

    assert result.outcome is Outcome.ABANDONED


def test_outcome_abandoned_when_customer_falls_silent():
    result = score(conversation(
        ("c", "My order never arrived"),
        ("a", "I couldn't find that order. Could you check the number?"),
    ))

    assert result.outcome is Outcome.ABANDONED
    assert result.progress_level is ProgressLevel.NO_PROGRESS


def test_outcome_unresolved():
    result = score(conversation(
        ("c", "Does the tablet support pens?"),
        ("a", "Unfortunately there is no information on pen support."),
        ("c", "Okay, that is all"),
        ended_at=ENDED,
    ))

    assert result.outcome is Outcome.UNRESOLVED


def test_outcome_active_without_end_and_waiting_customer():
    result = score(conversation(
        ("c", "Hi, my login fails"),
        ("a", "Which error do you see?"),
        ("c", "It says 'account locked'"),
    ))

    assert result.outcome is Outcome.ACTIVE
    assert "resolution.unanswered_last_message" not in codes(result)


def test_outcome_hint_wins():
    conv = conversation(
        ("c", "Help with my bill"),
        ("a", "Which bill do you mean?"),
        outcome_hint=OutcomeHint.RESOLVED,
    )

    result = score(conv)

    assert result.outcome is Outcome.RESOLVED
    assert "resolution.customer_silent_open_issue" in codes(result)


def test_progress_level_partially_resolved():
    result = score(conversation(
        ("c", "What are your opening hours?"),
        ("a", "We are open from 09:00 to 17:00."),
        ("c", "And on holidays?"),
        ("a", "I'm not able to find holiday hours."),
        ("c", "ok, bye"),
        ended_at=ENDED,
    ))

    assert result.outcome is Outcome.UNRESOLVED
    assert result.progress_level is ProgressLevel.PARTIALLY_RESOLVED
