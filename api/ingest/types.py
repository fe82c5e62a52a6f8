"""GraphQL output types of the ingest API."""

from __future__ import annotations

from typing import Annotated

import strawberry

from api.errors import Error, ScopeMissingError
from conversations.services import IngestStatus
from conversations.validation import ErrorCode

IngestStatusEnum = strawberry.enum(
    IngestStatus, name="IngestStatus", description="What ingestion did with one conversation."
)
IngestErrorCodeEnum = strawberry.enum(
    ErrorCode, name="IngestErrorCode", description="The rule an ingested conversation broke."
)


@strawberry.type(description="One rule a conversation broke.")
class IngestError(Error):
    code: IngestErrorCodeEnum = strawberry.field(description="The rule that was broken.")
    field: list[str] = strawberry.field(
        description='Path to the bad value, for example ["messages", "3", "text"]; empty for the whole conversation.'
    )


@strawberry.type(description="The outcome for one conversation of the call.")
class IngestResult:
    index: int = strawberry.field(description="Zero-based position of the conversation in the call's input.")
    external_id: str | None = strawberry.field(description="The conversation's external id, when one was readable.")
    status: IngestStatusEnum = strawberry.field(description="Created, updated, unchanged or failed.")
    conversation_id: strawberry.ID | None = strawberry.field(
        description="The stored conversation's id; null when the conversation failed."
    )
    errors: list[IngestError] = strawberry.field(description="Why the conversation failed; empty otherwise.")


@strawberry.type(description="The call carried more conversations than the per-call limit; nothing was stored.")
class TooManyConversationsError(Error):
    limit: int = strawberry.field(description="The maximum number of conversations per call.")
    received: int = strawberry.field(description="The number of conversations the call carried.")


IngestCallError = Annotated[
    ScopeMissingError | TooManyConversationsError,
    strawberry.union("IngestCallError", description="A failure that rejected the whole call."),
]


@strawberry.type(description="The result of an ingestConversations call.")
class IngestConversationsPayload:
    results: list[IngestResult] = strawberry.field(description="One result per input conversation, in input order.")
    errors: list[IngestCallError] = strawberry.field(
        description="Failures that rejected the whole call; when present, nothing was stored and results is empty."
    )
    created: int = strawberry.field(description="Number of conversations created.")
    updated: int = strawberry.field(description="Number of conversations whose content changed and was replaced.")
    unchanged: int = strawberry.field(description="Number of conversations sent again with identical content.")
    failed: int = strawberry.field(description="Number of conversations rejected; see their errors.")
