"""Trends: per-bucket counts and means of conversations, read from the hourly rollup.

Buckets are days, weeks (starting Monday) or months in an IANA time zone.
The rollup contains UTC hours, so summing hours into local buckets is exact for
every zone whose offset is a whole number of hours during the range. For
other zones (for example Asia/Kolkata, UTC+05:30), for ranges that do not
start and end on a whole hour, and for filters that combine dimensions, the
query falls back to `ConversationFact`, one row per conversation, which is
exact but slower.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from django.db import connection

from analytics.models import Dimension
from analytics.rollup import MEASURES

logger = logging.getLogger(__name__)

INTERVALS = ("day", "week", "month")
MAX_RANGE_DAYS = {"day": 400, "week": 7 * 400, "month": 3660}
"""Maximum range per interval, so a response has at most about 400 buckets per group."""

MAX_BUCKETS = 20_000
"""Most bucket-and-group rows one response may carry; mostly a guard against tag groups on many tags."""

GROUPABLE = (Dimension.CHANNEL, Dimension.AI_AGENT, Dimension.OUTCOME, Dimension.RATING, Dimension.TAG)


class TrendsRequestError(ValueError):
    """The request is invalid as given; `field` names the argument at fault."""

    def __init__(self, field_name: str, message: str):
        super().__init__(message)
        self.field = field_name


@dataclass(frozen=True)
class TrendsRequest:
    start: datetime
    end: datetime
    interval: str = "day"
    time_zone: str = "UTC"
    group_by: Dimension | None = None
    # Dimension -> accepted values; a conversation must match every listed dimension.
    filters: dict[Dimension, tuple[str, ...]] = field(default_factory=dict)


@dataclass
class TrendsBucket:
    start: datetime
    group: str | None
    sums: dict[str, float]


@dataclass
class TrendsResult:
    buckets: list[TrendsBucket]
    source: str  # "rollup" or "facts"


def load_zone(name: str) -> ZoneInfo:
    """Return the IANA zone `name` or raise TrendsRequestError naming it."""
    try:
        return ZoneInfo(name)
    except (ValueError, KeyError, OSError):
        raise TrendsRequestError(
            "timeZone", f"Unknown time zone '{name}'. Use an IANA name such as 'Europe/Berlin' or 'UTC'."
        ) from None


def validate(request: TrendsRequest) -> ZoneInfo:
    zone = load_zone(request.time_zone)
    if request.interval not in INTERVALS:
        raise TrendsRequestError("interval", f"Unknown interval '{request.interval}'; use day, week or month.")
    for name, value in (("range.start", request.start), ("range.end", request.end)):
        if value.tzinfo is None:
            raise TrendsRequestError(name, f"{name} needs a UTC offset, for example 2026-01-01T00:00:00Z.")
    if request.end <= request.start:
        raise TrendsRequestError("range.end", "range.end must be after range.start.")
    max_days = MAX_RANGE_DAYS[request.interval]
    if request.end - request.start > timedelta(days=max_days):
        raise TrendsRequestError(
            "range",
            f"The range spans {(request.end - request.start).days} days; the maximum for {request.interval} "
            f"buckets is {max_days} days. Shorten the range or use a longer interval.",
        )
    return zone


def compute_trends(request: TrendsRequest) -> TrendsResult:
    """Return the summed measures per bucket (and group) in the current schema.

    Raises TrendsRequestError for an unknown zone or interval and for a missing or too long range.
    """
    zone = validate(request)
    if _rollup_can_answer(request, zone):
        rows = _query_rollup(request)
        source = "rollup"
    else:
        rows = _query_facts(request)
        source = "facts"
    if len(rows) > MAX_BUCKETS:
        raise TrendsRequestError(
            "groupBy",
            f"The result has more than {MAX_BUCKETS} buckets and groups. Shorten the range, use a longer "
            "interval, or filter the groups (for example `filter.tags`).",
        )
    buckets = [
        TrendsBucket(
            start=local_start.replace(tzinfo=zone),
            group=group,
            sums=dict(zip(MEASURES, values, strict=True)),
        )
        for local_start, group, *values in rows
    ]
    return TrendsResult(buckets=buckets, source=source)


def _rollup_can_answer(request: TrendsRequest, zone: ZoneInfo) -> bool:
    if not _whole_hour_offsets(zone, request.start, request.end):
        return False
    if any(value.minute or value.second or value.microsecond for value in (request.start, request.end)):
        return False
    filtered = [dimension for dimension, values in request.filters.items() if values]
    if not filtered:
        return True
    if len(filtered) > 1:
        return False
    only = filtered[0]
    # Rows of one dimension can be filtered by value only when they are also the rows being grouped,
    # except for single-valued dimensions where the filter alone selects disjoint rows.
    if request.group_by is None:
        return only != Dimension.TAG
    return request.group_by == only


def _whole_hour_offsets(zone: ZoneInfo, start: datetime, end: datetime) -> bool:
    """Return True when the zone's UTC offset is a whole number of hours throughout the range (checked every 12 hours)."""
    moment = start.astimezone(timezone.utc)
    while True:
        offset = moment.astimezone(zone).utcoffset()
        if offset is not None and offset.total_seconds() % 3600:
            return False
        if moment >= end:
            return True
        moment = min(moment + timedelta(hours=12), end.astimezone(timezone.utc))


