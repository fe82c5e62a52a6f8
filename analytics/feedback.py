"""Yardsticks recorded after the fact: late CSAT responses and manual QA reviews.

Neither changes the AI score. `record_csat` leaves `content_hash` alone on
purpose: the hash identifies the conversation content as ingested, so a
re-send of the original conversation after a late survey still matches and
is not treated as an update (nor re-scored, since CSAT is no scoring input).
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from conversations.models import Conversation, QaReview
from conversations.validation import (
    DEFAULT_CSAT_SCALE,
    MAX_CSAT_COMMENT_CHARS,
    MAX_CSAT_SCALE,
    MIN_CSAT_SCALE,
)
from scoring.engine.types import Rating
from scoring.events import conversations_changed

logger = logging.getLogger(__name__)

MAX_NOTES_CHARS = 10000
MAX_REVIEWER_CHARS = 200


@dataclass(frozen=True)
class FeedbackProblem:
    code: str  # "invalid", "not_found", "too_long"
    field: str
    message: str


class FeedbackRejected(Exception):
    def __init__(self, problems: list[FeedbackProblem]):
        super().__init__("; ".join(p.message for p in problems))
        self.problems = problems


def text_problem(field_name: str, value: str, max_chars: int) -> FeedbackProblem | None:
    """Return why `value` cannot be stored as text (NUL, lone surrogate, length), or None."""
    if "\x00" in value:
        return FeedbackProblem("invalid", field_name, f"{field_name} contains a NUL character; remove it.")
    if any("\ud800" <= ch <= "\udfff" for ch in value):
        return FeedbackProblem(
            "invalid", field_name, f"{field_name} contains a lone UTF-16 surrogate; send valid Unicode text."
        )
    if len(value) > max_chars:
        return FeedbackProblem(
            "too_long", field_name, f"{field_name} has {len(value)} characters; the maximum is {max_chars}."
        )
    return None


def record_csat(
    schema_name: str,
    external_id: str,
    rating: float,
    scale: int | None = None,
    comment: str | None = None,
    submitted_at: datetime | None = None,
) -> Conversation:
    """Store a survey response on the conversation with `external_id`, replacing any earlier one.

    The limits are ingestion's (conversations.validation), so both paths accept the same values.

    Fires `conversations_changed` inside the transaction so the trends rollup moves with it.
    Raises FeedbackRejected with every problem found; `not_found` when no such conversation exists.
    """
    scale = DEFAULT_CSAT_SCALE if scale is None else scale
    problems: list[FeedbackProblem] = []
    if not MIN_CSAT_SCALE <= scale <= MAX_CSAT_SCALE:
        problems.append(
            FeedbackProblem(
                "invalid", "scale", f"scale is {scale}; use a scale from {MIN_CSAT_SCALE} to {MAX_CSAT_SCALE}."
            )
        )
    elif not math.isfinite(rating) or not 1 <= rating <= scale:
        problems.append(
            FeedbackProblem("invalid", "rating", f"rating is {rating}; it must be between 1 and the scale ({scale}).")
        )
    if submitted_at is not None and submitted_at.tzinfo is None:
        problems.append(
            FeedbackProblem(
                "invalid", "submittedAt", "submittedAt needs a UTC offset, for example 2026-01-01T12:00:00+01:00."
            )
        )
    if comment:
        problem = text_problem("comment", comment, MAX_CSAT_COMMENT_CHARS)
        if problem:
            problems.append(problem)
    if problems:
        raise FeedbackRejected(problems)

    with transaction.atomic():
        conversation = Conversation.objects.select_for_update().filter(external_id=external_id).first()
        if conversation is None:
            raise FeedbackRejected([_not_found(external_id)])
        conversation.csat_rating = rating
        conversation.csat_scale = scale
        conversation.csat_comment = comment or ""
        conversation.csat_submitted_at = submitted_at or timezone.now()
        conversation.save(
            update_fields=["csat_rating", "csat_scale", "csat_comment", "csat_submitted_at", "updated_at"]
        )
        conversations_changed.send(sender=record_csat, schema_name=schema_name, conversation_ids=[conversation.pk])
    logger.info("Recorded CSAT for conversation %s in %s", conversation.pk, schema_name)
    return conversation


def submit_qa_review(
    external_id: str,
    reviewer: str,
    rating: str,
    score: float | None = None,
    notes: str | None = None,
) -> QaReview:
    """Add a manual QA review beside the conversation's AI score (which it never changes).

    Raises FeedbackRejected with every problem found; `not_found` when no such conversation exists.
    """
    problems: list[FeedbackProblem] = []
    if not reviewer.strip():
        problems.append(FeedbackProblem("invalid", "reviewer", "reviewer is empty; name who reviewed."))
    else:
        problem = text_problem("reviewer", reviewer, MAX_REVIEWER_CHARS)
        if problem:
            problems.append(problem)
    if rating not in {r.value for r in Rating}:
        problems.append(FeedbackProblem("invalid", "rating", f"rating '{rating}' is not excellent, good or poor."))
    if score is not None and (not math.isfinite(score) or not 0 <= score <= 100):
        problems.append(FeedbackProblem("invalid", "score", f"score is {score}; it must be between 0 and 100."))
    if notes:
        problem = text_problem("notes", notes, MAX_NOTES_CHARS)
        if problem:
            problems.append(problem)
    if problems:
        raise FeedbackRejected(problems)

    conversation = Conversation.objects.filter(external_id=external_id).only("id").first()
    if conversation is None:
        raise FeedbackRejected([_not_found(external_id)])
    return QaReview.objects.create(
        conversation=conversation, reviewer=reviewer.strip(), rating=rating, score=score, notes=notes or ""
    )


def _not_found(external_id: str) -> FeedbackProblem:
    return FeedbackProblem(
        "not_found", "externalId", f"No conversation with external id '{external_id}' exists in this workspace."
    )
