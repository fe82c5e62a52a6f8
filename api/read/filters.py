"""Filter and ordering inputs of the `conversations` query, and their translation to querysets."""

from __future__ import annotations

from datetime import datetime
from enum import Enum

import strawberry
from django.db.models import Exists, OuterRef, Q, QuerySet

from analytics.models import Dimension
from api.read.enums import ChannelEnum, OutcomeEnum, RatingEnum
from api.read.errors import ArgumentRejected, argument_error
from conversations.models import QaReview, ScoringStatus

MAX_FILTER_VALUES = 100


@strawberry.input(description="A half-open time range [start, end). Both ends need a UTC offset.")
class TimeRangeInput:
    start: datetime = strawberry.field(description="Inclusive start, for example 2026-01-01T00:00:00Z.")
    end: datetime = strawberry.field(description="Exclusive end.")


@strawberry.input(description="Conversation filters; all given conditions must hold.")
class ConversationFilter:
    started_after: datetime | None = strawberry.field(default=None, description="Started at or after this time.")
    started_before: datetime | None = strawberry.field(default=None, description="Started before this time.")
    updated_since: datetime | None = strawberry.field(
        default=None,
        description=(
            "Content or CSAT changed at or after this time (scoring does not count; use `scoredSince`). "
            "After a websocket reconnect, pass the time of the last event received minus about a minute."
        ),
    )
    scored_since: datetime | None = strawberry.field(
        default=None, description="Latest score stored at or after this time (allow the same margin as `updatedSince`)."
    )
    channels: list[ChannelEnum] | None = strawberry.field(default=None, description="Any of these channels.")
    ai_agents: list[str] | None = strawberry.field(default=None, description="Handled by any of these AI agents.")
    ratings: list[RatingEnum] | None = strawberry.field(default=None, description="Latest score rated any of these.")
    outcomes: list[OutcomeEnum] | None = strawberry.field(default=None, description="Latest score's outcome is any of these.")
    tags_any: list[str] | None = strawberry.field(default=None, description="Carries at least one of these tags.")
    tags_all: list[str] | None = strawberry.field(default=None, description="Carries every one of these tags.")
    csat_min: float | None = strawberry.field(default=None, description="CSAT rating at least this (on its own scale).")
    csat_max: float | None = strawberry.field(default=None, description="CSAT rating at most this (on its own scale).")
    score_min: float | None = strawberry.field(default=None, description="Latest overall score at least this (0..100).")
    score_max: float | None = strawberry.field(default=None, description="Latest overall score at most this (0..100).")
    has_qa_review: bool | None = strawberry.field(
        default=None, description="True: only reviewed conversations; false: only unreviewed ones."
    )
    scoring_failed: bool | None = strawberry.field(
        default=None, description="True: only conversations whose scoring failed; false: all others."
    )
    insufficient_data: bool | None = strawberry.field(
        default=None, description="Latest score had (true) or did not have (false) insufficient data."
    )


@strawberry.input(description="Filters of `trends` and `calibration`; all given conditions must hold.")
class TrendsFilter:
    channels: list[ChannelEnum] | None = strawberry.field(default=None, description="Any of these channels.")
    ai_agents: list[str] | None = strawberry.field(default=None, description="Handled by any of these AI agents.")
    outcomes: list[OutcomeEnum] | None = strawberry.field(default=None, description="Scored with any of these outcomes.")
    ratings: list[RatingEnum] | None = strawberry.field(default=None, description="Rated any of these.")
    tags: list[str] | None = strawberry.field(default=None, description="Carries at least one of these tags.")


@strawberry.enum(description="Sort order of conversation lists. Conversations without the sort value come last.")
class ConversationOrder(Enum):
    STARTED_AT_DESC = "started_at_desc"
    STARTED_AT_ASC = "started_at_asc"
    SCORE_DESC = "score_desc"
    SCORE_ASC = "score_asc"
    UPDATED_AT_DESC = "updated_at_desc"
    UPDATED_AT_ASC = "updated_at_asc"


ORDER_KEYS = {
    ConversationOrder.STARTED_AT_DESC: ("started_at", True),
    ConversationOrder.STARTED_AT_ASC: ("started_at", False),
    ConversationOrder.SCORE_DESC: ("latest_score__overall", True),
    ConversationOrder.SCORE_ASC: ("latest_score__overall", False),
    ConversationOrder.UPDATED_AT_DESC: ("updated_at", True),
    ConversationOrder.UPDATED_AT_ASC: ("updated_at", False),
}


def _check_aware(path: str, value: datetime | None) -> None:
    if value is not None and value.tzinfo is None:
        raise ArgumentRejected(
            argument_error(path, f"{path} needs a UTC offset, for example 2026-01-01T00:00:00Z.")
        )