def _sums_sql() -> str:
    return ", ".join(f"SUM({m})" for m in MEASURES)


def _query_rollup(request: TrendsRequest) -> list[tuple]:
    dimension = request.group_by or next(
        (d for d, values in request.filters.items() if values), Dimension.ALL
    )
    grouped = request.group_by is not None
    params: list = [request.interval, request.time_zone, dimension.value, request.start, request.end]
    value_filter = ""
    values = request.filters.get(dimension)
    if values:
        value_filter = "AND value = ANY(%s)"
        params.append(list(values))
    group_column = "value" if grouped else "NULL::text"
    sql = f"""
        SELECT date_trunc(%s, hour AT TIME ZONE %s) AS bucket, {group_column} AS grp, {_sums_sql()}
        FROM analytics_hourlyrollup
        WHERE dimension = %s AND hour >= %s AND hour < %s {value_filter}
        GROUP BY bucket, grp
        HAVING SUM(conversations) > 0
        ORDER BY bucket, grp
        LIMIT {MAX_BUCKETS + 1}
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


FACT_COLUMN = {
    Dimension.CHANNEL: "f.channel",
    Dimension.AI_AGENT: "f.ai_agent",
    Dimension.OUTCOME: "f.outcome",
    Dimension.RATING: "f.rating",
}


def _query_facts(request: TrendsRequest) -> list[tuple]:
    params: list = [request.interval, request.time_zone]
    joins = ""
    if request.group_by == Dimension.TAG:
        joins = "CROSS JOIN LATERAL (SELECT DISTINCT unnest(f.tags) AS value) tag"
        group_column = "tag.value"
    elif request.group_by is not None:
        group_column = FACT_COLUMN[request.group_by]
    else:
        group_column = "NULL::text"
    where, where_params = fact_conditions(request.start, request.end, request.filters)
    params += where_params
    tags = request.filters.get(Dimension.TAG)
    if request.group_by == Dimension.TAG and tags:
        # Like the rollup path: grouping by tag under a tag filter shows only the filtered tags' groups.
        where += " AND tag.value = ANY(%s)"
        params.append(list(tags))
    sums = ", ".join(f"SUM(f.{m})" for m in MEASURES)
    sql = f"""
        SELECT date_trunc(%s, f.occurred_at AT TIME ZONE %s) AS bucket, {group_column} AS grp, {sums}
        FROM analytics_conversationfact f {joins}
        WHERE {where}
        GROUP BY bucket, grp
        ORDER BY bucket, grp
        LIMIT {MAX_BUCKETS + 1}
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def fact_conditions(start: datetime, end: datetime, filters: dict[Dimension, tuple[str, ...]]) -> tuple[str, list]:
    """Return a WHERE clause on `analytics_conversationfact f` for the range and dimension filters, with its params.

    A tag filter matches conversations that carry any of the tags.
    """
    conditions = ["f.occurred_at >= %s", "f.occurred_at < %s"]
    params: list = [start, end]
    for dimension, values in filters.items():
        if not values:
            continue
        if dimension == Dimension.TAG:
            conditions.append("f.tags && %s::varchar[]")
        else:
            conditions.append(f"{FACT_COLUMN[dimension]} = ANY(%s)")
        params.append(list(values))
    return " AND ".join(conditions), params
