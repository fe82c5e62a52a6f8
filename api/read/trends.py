"""The `trends` query: counts, rating mix, mean scores and rates per time bucket."""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from typing import Annotated

import strawberry
from strawberry.types import Info

from analytics.models import Dimension
from analytics.trends import TrendsRequest, TrendsRequestError, compute_trends
from api.errors import ScopeMissingError
from api.permissions import missing_scope
from api.read.errors import ArgumentRejected, ReadArgumentError, ReadErrorCode, argument_error
from api.read.filters import TimeRangeInput, TrendsFilter, check_range, trends_dimensions
from tenants.context import run_in_schema


@strawberry.enum(description="Length of a trends bucket, in the requested time zone.")
class TrendInterval(Enum):
    DAY = "day"
    WEEK = "week"
    MONTH = "month"


@strawberry.enum(description="What to split each bucket by.")
class TrendGroupBy(Enum):
    CHANNEL = "channel"
    AI_AGENT = "ai_agent"
    OUTCOME = "outcome"
    RATING = "rating"
    TAG = "tag"


@strawberry.type(description="How many scored conversations got each rating.")
class RatingDistribution:
    excellent: int = strawberry.field(description="Rated excellent.")
    good: int = strawberry.field(description="Rated good.")
    poor: int = strawberry.field(description="Rated poor.")
    insufficient_data: int = strawberry.field(description="Scored but with too little data to rate.")


@strawberry.type(description="Measures of the conversations that started in one bucket (and group).")
class TrendBucket:
    start: datetime = strawberry.field(description="Start of the bucket in the requested time zone.")
    group: str | None = strawberry.field(
        description="The group's value (channel, AI agent, outcome, rating or tag); null without `groupBy`. "
        "An empty string stands for conversations without that value (for example unscored ones by outcome)."
    )
    count: int = strawberry.field(description="Conversations that started in the bucket.")
    scored_count: int = strawberry.field(description="Of those, conversations with a score.")
    ratings: RatingDistribution = strawberry.field(description="Rating counts of the scored conversations.")
    mean_overall: float | None = strawberry.field(description="Mean overall score (0..100) where one exists.")
    mean_resolution: float | None = strawberry.field(description="Mean resolution sub-score.")
    mean_efficiency: float | None = strawberry.field(description="Mean efficiency sub-score.")
    mean_sentiment: float | None = strawberry.field(description="Mean customer sentiment sub-score.")
    containment_rate: float | None = strawberry.field(
        description="Share of scored conversations resolved without a human (outcome resolved)."
    )
    handoff_rate: float | None = strawberry.field(description="Share of scored conversations handed off to a human.")
    abandonment_rate: float | None = strawberry.field(description="Share of scored conversations the customer abandoned.")
    mean_handle_time_seconds: float | None = strawberry.field(
        description="Mean time from start to end, over conversations with both timestamps."
    )
    mean_csat: float | None = strawberry.field(
        description="Mean CSAT normalised to 0..1 (1 is the top of each survey's scale)."
    )
    csat_response_rate: float | None = strawberry.field(description="Share of conversations with a CSAT response.")


@strawberry.type(description="Trends over a time range.")
class Trends:
    interval: TrendInterval = strawberry.field(description="The bucket length used.")
    time_zone: str = strawberry.field(description="The IANA time zone buckets are aligned to.")
    buckets: list[TrendBucket] = strawberry.field(
        description="Non-empty buckets in time order, then by group; at most 20000 (else TOO_MANY_BUCKETS)."
    )


TrendsResult = Annotated[
    Trends | ScopeMissingError | ReadArgumentError,
    strawberry.union("TrendsResult", description="Trends, or why they cannot be computed."),
]


def _ratio(numerator: float, denominator: float) -> float | None:
    return numerator / denominator if denominator else None


def to_bucket(start: datetime, group: str | None, sums: dict[str, float]) -> TrendBucket:
    scored = int(sums["scored"])
    return TrendBucket(
        start=start,
        group=group,
        count=int(sums["conversations"]),
        scored_count=scored,
        ratings=RatingDistribution(
            excellent=int(sums["excellent"]),
            good=int(sums["good"]),
            poor=int(sums["poor"]),
            insufficient_data=int(sums["insufficient"]),
        ),
        mean_overall=_ratio(sums["overall_sum"], sums["overall_count"]),
        mean_resolution=_ratio(sums["resolution_sum"], sums["resolution_count"]),
        mean_efficiency=_ratio(sums["efficiency_sum"], sums["efficiency_count"]),
        mean_sentiment=_ratio(sums["sentiment_sum"], sums["sentiment_count"]),
        containment_rate=_ratio(sums["resolved"], scored),
        handoff_rate=_ratio(sums["handed_off"], scored),
        abandonment_rate=_ratio(sums["abandoned"], scored),
        mean_handle_time_seconds=_ratio(sums["handle_seconds_sum"], sums["handle_count"]),
        mean_csat=_ratio(sums["csat_sum"], sums["csat_count"]),
        csat_response_rate=_ratio(sums["csat_count"], sums["conversations"]),
    )


def load_trends(request: TrendsRequest) -> list[TrendBucket]:
    try:
        result = compute_trends(request)
    except TrendsRequestError as error:
        code = ReadErrorCode.INVALID
        if error.field == "timeZone":
            code = ReadErrorCode.UNKNOWN_TIME_ZONE
        elif error.field == "range" and "maximum" in str(error):
            code = ReadErrorCode.RANGE_TOO_LONG
        elif error.field == "groupBy":
            code = ReadErrorCode.TOO_MANY_BUCKETS
        raise ArgumentRejected(argument_error(error.field, str(error), code)) from None
    return [to_bucket(bucket.start, bucket.group, bucket.sums) for bucket in result.buckets]


@strawberry.type
class TrendsQueries:
    @strawberry.field(
        description=(
            "Per-bucket measures of conversations started in `range`, bucketed by `interval` in `timeZone`, "
            "optionally split by `groupBy`. Ranges are limited to 400 days for daily buckets, 400 weeks "
            "for weekly and 3660 days for monthly. Needs the `read` scope."
        )
    )
    async def trends(
        self,
        info: Info,
        range: Annotated[TimeRangeInput, strawberry.argument(description="Start-time range of the conversations.")],
        interval: Annotated[TrendInterval, strawberry.argument(description="Bucket length.")] = TrendInterval.DAY,
        time_zone: Annotated[str, strawberry.argument(description="IANA time zone, for example Europe/Berlin.")] = "UTC",
        group_by: Annotated[TrendGroupBy | None, strawberry.argument(description="Split buckets by this.")] = None,
        filter: Annotated[TrendsFilter | None, strawberry.argument(description="Conditions to match.")] = None,
    ) -> TrendsResult:
        if error := missing_scope(info, "read"):
            return error
        try:
            check_range("range", range)
            request = TrendsRequest(
                start=range.start,
                end=range.end,
                interval=interval.value,
                time_zone=time_zone,
                group_by=Dimension(group_by.value) if group_by else None,
                filters=trends_dimensions(filter),
            )
            buckets = await run_in_schema(info.context.schema_name, load_trends, request)
        except ArgumentRejected as rejected:
            return rejected.error
        return Trends(interval=interval, time_zone=time_zone, buckets=buckets)
