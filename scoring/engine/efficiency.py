"""Efficiency rules: turns, duration, AI latency, loops, repeats, clarifications, fallbacks.

The sub-score is `efficiency_base` plus the (negative) effects, clamped to
0..100. Timestamps are optional: the duration and latency rules run only
when the timestamps they need are present.
"""

from __future__ import annotations

from datetime import datetime

from scoring.engine.config import RuleParameters
from scoring.engine.rulebook import Rulebook
from scoring.engine.signals import capped_signal, make_signal, times
from scoring.engine.transcript import Transcript
from scoring.engine.types import Component, ConversationInput, Role, Signal

EFFICIENCY = Component.EFFICIENCY


def assess_efficiency(
    conversation: ConversationInput, transcript: Transcript, rules: Rulebook, parameters: RuleParameters
) -> tuple[float, tuple[Signal, ...]]:
    """Return the base points and the efficiency signals."""
    signals: list[Signal] = []
    customers = transcript.customer_messages
    ais = transcript.ai_messages

    excess_turns = len(customers) - parameters.expected_customer_turns
    if excess_turns > 0:
        effect = max(
            rules.constant("turns_over_expected_effect_per_turn") * excess_turns,
            rules.constant("turns_over_expected_max_effect"),
        )
        signals.append(
            make_signal(EFFICIENCY, "efficiency.turns_over_expected", effect, [customers[-1].index],
                        f"The customer needed {len(customers)} messages, "
                        f"{excess_turns} more than the expected {parameters.expected_customer_turns}.")
        )

    duration_signal = _duration_signal(conversation, rules, parameters)
    if duration_signal is not None:
        signals.append(duration_signal)

    latency_signal = _latency_signal(transcript, rules, parameters)
    if latency_signal is not None:
        signals.append(latency_signal)

    signals += capped_signal(
        EFFICIENCY, "efficiency.ai_loop", [later for later, _ in transcript.ai_loops], rules, "ai_loop",
        lambda n: f"The AI sent a near-identical message again{times(n)}.",
    )
    signals += capped_signal(
        EFFICIENCY, "efficiency.customer_repeats", [later for later, _ in transcript.customer_repeats],
        rules, "efficiency_repeats",
        lambda n: f"The customer had to say the same thing again{times(n)}.",
    )

    clarifications = [m.index for m in ais if m.has("ai_clarification")]
    allowance = int(rules.constant("clarification_allowance"))
    signals += capped_signal(
        EFFICIENCY, "efficiency.clarification_requests", clarifications[allowance:], rules, "clarification",
        lambda n: f"The AI asked the customer to clarify {n + allowance} times.",
    )
    signals += capped_signal(
        EFFICIENCY, "efficiency.fallback_replies", [m.index for m in ais if m.has("ai_fallback")],
        rules, "efficiency_fallback",
        lambda n: f"The AI sent a fallback reply such as \"I didn't understand\"{times(n)}.",
    )
    return rules.constant("efficiency_base"), tuple(signals)


def _duration_signal(conversation: ConversationInput, rules: Rulebook, parameters: RuleParameters) -> Signal | None:
    stamps = [m.sent_at for m in conversation.messages if m.sent_at is not None]
    start = conversation.started_at or (min(stamps, key=_sort_key) if stamps else None)
    end = conversation.ended_at or (max(stamps, key=_sort_key) if stamps else None)
    if start is None or end is None:
        return None
    duration_seconds = _seconds_between(start, end)
    if duration_seconds is None or duration_seconds <= parameters.expected_duration_seconds:
        return None

    # One full expected duration over the limit costs the maximum effect.
    overrun = duration_seconds / parameters.expected_duration_seconds - 1
    effect = max(rules.constant("duration_over_expected_max_effect") * overrun, rules.constant("duration_over_expected_max_effect"))
    return make_signal(EFFICIENCY, "efficiency.duration_over_expected", effect, [],
                       f"The conversation took {_minutes(duration_seconds)}, "
                       f"longer than the expected {_minutes(parameters.expected_duration_seconds)}.")


def _latency_signal(transcript: Transcript, rules: Rulebook, parameters: RuleParameters) -> Signal | None:
    """Return a signal for AI replies slower than expected after a customer message.

    Replies with a missing or negative latency (clock skew) are left out.
    """
    latencies: list[tuple[int, float]] = []
    previous = None
    for message in transcript.messages:
        if not message.has_words or message.role is Role.SYSTEM:
            continue
        if message.role is Role.AI and previous is not None and previous.role is Role.CUSTOMER:
            seconds = _seconds_between(previous.sent_at, message.sent_at)
            if seconds is not None and seconds >= 0:
                latencies.append((message.index, seconds))
        previous = message

    slow = [(index, seconds) for index, seconds in latencies if seconds > parameters.expected_ai_latency_seconds]
    if not slow:
        return None
    effect = rules.constant("slow_response_max_effect") * len(slow) / len(latencies)
    slowest = max(seconds for _, seconds in slow)
    return make_signal(EFFICIENCY, "efficiency.slow_ai_responses", effect, [index for index, _ in slow],
                       f"{len(slow)} of {len(latencies)} AI replies came later than "
                       f"{parameters.expected_ai_latency_seconds:g} s (slowest {slowest:.0f} s).")


def _seconds_between(start: datetime | None, end: datetime | None) -> float | None:
    """Return `end - start` in seconds, or None when either is missing or they cannot be compared."""
    if start is None or end is None:
        return None
    try:
        return (end - start).total_seconds()
    except TypeError:
        # One timestamp has a time zone and the other has none.
        return None


def _sort_key(moment: datetime) -> float:
    return moment.timestamp()


def _minutes(seconds: float) -> str:
    return f"{seconds / 60:.0f} min"
