"""Mutations that add yardsticks beside the AI score: late CSAT responses and QA reviews."""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from typing import Annotated

import strawberry
from strawberry.types import Info
from strawberry.types.nodes import SelectedField

from analytics.feedback import FeedbackRejected, record_csat, submit_qa_review
from api.errors import Error, ScopeMissingError
from api.permissions import missing_scope
from api.read.enums import RatingEnum
from api.read.loading import conversations_queryset, selected_names
from api.read.types import ConversationType, QaReviewType
from tenants.context import run_in_schema


@strawberry.enum(description="Why a CSAT response or QA review was rejected.")
class FeedbackErrorCode(Enum):
    INVALID = "invalid"
    TOO_LONG = "too_long"
    NOT_FOUND = "not_found"


@strawberry.type(description="A problem with one argument of recordCsat or submitQaReview.")
class FeedbackError(Error):
    code: FeedbackErrorCode = strawberry.field(description="Machine-readable reason.")
    field: str = strawberry.field(description="The argument at fault, for example `rating`.")


@strawberry.type(description="Result of recordCsat: the updated conversation, or the problems found.")
class RecordCsatPayload:
    conversation: ConversationType | None = strawberry.field(description="The conversation with its new CSAT.")
    errors: list[FeedbackError] = strawberry.field(description="Every problem found; empty on success.")


@strawberry.type(description="Result of submitQaReview: the stored review, or the problems found.")
class SubmitQaReviewPayload:
    review: QaReviewType | None = strawberry.field(description="The stored review.")
    conversation: ConversationType | None = strawberry.field(description="The reviewed conversation.")
    errors: list[FeedbackError] = strawberry.field(description="Every problem found; empty on success.")


RecordCsatResult = Annotated[
    RecordCsatPayload | ScopeMissingError,
    strawberry.union("RecordCsatResult", description="The payload, or the missing scope."),
]
SubmitQaReviewResult = Annotated[
    SubmitQaReviewPayload | ScopeMissingError,
    strawberry.union("SubmitQaReviewResult", description="The payload, or the missing scope."),
]


def _errors(rejected: FeedbackRejected) -> list[FeedbackError]:
    return [FeedbackError(code=FeedbackErrorCode(p.code), field=p.field, message=p.message) for p in rejected.problems]


def _record(schema_name, names, external_id, rating, scale, comment, submitted_at) -> RecordCsatPayload:
    try:
        conversation = record_csat(schema_name, external_id, rating, scale, comment, submitted_at)
    except FeedbackRejected as rejected:
        return RecordCsatPayload(conversation=None, errors=_errors(rejected))
    row = conversations_queryset(names).get(pk=conversation.pk)
    return RecordCsatPayload(conversation=ConversationType.from_model(row), errors=[])


def _review(names, external_id, reviewer, rating, score, notes) -> SubmitQaReviewPayload:
    try:
        review = submit_qa_review(external_id, reviewer, rating, score, notes)
    except FeedbackRejected as rejected:
        return SubmitQaReviewPayload(review=None, conversation=None, errors=_errors(rejected))
    row = conversations_queryset(names).get(pk=review.conversation_id)
    return SubmitQaReviewPayload(
        review=QaReviewType.from_model(review), conversation=ConversationType.from_model(row), errors=[]
    )


def _names_under(info: Info, field_name: str) -> set[str]:
    """Return the names selected below the payload field `field_name`, looking through fragments."""
    stack = [child for selected in info.selected_fields for child in selected.selections]
    while stack:
        node = stack.pop()
        if isinstance(node, SelectedField):
            if node.name == field_name:
                return selected_names(node.selections)
        else:
            stack.extend(node.selections)
    return set()


@strawberry.type
class FeedbackMutations:
    @strawberry.mutation(
        description=(
            "Record a customer survey answer that arrived after the conversation, replacing any earlier one. "
            "It updates trends but never the AI score, and does not change the conversation's content hash, "
            "so a re-send of the original conversation still counts as unchanged. Needs the `ingest` scope."
        )
    )
    async def record_csat(
        self,
        info: Info,
        external_id: Annotated[str, strawberry.argument(description="The support platform's conversation id.")],
        rating: Annotated[float, strawberry.argument(description="The rating, from 1 to `scale`.")],
        scale: Annotated[int | None, strawberry.argument(description="Top of the scale, 2 to 100; default 5.")] = None,
        comment: Annotated[str | None, strawberry.argument(description="The customer's comment (at most 20000 characters).")] = None,
        submitted_at: Annotated[datetime | None, strawberry.argument(description="When the customer submitted the survey, with a UTC offset; default now.")] = None,
    ) -> RecordCsatResult:
        if error := missing_scope(info, "ingest"):
            return error
        names = _names_under(info, "conversation")
        return await run_in_schema(
            info.context.schema_name,
            _record,
            info.context.schema_name,
            names,
            external_id,
            rating,
            scale,
            comment,
            submitted_at,
        )

    @strawberry.mutation(
        description=(
            "Add a manual QA review of a conversation. It stands beside the AI score and never changes it; "
            "`calibration` and `reviewQueue` compare the two. Needs the `read` or `review` scope."
        )
    )
    async def submit_qa_review(
        self,
        info: Info,
        external_id: Annotated[str, strawberry.argument(description="The support platform's conversation id.")],
        reviewer: Annotated[str, strawberry.argument(description="Who reviewed (name or e-mail, at most 200 characters).")],
        rating: Annotated[RatingEnum, strawberry.argument(description="The reviewer's verdict.")],
        score: Annotated[float | None, strawberry.argument(description="The reviewer's score, 0 to 100.")] = None,
        notes: Annotated[str | None, strawberry.argument(description="Notes (at most 10000 characters).")] = None,
    ) -> SubmitQaReviewResult:
        if error := missing_scope(info, "review", "read"):
            return error
        names = _names_under(info, "conversation")
        return await run_in_schema(
            info.context.schema_name, _review, names, external_id, reviewer, rating.value, score, notes
        )
