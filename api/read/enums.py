"""GraphQL enums for the read API, registered on the scoring core's own enums.

Other API areas reuse these classes (importing them from here) so that each
enum appears once in the schema under one name.
"""

from __future__ import annotations

from enum import StrEnum

import strawberry

from conversations.models import ScoringStatus as ScoringStatusChoices
from scoring.engine.types import (
    Channel,
    Component,
    Outcome,
    OutcomeHint,
    ProgressLevel,
    Rating,
    Role,
    SentimentLabel,
    SentimentTrend,
)

ChannelEnum = strawberry.enum(Channel, name="Channel", description="The channel a conversation took place on.")
RoleEnum = strawberry.enum(Role, name="Role", description="Who wrote a message.")
RatingEnum = strawberry.enum(Rating, name="Rating", description="The three-level verdict on a conversation.")
OutcomeEnum = strawberry.enum(Outcome, name="Outcome", description="How a conversation ended, as the scorer judged it.")
OutcomeHintEnum = strawberry.enum(
    OutcomeHint, name="OutcomeHint", description="How the support platform says a conversation ended."
)
ProgressLevelEnum = strawberry.enum(
    ProgressLevel, name="ProgressLevel", description="How far the customer's issue got towards resolution."
)
SentimentTrendEnum = strawberry.enum(
    SentimentTrend, name="SentimentTrend", description="Customer sentiment at the end compared with the start."
)
SentimentLabelEnum = strawberry.enum(
    SentimentLabel, name="SentimentLabel", description="The sentiment class of one customer message."
)
ComponentEnum = strawberry.enum(Component, name="ScoreComponent", description="The sub-score a signal belongs to.")



@strawberry.enum(description="Where a conversation is in the scoring pipeline.")
class ScoringStatus(StrEnum):
    PENDING = ScoringStatusChoices.PENDING.value
    SCORED = ScoringStatusChoices.SCORED.value
    FAILED = ScoringStatusChoices.FAILED.value
