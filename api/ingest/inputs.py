"""GraphQL input types of the ingest API, converted to the ingest JSON shape that validation takes."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, NewType

import strawberry
from strawberry.scalars import JSON
from strawberry.types.arguments import InputContext

from api.read.enums import ChannelEnum, OutcomeHintEnum, RoleEnum


def _parse_offset_datetime(value: Any) -> str:
    if not isinstance(value, str):
        raise ValueError(f"OffsetDateTime must be a string, got {type(value).__name__}.")
    return value


# A string scalar instead of Strawberry's DateTime, because the shared validation parses it.
# So a missing offset or an unparsable value fails only its conversation, with a typed error
# and a field path, instead of rejecting the whole request at input coercion.
OffsetDateTime = strawberry.scalar(
    NewType("OffsetDateTime", str),
    name="OffsetDateTime",
    description=(
        "An ISO 8601 date and time with a UTC offset, such as 2024-05-01T10:00:00Z or "
        "2024-05-01T12:00:00+02:00. A value without an offset is rejected, not guessed."
    ),
    serialize=str,
    parse_value=_parse_offset_datetime,
)


@strawberry.input(description="One message of a conversation, in transcript order.")
class MessageInput:
    role: RoleEnum = strawberry.field(description="Who wrote the message.")
    text: str = strawberry.field(
        description="The message text, at most 20,000 characters. Empty text is stored but not scored."
    )
    sent_at: OffsetDateTime | None = strawberry.field(
        default=None, description="When the message was sent, ISO 8601 with a UTC offset."
    )
    external_id: str | None = strawberry.field(
        default=None, description="The message's id on the support platform, at most 200 characters."
    )


@strawberry.input(description="The customer's satisfaction survey answer.")
class CsatInput:
    rating: float = strawberry.field(description="The rating, between 1 and `scale`.")
    scale: int | None = strawberry.field(
        default=None, description="The highest possible rating, between 2 and 100. Defaults to 5."
    )
    comment: str | None = strawberry.field(default=None, description="The customer's free-text comment.")
    submitted_at: OffsetDateTime | None = strawberry.field(
        default=None, description="When the survey was answered, ISO 8601 with a UTC offset."
    )


@strawberry.input(description="A conversation to create or update, identified by its external id.")
class ConversationInput:
    external_id: str = strawberry.field(
        description="The conversation's id on the support platform, unique per workspace, at most 200 characters."
    )
    messages: list[MessageInput] = strawberry.field(
        description="The transcript in order: at least one and at most 1,000 messages."
    )
    channel: ChannelEnum = strawberry.field(default=ChannelEnum.CHAT, description="The channel. Defaults to CHAT.")
    ai_agent: str | None = strawberry.field(
        default=None, description="The AI agent (bot or model) that handled the conversation."
    )
    started_at: OffsetDateTime | None = strawberry.field(
        default=None, description="When the conversation started, ISO 8601 with a UTC offset."
    )
    ended_at: OffsetDateTime | None = strawberry.field(
        default=None, description="When the conversation ended; not before `startedAt`."
    )
    customer_ref: str | None = strawberry.field(
        default=None, description="An opaque reference to the customer on the support platform."
    )
    language: str | None = strawberry.field(default=None, description="The language as a BCP 47 tag, such as `en`.")
    tags: list[str] | None = strawberry.field(
        default=None, description="Free-form tags: at most 50, each at most 100 characters."
    )
    metadata: JSON | None = strawberry.field(
        default=None, description="A JSON object of extra attributes, at most 16 KB as compact JSON."
    )
    outcome_hint: OutcomeHintEnum | None = strawberry.field(
        default=None, description="How the support platform reports the conversation ended."
    )
    csat: CsatInput | None = strawberry.field(default=None, description="The customer's satisfaction rating.")


def _conversation_from_input(cls: type, value: Mapping[str, Any], context: InputContext) -> Mapping[str, Any]:
    """Return the coerced GraphQL value itself: it already has the ingest JSON shape validation takes.

    Strawberry would otherwise build a ConversationInput, a MessageInput per
    message and a CsatInput, field by field. For 100 conversations of 10
    messages that cost more than validating and storing them. graphql-core
    has already checked the types, resolved enums to their values (`chat`,
    `customer`) and filled in published defaults. An omitted optional field
    is null here, which the shared validation reads as absent.
    """
    return value


ConversationInput.__strawberry_definition__.from_input = _conversation_from_input
