"""The `reviewQueue` query: scored conversations worth a human look, most urgent first."""

from __future__ import annotations

from enum import Enum
from typing import Annotated

import strawberry
from django.db.models import Case, Exists, F, FloatField, IntegerField, OuterRef, Q, Value, When
from django.db.models.functions import Cast
from strawberry.types import Info

from api.errors import ScopeMissingError
from api.permissions import missing_scope
from api.read.errors import ArgumentRejected, ReadArgumentError
from api.read.loading import conversations_queryset, selected_names
from api.read.pagination import DEFAULT_PAGE_SIZE, check_page_size, decode_cursor, encode_cursor
from api.read.conversations import PageInfo
from api.read.types import ConversationType
from conversations.models import QaReview, ScoringStatus
from tenants.context import run_in_schema

LOW_CONFIDENCE = 0.5
"""Scores with confidence below this are queued for a look."""

CSAT_LOW = 0.25
CSAT_HIGH = 0.75
"""Normalised CSAT at or below CSAT_LOW contradicts a good or excellent rating; at or above CSAT_HIGH, a poor one."""

WEIGHTS = {"poor_rating": 3, "csat_disagreement": 2, "qa_disagreement": 2, "low_confidence": 1}


@strawberry.enum(description="Why a conversation is in the review queue.")
class ReviewReasonCode(Enum):
    POOR_RATING = "poor_rating"
    LOW_CONFIDENCE = "low_confidence"
    CSAT_DISAGREEMENT = "csat_disagreement"
    QA_DISAGREEMENT = "qa_disagreement"


@strawberry.type(description="One reason a conversation is queued.")
class ReviewReason:
    code: ReviewReasonCode = strawberry.field(description="Machine-readable reason.")
    message: str = strawberry.field(description="The reason in words, with the values involved.")


@strawberry.type(description="A queued conversation with its priority and reasons.")
class ReviewQueueItem:
    conversation: ConversationType = strawberry.field(description="The conversation to look at.")
    priority: int = strawberry.field(
        description="Sum of reason weights: poor rating 3, CSAT or QA disagreement 2 each, low confidence 1."
    )
    reasons: list[ReviewReason] = strawberry.field(description="Every reason that applies (at most four).")


@strawberry.type(description="One review queue item with its cursor.")
class ReviewQueueEdge:
    node: ReviewQueueItem = strawberry.field(description="The queued item.")
    cursor: str = strawberry.field(description="Opaque cursor; pass it as `after` to continue after this item.")


@strawberry.type(description="A page of the review queue, highest priority first, then newest.")
class ReviewQueueConnection:
    edges: list[ReviewQueueEdge] = strawberry.field(description="The items of this page, in order.")
    page_info: PageInfo = strawberry.field(description="Paging state.")


ReviewQueueResult = Annotated[
    ReviewQueueConnection | ScopeMissingError | ReadArgumentError,
    strawberry.union("ReviewQueueResult", description="A page of the review queue, or why it cannot be returned."),
]


def _flag(condition: Q) -> Case:
    return Case(When(condition, then=Value(1)), default=Value(0), output_field=IntegerField())


