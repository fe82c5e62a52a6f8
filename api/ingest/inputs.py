"""GraphQL input types of the ingest API and their conversion to the ingest JSON shape."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import strawberry
from strawberry.scalars import JSON

from api.read.enums import ChannelEnum, OutcomeHintEnum, RoleEnum


@strawberry.input(description="One message of a conversation, in transcript order.")
class MessageInput:
    role: RoleEnum = strawberry.field(description="Who wrote the message.")
    text: str = strawberry.field(
        description="The message text, at most 20,000 characters. Empty text is stored but not scored."
    )
    sent_at: datetime | None = strawberry.field(
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
    submitted_at: datetime | None = strawberry.field(
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
    started_at: datetime | None = strawberry.field(
        default=None, description="When the conversation started, ISO 8601 with a UTC offset."
    )
    ended_at: datetime | None = strawberry.field(
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
        default=None, description="How the support platform says the conversation ended."
    )
    csat: CsatInput | None = strawberry.field(default=None, description="The customer's satisfaction rating.")


def _timestamp(value: datetime | None) -> str | None:
    # A naive datetime keeps no offset in isoformat(), so validation rejects it as NAIVE_DATETIME.
    return value.isoformat() if value is not None else None


def _without_nulls(data: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in data.items() if value is not None}


def conversation_to_dict(conversation: ConversationInput) -> dict[str, Any]:
    """Convert a GraphQL input to the ingest JSON shape, so the shared validation checks it."""
    csat = conversation.csat
    return _without_nulls(
        {
            "externalId": conversation.external_id,
            "channel": conversation.channel.value if conversation.channel is not None else None,
            "aiAgent": conversation.ai_agent,
            "startedAt": _timestamp(conversation.started_at),
            "endedAt": _timestamp(conversation.ended_at),
            "customerRef": conversation.customer_ref,
            "language": conversation.language,
            "tags": conversation.tags,
            "metadata": conversation.metadata,
            "outcomeHint": conversation.outcome_hint.value if conversation.outcome_hint is not None else None,
            "messages": [
                _without_nulls(
                    {
                        "role": message.role.value,
                        "text": message.text,
                        "sentAt": _timestamp(message.sent_at),
                        "externalId": message.external_id,
                    }
                )
                for message in conversation.messages
            ],
            "csat": None
            if csat is None
            else _without_nulls(
                {
                    "rating": csat.rating,
                    "scale": csat.scale,
                    "comment": csat.comment,
                    "submittedAt": _timestamp(csat.submitted_at),
                }
            ),
        }
    )
