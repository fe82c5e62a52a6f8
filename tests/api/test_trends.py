"""The `trends` query and the rollup behind it."""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta

import pytest

from analytics.models import HourlyRollup
from conversations.models import Conversation
from tenants.context import call_in_schema
from tests.api.conftest import BASE_TIME

TRENDS = """
query Trends($range: TimeRangeInput!, $interval: TrendInterval, $zone: String, $groupBy: TrendGroupBy,
             $filter: TrendsFilter) {
  trends(range: $range, interval: $interval, timeZone: $zone, groupBy: $groupBy, filter: $filter) {
    __typename
    ... on Trends {
      buckets {
        start group count scoredCount
        ratings { excellent good poor insufficientData }
        meanOverall containmentRate handoffRate abandonmentRate meanHandleTimeSeconds meanCsat csatResponseRate
      }
    }
    ... on ReadArgumentError { code field message }
  }
}
"""

RECORD_CSAT = """
mutation Csat($externalId: String!, $rating: Float!) {
  recordCsat(externalId: $externalId, rating: $rating) {
    ... on RecordCsatPayload { errors { code field message } }
  }
}
"""

WEEK = {"start": "2026-03-01T00:00:00Z", "end": "2026-03-08T00:00:00Z"}


def _seed(seed, slug):
    """Three conversations on Monday 2 March: two chat (09:00, 23:30 UTC), one email (10:00)."""
    ids = seed.ingest(
        slug,
        seed.payload("t-1", started_at=BASE_TIME, csat={"rating": 5, "scale": 5}),
        seed.payload("t-2", started_at=BASE_TIME.replace(hour=23, minute=30), tags=["billing", "vip"]),
        seed.payload("t-3", started_at=BASE_TIME.replace(hour=10), channel="email", tags=[]),
    )
    seed.score(slug, ids[0], overall=90.0, rating="excellent", outcome="resolved")
    seed.score(slug, ids[1], overall=40.0, rating="poor", outcome="handed_off")
    seed.score(slug, ids[2], overall=70.0, rating="good", outcome="abandoned")
    return ids


def test_trends_daily_utc(gql, acme, seed):
    _seed(seed, acme.slug)

    data = gql(acme.keys["read"]).execute(TRENDS, {"range": WEEK})["trends"]

    [bucket] = data["buckets"]
    assert bucket["start"].startswith("2026-03-02T00:00:00")
    assert bucket["count"] == 3
    assert bucket["scoredCount"] == 3
    assert bucket["ratings"] == {"excellent": 1, "good": 1, "poor": 1, "insufficientData": 0}
    assert bucket["meanOverall"] == pytest.approx((90 + 40 + 70) / 3)
    assert bucket["containmentRate"] == pytest.approx(1 / 3)
    assert bucket["handoffRate"] == pytest.approx(1 / 3)
    assert bucket["abandonmentRate"] == pytest.approx(1 / 3)
    assert bucket["meanHandleTimeSeconds"] == pytest.approx(300)
    assert bucket["meanCsat"] == pytest.approx(1.0)
    assert bucket["csatResponseRate"] == pytest.approx(1 / 3)


def test_trends_buckets_by_local_day(gql, acme, seed):
    _seed(seed, acme.slug)

    data = gql(acme.keys["read"]).execute(TRENDS, {"range": WEEK, "zone": "Europe/Berlin"})["trends"]

    counts = {b["start"][:10]: b["count"] for b in data["buckets"]}
    assert counts == {"2026-03-02": 2, "2026-03-03": 1}
    assert data["buckets"][0]["start"].endswith("+01:00")


def test_trends_half_hour_zone_matches_whole_hours(gql, acme, seed):
    _seed(seed, acme.slug)

    data = gql(acme.keys["read"]).execute(TRENDS, {"range": WEEK, "zone": "Asia/Kolkata"})["trends"]

    counts = {b["start"][:10]: b["count"] for b in data["buckets"]}
    # 23:30 UTC is 05:00 the next day in Kolkata (UTC+05:30).
    assert counts == {"2026-03-02": 2, "2026-03-03": 1}


def test_trends_grouped_by_channel_and_tag(gql, acme, seed):
    _seed(seed, acme.slug)
    client = gql(acme.keys["read"])

    by_channel = client.execute(TRENDS, {"range": WEEK, "groupBy": "CHANNEL"})["trends"]["buckets"]
    by_tag = client.execute(TRENDS, {"range": WEEK, "groupBy": "TAG"})["trends"]["buckets"]
    weekly = client.execute(TRENDS, {"range": WEEK, "interval": "WEEK", "groupBy": "OUTCOME"})["trends"]["buckets"]

    assert {b["group"]: b["count"] for b in by_channel} == {"chat": 2, "email": 1}
    assert {b["group"]: b["count"] for b in by_tag} == {"billing": 2, "vip": 1}
    assert {b["group"]: b["count"] for b in weekly} == {"resolved": 1, "handed_off": 1, "abandoned": 1}


def test_trends_tag_filter_limits_tag_groups(gql, acme, seed):
    _seed(seed, acme.slug)
    client = gql(acme.keys["read"])
    variables = {"range": WEEK, "groupBy": "TAG", "filter": {"tags": ["vip"]}}
    kolkata = dict(variables, zone="Asia/Kolkata")

    from_rollup = client.execute(TRENDS, variables)["trends"]["buckets"]
    from_facts = client.execute(TRENDS, kolkata)["trends"]["buckets"]

    assert {b["group"]: b["count"] for b in from_rollup} == {"vip": 1}
    assert {b["group"]: b["count"] for b in from_facts} == {"vip": 1}