def queue_queryset(names: set[str]):
    """Return scored conversations with a positive `priority` annotation and one flag per reason."""
    # NOTE: the priority is computed per row at query time, so each page scans every scored conversation
    # of the workspace. It is not benchmarked; large workspaces may need a stored, indexed priority.
    csat_normalized = Case(
        When(
            csat_rating__isnull=False,
            csat_scale__gt=1,
            then=(F("csat_rating") - 1) / Cast(F("csat_scale") - 1, FloatField()),
        ),
        default=None,
        output_field=FloatField(),
    )
    qa_disagrees = Exists(
        QaReview.objects.filter(conversation=OuterRef("pk")).exclude(rating=OuterRef("latest_score__rating"))
    )
    queryset = (
        conversations_queryset(names | {"latestScore"})
        .filter(scoring_status=ScoringStatus.SCORED, latest_score__isnull=False)
        .annotate(csat_normalized_value=csat_normalized)
        .annotate(
            poor_flag=_flag(Q(latest_score__rating="poor")),
            low_confidence_flag=_flag(Q(latest_score__confidence__lt=LOW_CONFIDENCE)),
            csat_flag=_flag(
                Q(latest_score__rating__in=["excellent", "good"], csat_normalized_value__lte=CSAT_LOW)
                | Q(latest_score__rating="poor", csat_normalized_value__gte=CSAT_HIGH)
            ),
            qa_flag=_flag(Q(qa_disagrees)),
        )
        .annotate(
            priority=F("poor_flag") * WEIGHTS["poor_rating"]
            + F("low_confidence_flag") * WEIGHTS["low_confidence"]
            + F("csat_flag") * WEIGHTS["csat_disagreement"]
            + F("qa_flag") * WEIGHTS["qa_disagreement"]
        )
        .filter(priority__gt=0)
    )
    return queryset


def _reasons(row) -> list[ReviewReason]:
    score = row.latest_score
    reasons = []
    if row.poor_flag:
        reasons.append(
            ReviewReason(code=ReviewReasonCode.POOR_RATING, message=f"The AI rated it poor (overall {score.overall}).")
        )
    if row.csat_flag:
        reasons.append(
            ReviewReason(
                code=ReviewReasonCode.CSAT_DISAGREEMENT,
                message=f"The AI rated it {score.rating} but the customer gave CSAT "
                f"{row.csat_rating:g} of {row.csat_scale}.",
            )
        )
    if row.qa_flag:
        reasons.append(
            ReviewReason(
                code=ReviewReasonCode.QA_DISAGREEMENT,
                message=f"A QA reviewer's rating differs from the AI rating ({score.rating}).",
            )
        )
    if row.low_confidence_flag:
        reasons.append(
            ReviewReason(
                code=ReviewReasonCode.LOW_CONFIDENCE,
                message=f"The score's confidence is {score.confidence:.2f}, below {LOW_CONFIDENCE}.",
            )
        )
    return reasons


def page_review_queue(names: set[str], first: int, after: str | None) -> ReviewQueueConnection:
    check_page_size(first)
    queryset = queue_queryset(names)
    if after:
        priority, row_id = decode_cursor(after, "review_queue")
        if not isinstance(priority, int):
            priority = 0
        queryset = queryset.filter(Q(priority__lt=priority) | Q(priority=priority, id__lt=row_id))
    rows = list(queryset.order_by("-priority", "-id")[: first + 1])
    has_next = len(rows) > first
    edges = [
        ReviewQueueEdge(
            node=ReviewQueueItem(
                conversation=ConversationType.from_model(row), priority=row.priority, reasons=_reasons(row)
            ),
            cursor=encode_cursor("review_queue", row.priority, row.pk),
        )
        for row in rows[:first]
    ]
    return ReviewQueueConnection(
        edges=edges, page_info=PageInfo(has_next_page=has_next, end_cursor=edges[-1].cursor if edges else None)
    )


@strawberry.type
class ReviewQueueQueries:
    @strawberry.field(
        description=(
            "Scored conversations worth a human look: poor ratings, low confidence, and AI ratings that "
            "disagree with CSAT or a QA review. Highest priority first. Needs the `read` scope."
        )
    )
    async def review_queue(
        self,
        info: Info,
        first: Annotated[int, strawberry.argument(description="Page size, at most 100.")] = DEFAULT_PAGE_SIZE,
        after: Annotated[str | None, strawberry.argument(description="`endCursor` of the previous page.")] = None,
    ) -> ReviewQueueResult:
        if error := missing_scope(info, "read"):
            return error
        names = selected_names(info.selected_fields)
        try:
            return await run_in_schema(info.context.schema_name, page_review_queue, names, first, after)
        except ArgumentRejected as rejected:
            return rejected.error
