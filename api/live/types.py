"""Payload types of the live subscriptions."""

from __future__ import annotations

from enum import Enum
from typing import Annotated

import strawberry

from api.errors import Error, ScopeMissingError
from api.read.enums import ChannelEnum
from api.read.types import ScoreType


@strawberry.type(description="An invalid subscription argument: `field` names it and `message` tells how to fix it.")
class SubscriptionArgumentError(Error):
    field: str = strawberry.field(description="The argument at fault, as a dotted path such as `filter.externalIds`.")


@strawberry.type(description="A score was stored for a conversation: its first score, or a new one from rescoring.")
class ScoreUpdate:
    conversation_id: strawberry.ID = strawberry.field(description="Id of the scored conversation in this service.")
    external_id: str = strawberry.field(description="The support platform's id for the conversation.")
    channel: ChannelEnum = strawberry.field(description="The channel the conversation took place on.")
    ai_agent: str | None = strawberry.field(description="The AI agent that handled the conversation, if known.")
    rescored: bool = strawberry.field(description="True when the score replaces an earlier one of the conversation.")
    previous_score_id: strawberry.ID | None = strawberry.field(
        description="Id of the score this one replaces as the conversation's latest; null for a first score."
    )
    score: ScoreType = strawberry.field(
        description="The stored score with its sub-scores and signals. `Signal.messages` is empty on updates."
    )

    @classmethod
    def from_model(cls, score, previous_score_id: int | None) -> ScoreUpdate:
        """Build from a `scoring.models.Score` row whose conversation is loaded; runs no query."""
        conversation = score.conversation
        return cls(
            conversation_id=strawberry.ID(str(conversation.pk)),
            external_id=conversation.external_id,
            channel=ChannelEnum(conversation.channel),
            ai_agent=conversation.ai_agent or None,
            rescored=previous_score_id is not None,
            previous_score_id=strawberry.ID(str(previous_score_id)) if previous_score_id is not None else None,
            score=ScoreType.from_model(score),
        )


# Defined here and imported by the configuration area's `RescoreRun`, so the schema has one enum.
@strawberry.enum(description="Whether a rescoring run is still working.")
class RescoreRunStatus(Enum):
    RUNNING = "running"
    DONE = "done"


ScoreUpdatedResult = Annotated[
    ScoreUpdate | ScopeMissingError | SubscriptionArgumentError,
    strawberry.union(
        "ScoreUpdatedResult",
        description="A score update, or (once, before the subscription ends) the reason it could not start.",
    ),
]