def _check_list(path: str, values: list | None) -> None:
    if values is not None and len(values) > MAX_FILTER_VALUES:
        raise ArgumentRejected(
            argument_error(path, f"{path} has {len(values)} values; the maximum is {MAX_FILTER_VALUES}.")
        )


def _check_bounds(path: str, low: float | None, high: float | None, limits: tuple[float, float] | None) -> None:
    """Reject a minimum above its maximum, and bounds outside `limits` when given."""
    names = (f"{path}Min", f"{path}Max")
    if limits is not None:
        for name, bound in zip(names, (low, high), strict=True):
            if bound is not None and not limits[0] <= bound <= limits[1]:
                raise ArgumentRejected(
                    argument_error(name, f"{name} is {bound:g}; use a value from {limits[0]:g} to {limits[1]:g}.")
                )
    if low is not None and high is not None and low > high:
        raise ArgumentRejected(
            argument_error(names[0], f"{names[0]} ({low:g}) is above {names[1]} ({high:g}); swap or widen them.")
        )


def check_range(path: str, time_range: TimeRangeInput) -> None:
    _check_aware(f"{path}.start", time_range.start)
    _check_aware(f"{path}.end", time_range.end)


def apply_conversation_filter(queryset: QuerySet, value: ConversationFilter | None) -> QuerySet:
    """Return `queryset` narrowed by `value`; raise ArgumentRejected naming the first invalid field."""
    if value is None:
        return queryset
    for name in ("started_after", "started_before", "updated_since", "scored_since"):
        _check_aware(f"filter.{_camel(name)}", getattr(value, name))
    for name in ("channels", "ai_agents", "ratings", "outcomes", "tags_any", "tags_all"):
        _check_list(f"filter.{_camel(name)}", getattr(value, name))
    _check_bounds("filter.csat", value.csat_min, value.csat_max, None)
    _check_bounds("filter.score", value.score_min, value.score_max, (0.0, 100.0))

    conditions = Q()
    if value.started_after is not None:
        conditions &= Q(started_at__gte=value.started_after)
    if value.started_before is not None:
        conditions &= Q(started_at__lt=value.started_before)
    if value.updated_since is not None:
        conditions &= Q(updated_at__gte=value.updated_since)
    if value.scored_since is not None:
        conditions &= Q(latest_score__created_at__gte=value.scored_since)
    if value.channels:
        conditions &= Q(channel__in=[c.value for c in value.channels])
    if value.ai_agents:
        conditions &= Q(ai_agent__in=value.ai_agents)
    if value.ratings:
        conditions &= Q(latest_score__rating__in=[r.value for r in value.ratings])
    if value.outcomes:
        conditions &= Q(latest_score__outcome__in=[o.value for o in value.outcomes])
    if value.tags_any:
        conditions &= Q(tags__overlap=value.tags_any)
    if value.tags_all:
        conditions &= Q(tags__contains=value.tags_all)
    if value.csat_min is not None:
        conditions &= Q(csat_rating__gte=value.csat_min)
    if value.csat_max is not None:
        conditions &= Q(csat_rating__lte=value.csat_max)
    if value.score_min is not None:
        conditions &= Q(latest_score__overall__gte=value.score_min)
    if value.score_max is not None:
        conditions &= Q(latest_score__overall__lte=value.score_max)
    if value.scoring_failed is True:
        conditions &= Q(scoring_status=ScoringStatus.FAILED)
    elif value.scoring_failed is False:
        conditions &= ~Q(scoring_status=ScoringStatus.FAILED)
    if value.insufficient_data is not None:
        conditions &= Q(latest_score__insufficient_data=value.insufficient_data)
    queryset = queryset.filter(conditions)
    if value.has_qa_review is not None:
        reviewed = Exists(QaReview.objects.filter(conversation=OuterRef("pk")))
        queryset = queryset.filter(reviewed if value.has_qa_review else ~reviewed)
    return queryset


def trends_dimensions(value: TrendsFilter | None) -> dict[Dimension, tuple[str, ...]]:
    """Return the rollup dimension filters for a TrendsFilter; raise ArgumentRejected on oversized lists."""
    if value is None:
        return {}
    for name in ("channels", "ai_agents", "outcomes", "ratings", "tags"):
        _check_list(f"filter.{_camel(name)}", getattr(value, name))
    pairs = {
        Dimension.CHANNEL: [c.value for c in value.channels or []],
        Dimension.AI_AGENT: list(value.ai_agents or []),
        Dimension.OUTCOME: [o.value for o in value.outcomes or []],
        Dimension.RATING: [r.value for r in value.ratings or []],
        Dimension.TAG: list(value.tags or []),
    }
    return {dimension: tuple(values) for dimension, values in pairs.items() if values}


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)
