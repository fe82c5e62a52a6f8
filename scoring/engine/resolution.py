"""Resolution-progress rules: signals from the transcript, then outcome and progress level.

The sub-score is `resolution_base` plus the effects of the signals, clamped
to 0..100. The outcome comes from `outcome_hint` when the source system sent
one, otherwise from the same signals.
"""

from __future__ import annotations

from dataclasses import dataclass

from scoring.engine.rulebook import Rulebook
from scoring.engine.signals import capped_signal, make_signal, times
from scoring.engine.transcript import Transcript
from scoring.engine.types import (
    Component,
    ConversationInput,
    Outcome,
    OutcomeHint,
    ProgressLevel,
    Role,
    Signal,
)

RESOLUTION = Component.RESOLUTION


@dataclass(frozen=True, slots=True)
class ResolutionResult:
    base: float
    signals: tuple[Signal, ...]
    outcome: Outcome


def assess_resolution(conversation: ConversationInput, transcript: Transcript, rules: Rulebook) -> ResolutionResult:
    signals: list[Signal] = []
    customers = transcript.customer_messages
    ais = transcript.ai_messages
    agents = transcript.by_role(Role.HUMAN_AGENT)

    concrete = [m.index for m in ais if m.has("ai_concrete_answer")]
    signals += capped_signal(
        RESOLUTION, "resolution.ai_concrete_answer", concrete, rules, "concrete_answer",
        lambda n: f"The AI gave a concrete answer or concrete steps{times(n)}.",
    )

    closing_signal = _closing_signal(transcript, concrete, rules)
    if closing_signal is not None:
        signals.append(closing_signal)

    signals += capped_signal(
        RESOLUTION, "resolution.customer_repeats_request", [later for later, _ in transcript.customer_repeats],
        rules, "customer_repeats",
        lambda n: f"The customer repeated or rephrased an earlier request{times(n)}.",
    )
    signals += capped_signal(
        RESOLUTION, "resolution.customer_corrects_ai", [m.index for m in customers if m.has("customer_corrects_ai")],
        rules, "customer_corrects",
        lambda n: f"The customer corrected a misunderstanding or said the problem remained{times(n)}.",
    )
    signals += capped_signal(
        RESOLUTION, "resolution.ai_cannot_help", [m.index for m in ais if m.has("ai_cannot_help")],
        rules, "ai_cannot_help",
        lambda n: f"The AI said it could not help or found nothing{times(n)}.",
    )
    signals += capped_signal(
        RESOLUTION, "resolution.ai_did_not_understand", [m.index for m in ais if m.has("ai_fallback")],
        rules, "ai_fallback",
        lambda n: f"The AI said it did not understand the customer{times(n)}.",
    )

    asks_human = [m.index for m in customers if m.has("customer_asks_human")]
    if asks_human:
        signals.append(
            make_signal(RESOLUTION, "resolution.customer_asks_human", rules.constant("asks_human_effect"), asks_human,
                        "The customer asked for a human agent.")
        )

    handoff = sorted([m.index for m in ais if m.has("ai_handoff")] + [m.index for m in agents[:1]])
    if handoff:
        signals.append(
            make_signal(RESOLUTION, "resolution.handed_over", rules.constant("handoff_effect"), handoff[:1],
                        "The conversation was handed over to a human agent.")
        )

    active = _is_active(conversation, transcript)
    ending_signal = None if active or handoff else _ending_signal(transcript, rules)
    if ending_signal is not None:
        signals.append(ending_signal)

    outcome = _outcome(conversation, signals, bool(handoff), active)
    return ResolutionResult(rules.constant("resolution_base"), tuple(signals), outcome)


