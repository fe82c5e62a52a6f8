"""Inputs of the live subscriptions, and the checks that run before a subscription starts."""

from __future__ import annotations

import strawberry

from api.live.types import SubscriptionArgumentError
from api.read.enums import ChannelEnum, RatingEnum

MAX_FILTER_EXTERNAL_IDS = 1000
MAX_FILTER_VALUES = 100


@strawberry.input(
    description=(
        "Which score updates to receive. Every given condition must hold; within one list any value matches. "
        "Omit a field to leave it unrestricted."
    )
)
class ScoreUpdatedFilter:
    ratings: list[RatingEnum] | None = strawberry.field(
        default=None,
        description="Only scores rated any of these. Scores with insufficient data have no rating and never match.",
    )
    channels: list[ChannelEnum] | None = strawberry.field(
        default=None, description="Only conversations on any of these channels."
    )
    ai_agents: list[str] | None = strawberry.field(
        default=None, description="Only conversations handled by any of these AI agents."
    )
    external_ids: list[str] | None = strawberry.field(
        default=None,
        description=f"Only these conversations, by the support platform's id. At most {MAX_FILTER_EXTERNAL_IDS}.",
    )


def check_score_filter(score_filter: ScoreUpdatedFilter | None) -> SubscriptionArgumentError | None:
    """Return the first problem with the filter, or None when it is valid."""
    if score_filter is None:
        return None
    limits = {
        "ratings": MAX_FILTER_VALUES,
        "channels": MAX_FILTER_VALUES,
        "aiAgents": MAX_FILTER_VALUES,
        "externalIds": MAX_FILTER_EXTERNAL_IDS,
    }
    values = {
        "ratings": score_filter.ratings,
        "channels": score_filter.channels,
        "aiAgents": score_filter.ai_agents,
        "externalIds": score_filter.external_ids,
    }
    for name, items in values.items():
        if items is None:
            continue
        path = f"filter.{name}"
        if not items:
            return SubscriptionArgumentError(
                message=f"`{path}` is an empty list, so no update could match. Omit it to receive every value.",
                field=path,
            )
        if len(items) > limits[name]:
            return SubscriptionArgumentError(
                message=f"`{path}` has {len(items)} values; the limit is {limits[name]}. Open several subscriptions.",
                field=path,
            )
    return None


def score_matches(score_filter: ScoreUpdatedFilter | None, score) -> bool:
    """Tell whether a stored score (with its conversation loaded) passes the filter."""
    if score_filter is None:
        return True
    conversation = score.conversation
    if score_filter.ratings is not None and score.rating not in {rating.value for rating in score_filter.ratings}:
        return False
    if score_filter.channels is not None and conversation.channel not in {
        channel.value for channel in score_filter.channels
    }:
        return False
    if score_filter.ai_agents is not None and conversation.ai_agent not in score_filter.ai_agents:
        return False
    if score_filter.external_ids is not None and conversation.external_id not in score_filter.external_ids:
        return False
    return True
