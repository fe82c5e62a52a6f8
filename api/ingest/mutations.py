"""The ingestConversations mutation."""

from __future__ import annotations

from typing import Annotated

import strawberry
from strawberry.types import Info

from api.ingest.inputs import ConversationInput
from api.ingest.types import (
    IngestConversationsPayload,
    IngestError,
    IngestResult,
    TooManyConversationsError,
)
from api.permissions import missing_scope
from conversations import services
from conversations.services import IngestStatus, TooManyConversations, ingest_conversations
from tenants.context import run_in_schema


def _payload(results: list[services.IngestResult]) -> IngestConversationsPayload:
    counts = {status: 0 for status in IngestStatus}
    for result in results:
        counts[result.status] += 1
    return IngestConversationsPayload(
        results=[
            IngestResult(
                index=result.index,
                external_id=result.external_id,
                status=result.status,
                conversation_id=strawberry.ID(str(result.conversation_id)) if result.conversation_id else None,
                errors=[
                    IngestError(code=error.code, field=[str(part) for part in error.field], message=error.message)
                    for error in result.errors
                ],
            )
            for result in results
        ],
        errors=[],
        created=counts[IngestStatus.CREATED],
        updated=counts[IngestStatus.UPDATED],
        unchanged=counts[IngestStatus.UNCHANGED],
        failed=counts[IngestStatus.FAILED],
    )


def _rejected(error) -> IngestConversationsPayload:
    return IngestConversationsPayload(results=[], errors=[error], created=0, updated=0, unchanged=0, failed=0)


@strawberry.type
class IngestMutation:
    @strawberry.mutation(
        description=(
            "Create or update conversations by external id and queue changed ones for scoring. "
            "Each conversation is stored whole or not at all; sending identical content again changes nothing. "
            "Needs the `ingest` scope."
        )
    )
    async def ingest_conversations(
        self,
        info: Info,
        input: Annotated[
            list[ConversationInput],
            strawberry.argument(
                description="The conversations to store, at most INGEST_MAX_CONVERSATIONS_PER_CALL (default 500)."
            ),
        ],
    ) -> IngestConversationsPayload:
        scope_error = missing_scope(info, "ingest")
        if scope_error is not None:
            return _rejected(scope_error)
        # ConversationInput's from_input hook delivers each item as a dict in the ingest JSON shape.
        items: list[dict] = list(input)
        try:
            results = await run_in_schema(info.context.schema_name, ingest_conversations, None, items)
        except TooManyConversations as error:
            return _rejected(TooManyConversationsError(message=str(error), limit=error.limit, received=error.received))
        return _payload(results)