def test_trends_filters(gql, acme, seed):
    _seed(seed, acme.slug)
    client = gql(acme.keys["read"])

    def total(filter_value, group_by=None):
        variables = {"range": WEEK, "filter": filter_value, "groupBy": group_by}
        return sum(b["count"] for b in client.execute(TRENDS, variables)["trends"]["buckets"])

    assert total({"channels": ["CHAT"]}) == 2
    assert total({"channels": ["CHAT"]}, "CHANNEL") == 2
    assert total({"tags": ["billing", "vip"]}) == 2
    assert total({"channels": ["CHAT"], "ratings": ["POOR"]}) == 1
    assert total({"ratings": ["GOOD"]}, "CHANNEL") == 1


def test_trends_rejects_unknown_zone(gql, acme):
    data = gql(acme.keys["read"]).execute(TRENDS, {"range": WEEK, "zone": "Mars/Olympus"})["trends"]

    assert data["code"] == "UNKNOWN_TIME_ZONE"
    assert "Mars/Olympus" in data["message"]


def test_trends_rejects_too_long_range(gql, acme):
    long_range = {"start": "2024-01-01T00:00:00Z", "end": "2026-01-01T00:00:00Z"}

    data = gql(acme.keys["read"]).execute(TRENDS, {"range": long_range})["trends"]

    assert data["code"] == "RANGE_TOO_LONG"
    assert "400" in data["message"]


def test_trends_ignore_other_workspace(gql, acme, globex, seed):
    _seed(seed, globex.slug)

    data = gql(acme.keys["read"]).execute(TRENDS, {"range": WEEK})["trends"]

    assert data["buckets"] == []


def _direct_rollup(slug: str) -> dict:
    """The rollup computed in Python from conversations and their latest scores."""

    def compute():
        expected = defaultdict(lambda: defaultdict(float))
        for conversation in Conversation.objects.select_related("latest_score"):
            hour = (conversation.started_at or conversation.created_at).replace(minute=0, second=0, microsecond=0)
            score = conversation.latest_score
            rating = score.rating if score and score.rating else ""
            outcome = score.outcome if score else ""
            keys = [("all", ""), ("channel", conversation.channel), ("ai_agent", conversation.ai_agent)]
            keys += [("outcome", outcome), ("rating", rating)]
            keys += [("tag", tag) for tag in set(conversation.tags)]
            for dimension, value in keys:
                sums = expected[(hour, dimension, value)]
                sums["conversations"] += 1
                sums["scored"] += 1 if score else 0
                sums["overall_sum"] += score.overall if score and score.overall is not None else 0
                sums["poor"] += 1 if rating == "poor" else 0
                sums["csat_count"] += 1 if conversation.csat_rating is not None else 0
                sums["csat_sum"] += conversation.csat_normalized or 0
        return {key: dict(values) for key, values in expected.items()}

    return call_in_schema(slug, compute)


def _stored_rollup(slug: str) -> dict:
    def load():
        return {
            (row.hour, row.dimension, row.value): {
                "conversations": row.conversations,
                "scored": row.scored,
                "overall_sum": row.overall_sum,
                "poor": row.poor,
                "csat_count": row.csat_count,
                "csat_sum": row.csat_sum,
            }
            for row in HourlyRollup.objects.all()
            if row.conversations
        }

    return call_in_schema(slug, load)


def test_rollup_matches_direct_after_rescoring_and_late_csat(gql, acme, seed):
    ids = _seed(seed, acme.slug)

    seed.score(acme.slug, ids[0], overall=30.0, rating="poor", outcome="unresolved", config_version=2)
    seed.score(acme.slug, ids[1], overall=85.0, rating="good", outcome="resolved", config_version=2)
    csat = gql(acme.keys["ingest"]).execute(RECORD_CSAT, {"externalId": "t-2", "rating": 2})
    moved = seed.payload("t-3", started_at=BASE_TIME + timedelta(days=1), channel="voice", tags=["vip", "vip"])
    seed.ingest(acme.slug, moved)
    seed.ingest(acme.slug, seed.payload("t-4", started_at=BASE_TIME))

    assert csat["recordCsat"]["errors"] == []
    stored = _stored_rollup(acme.slug)
    direct = _direct_rollup(acme.slug)
    assert stored.keys() == direct.keys()
    for key, values in direct.items():
        for measure, value in values.items():
            assert stored[key][measure] == pytest.approx(value), (key, measure)


def test_trends_rejects_too_many_buckets(gql, acme, seed, monkeypatch):
    _seed(seed, acme.slug)
    monkeypatch.setattr("analytics.trends.MAX_BUCKETS", 1)

    data = gql(acme.keys["read"]).execute(TRENDS, {"range": WEEK, "groupBy": "TAG"})["trends"]

    assert data["code"] == "TOO_MANY_BUCKETS"
    assert data["field"] == "groupBy"


@pytest.mark.parametrize("group_by", [None, "channel", "ai_agent", "outcome", "rating", "tag"])
def test_rollup_and_facts_agree(db, acme, seed, group_by):
    from datetime import datetime, timezone

    from analytics.models import Dimension
    from analytics.trends import TrendsRequest, _query_facts, _query_rollup

    _seed(seed, acme.slug)
    request = TrendsRequest(
        start=datetime(2026, 3, 1, tzinfo=timezone.utc),
        end=datetime(2026, 3, 8, tzinfo=timezone.utc),
        time_zone="America/New_York",
        group_by=Dimension(group_by) if group_by else None,
    )

    from_rollup = call_in_schema(acme.slug, _query_rollup, request)
    from_facts = call_in_schema(acme.slug, _query_facts, request)

    assert from_rollup
    assert [row[:2] for row in from_rollup] == [row[:2] for row in from_facts]
    for rollup_row, facts_row in zip(from_rollup, from_facts, strict=True):
        assert list(rollup_row[2:]) == pytest.approx(list(facts_row[2:]))