def progress_level(outcome: Outcome, resolution_score: float, rules: Rulebook) -> ProgressLevel:
    """Map the outcome and the resolution sub-score to a progress level."""
    if outcome is Outcome.RESOLVED and resolution_score >= rules.constant("fully_resolved_min_resolution"):
        return ProgressLevel.FULLY_RESOLVED
    if outcome is Outcome.RESOLVED or resolution_score >= rules.constant("partially_resolved_min_resolution"):
        return ProgressLevel.PARTIALLY_RESOLVED
    return ProgressLevel.NO_PROGRESS


def _closing_signal(transcript: Transcript, concrete: list[int], rules: Rulebook) -> Signal | None:
    """Return the strongest positive closing signal: a confirmation, else thanks after a concrete reply.

    A message that also corrects the AI ("no, that's wrong, thanks") counts
    as neither.
    """
    first_reply = next((m.index for m in transcript.messages if m.role in (Role.AI, Role.HUMAN_AGENT) and m.has_words), None)
    customers = [m for m in transcript.customer_messages if not m.has("customer_corrects_ai")]

    confirmations = [
        m.index for m in customers if m.has("customer_confirms_solved") and first_reply is not None and m.index > first_reply
    ]
    if confirmations:
        return make_signal(RESOLUTION, "resolution.customer_confirms_solved", rules.constant("confirms_solved_effect"),
                           confirmations[-1:], "The customer confirmed the answer solved their request.")

    thanks = [m.index for m in customers if m.has("customer_thanks") and concrete and m.index > concrete[0]]
    if thanks:
        return make_signal(RESOLUTION, "resolution.customer_thanks_after_answer",
                           rules.constant("thanks_after_answer_effect"), thanks[-1:],
                           "The customer thanked the AI after a concrete answer.")
    return None


def _is_active(conversation: ConversationInput, transcript: Transcript) -> bool:
    """Return True for a conversation that is still waiting for the AI.

    The core has no clock, so "active" is decided from the data alone: no
    `ended_at`, no `outcome_hint`, and the last message is a customer message
    that is not a goodbye or thanks. A caller that knows the conversation went
    quiet long ago should set `ended_at` to get the abandoned outcome.
    """
    last = transcript.last_with_words
    return (
        conversation.ended_at is None
        and conversation.outcome_hint is None
        and last is not None
        and last.role is Role.CUSTOMER
        and not _is_courtesy(last)
    )


def _is_courtesy(message) -> bool:
    return any(message.has(c) for c in ("customer_thanks", "customer_closing", "customer_confirms_solved"))


def _ending_signal(transcript: Transcript, rules: Rulebook) -> Signal | None:
    last = transcript.last_with_words
    if last is None:
        return None
    if last.role is Role.CUSTOMER and not _is_courtesy(last):
        return make_signal(RESOLUTION, "resolution.unanswered_last_message",
                           rules.constant("unanswered_last_message_effect"), [last.index],
                           "The conversation ended on a customer message that got no reply.")

    if last.role is Role.AI:
        open_question = "?" in last.text or last.has("ai_cannot_help") or last.has("ai_fallback")
        customer_closed = any(_is_courtesy(m) for m in transcript.customer_messages)
        if open_question and not customer_closed:
            return make_signal(RESOLUTION, "resolution.customer_silent_open_issue",
                               rules.constant("silent_open_issue_effect"), [last.index],
                               "The customer stopped replying while the request was still open.")
    return None


def _outcome(conversation: ConversationInput, signals: list[Signal], handed_off: bool, active: bool) -> Outcome:
    if conversation.outcome_hint is not None:
        return Outcome(OutcomeHint(conversation.outcome_hint).value)
    if handed_off:
        return Outcome.HANDED_OFF
    if active:
        return Outcome.ACTIVE

    codes = {s.code for s in signals}
    if codes & {"resolution.unanswered_last_message", "resolution.customer_silent_open_issue"}:
        return Outcome.ABANDONED
    if codes & {"resolution.customer_confirms_solved", "resolution.customer_thanks_after_answer"}:
        return Outcome.RESOLVED
    return Outcome.UNRESOLVED
