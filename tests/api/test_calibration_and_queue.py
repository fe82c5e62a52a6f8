"""The `calibration` and `reviewQueue` queries."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.api.conftest import BASE_TIME

CALIBRATION = """
query Calibration($range: TimeRangeInput!, $filter: TrendsFilter) {
  calibration(range: $range, filter: $filter) {
    __typename
    ... on Calibration {
      csatPairs spearmanRho
      byCsatRating { rating scale count meanOverall }
      qaReviews qaAgreementRate qaScoredReviews qaMeanAbsoluteDifference
    }
    ... on ReadArgumentError { code field }
  }
}
"""

QUEUE = """
query Queue($first: Int, $after: String) {
  reviewQueue(first: $first, after: $after) {
    __typename
    ... on ReviewQueueConnection {
      pageInfo { hasNextPage endCursor }
      edges { node { priority reasons { code message } conversation { externalId } } }
    }
    ... on ScopeMissingError { requiredScope }
  }
}
"""

REVIEW = """
mutation Review($externalId: String!, $rating: Rating!, $score: Float) {
  submitQaReview(externalId: $externalId, reviewer: "qa", rating: $rating, score: $score) {
    ... on SubmitQaReviewPayload { errors { message } }
  }
}
"""

WEEK = {"start": "2026-03-01T00:00:00Z", "end": "2026-03-08T00:00:00Z"}


def _seed(seed, slug, client):
    """Four conversations whose AI score rises with CSAT; one reviewed in agreement, one not."""
    payloads = [
        seed.payload(f"k-{i}", started_at=BASE_TIME + timedelta(hours=i), csat={"rating": i + 2, "scale": 5})
        for i in range(4)
    ]
    ids = seed.ingest(slug, *payloads)
    ratings = ["poor", "good", "good", "excellent"]
    for i, conversation_id in enumerate(ids):
        seed.score(slug, conversation_id, overall=30.0 + 20 * i, rating=ratings[i], confidence=0.9)
    client.execute(REVIEW, {"externalId": "k-1", "rating": "GOOD", "score": 60})
    client.execute(REVIEW, {"externalId": "k-3", "rating": "POOR", "score": 40})
    return ids


def test_calibration_reports_rank_correlation_and_qa(gql, acme, seed):
    client = gql(acme.keys["all"])
    _seed(seed, acme.slug, client)

    data = client.execute(CALIBRATION, {"range": WEEK})["calibration"]

    assert data["csatPairs"] == 4
    assert data["spearmanRho"] == pytest.approx(1.0)
    assert [(g["rating"], g["count"], g["meanOverall"]) for g in data["byCsatRating"]] == [
        (2.0, 1, 30.0),
        (3.0, 1, 50.0),
        (4.0, 1, 70.0),
        (5.0, 1, 90.0),
    ]
    assert data["qaReviews"] == 2
    assert data["qaAgreementRate"] == pytest.approx(0.5)
    assert data["qaMeanAbsoluteDifference"] == pytest.approx((10 + 50) / 2)


def test_calibration_ignores_other_workspace(gql, acme, globex, seed):
    _seed(seed, globex.slug, gql(globex.keys["all"]))

    data = gql(acme.keys["read"]).execute(CALIBRATION, {"range": WEEK})["calibration"]

    assert data["csatPairs"] == 0
    assert data["spearmanRho"] is None
    assert data["qaReviews"] == 0


def test_calibration_rejects_reversed_range(gql, acme):
    reversed_range = {"start": WEEK["end"], "end": WEEK["start"]}

    data = gql(acme.keys["read"]).execute(CALIBRATION, {"range": reversed_range})["calibration"]

    assert data["field"] == "range.end"


def test_review_queue_orders_by_priority_with_reasons(gql, acme, seed):
    client = gql(acme.keys["all"])
    ids = _seed(seed, acme.slug, client)
    seed.score(acme.slug, ids[2], overall=72.0, rating="good", confidence=0.2, config_version=2)

    first = client.execute(QUEUE, {"first": 2})["reviewQueue"]
    rest = client.execute(QUEUE, {"first": 2, "after": first["pageInfo"]["endCursor"]})["reviewQueue"]

    items = [edge["node"] for edge in first["edges"] + rest["edges"]]
    assert [(i["conversation"]["externalId"], i["priority"]) for i in items] == [("k-0", 3), ("k-3", 2), ("k-2", 1)]
    assert [r["code"] for r in items[0]["reasons"]] == ["POOR_RATING"]
    assert [r["code"] for r in items[1]["reasons"]] == ["QA_DISAGREEMENT"]
    assert [r["code"] for r in items[2]["reasons"]] == ["LOW_CONFIDENCE"]
    assert rest["pageInfo"]["hasNextPage"] is False


def test_review_queue_flags_csat_disagreement(gql, acme, seed):
    [conversation_id] = seed.ingest(acme.slug, seed.payload("k-csat", csat={"rating": 1, "scale": 5}))
    seed.score(acme.slug, conversation_id, overall=92.0, rating="excellent")

    data = gql(acme.keys["read"]).execute(QUEUE, {})["reviewQueue"]

    [edge] = data["edges"]
    assert edge["node"]["reasons"][0]["code"] == "CSAT_DISAGREEMENT"
    assert "1 of 5" in edge["node"]["reasons"][0]["message"]


def test_review_queue_ignores_other_workspace(gql, acme, globex, seed):
    _seed(seed, globex.slug, gql(globex.keys["all"]))

    data = gql(acme.keys["read"]).execute(QUEUE, {})["reviewQueue"]

    assert data["edges"] == []
