"""The `conversations` connection: filters, ordering, keyset pages, limits and query counts."""

from __future__ import annotations

from datetime import timedelta

from django.db import connection
from django.test.utils import CaptureQueriesContext

from conversations.models import Conversation
from scoring.models import Score
from tenants.context import call_in_schema
from tests.api.conftest import BASE_TIME

LIST = """
query List($filter: ConversationFilter, $orderBy: ConversationOrder, $first: Int, $after: String, $count: Boolean) {
  conversations(filter: $filter, orderBy: $orderBy, first: $first, after: $after, withTotalCount: $count) {
    __typename
    ... on ConversationConnection {
      totalCount
      pageInfo { hasNextPage endCursor }
      edges { cursor node { externalId latestScore { overall } } }
    }
    ... on ReadArgumentError { code field message }
    ... on ScopeMissingError { requiredScope }
  }
}
"""

FULL_PAGE = """
query Full($first: Int) {
  conversations(first: $first) {
    ... on ConversationConnection {
      edges { node {
        externalId csat { rating }
        messages { text sentiment { label } }
        latestScore { overall signals { code messages { index } } }
        scoreHistory { overall }
        qaReviews { rating }
      } }
    }
  }
}
"""


def _ids(data) -> list[str]:
    return [edge["node"]["externalId"] for edge in data["conversations"]["edges"]]


def _seed_five(seed, slug):
    payloads = [
        seed.payload(f"l-{i}", started_at=BASE_TIME + timedelta(hours=i), channel="chat" if i % 2 else "email")
        for i in range(5)
    ]
    ids = seed.ingest(slug, *payloads)
    for i, conversation_id in enumerate(ids):
        seed.score(slug, conversation_id, overall=50.0 + i * 10, rating="poor" if i < 2 else "good")
    return ids


def test_conversations_pages_by_start_time(gql, acme, seed):
    _seed_five(seed, acme.slug)
    client = gql(acme.keys["read"])

    first = client.execute(LIST, {"first": 2, "count": True})
    after = first["conversations"]["pageInfo"]["endCursor"]
    second = client.execute(LIST, {"first": 2, "after": after})
    third = client.execute(LIST, {"first": 2, "after": second["conversations"]["pageInfo"]["endCursor"]})

    assert _ids(first) == ["l-4", "l-3"]
    assert _ids(second) == ["l-2", "l-1"]
    assert _ids(third) == ["l-0"]
    assert first["conversations"]["totalCount"] == 5
    assert second["conversations"]["totalCount"] is None
    assert first["conversations"]["pageInfo"]["hasNextPage"] is True
    assert third["conversations"]["pageInfo"]["hasNextPage"] is False


def test_conversations_sort_by_score_both_ways(gql, acme, seed):
    _seed_five(seed, acme.slug)
    client = gql(acme.keys["read"])

    ascending = client.execute(LIST, {"orderBy": "SCORE_ASC", "first": 3})
    rest = client.execute(
        LIST, {"orderBy": "SCORE_ASC", "first": 3, "after": ascending["conversations"]["pageInfo"]["endCursor"]}
    )
    descending = client.execute(LIST, {"orderBy": "SCORE_DESC", "first": 5})

    assert _ids(ascending) == ["l-0", "l-1", "l-2"]
    assert _ids(rest) == ["l-3", "l-4"]
    assert _ids(descending) == ["l-4", "l-3", "l-2", "l-1", "l-0"]


def test_conversations_unscored_sort_last(gql, acme, seed):
    _seed_five(seed, acme.slug)
    seed.ingest(acme.slug, seed.payload("l-unscored"))
    client = gql(acme.keys["read"])

    page = client.execute(LIST, {"orderBy": "SCORE_DESC", "first": 4})
    rest = client.execute(
        LIST, {"orderBy": "SCORE_DESC", "first": 4, "after": page["conversations"]["pageInfo"]["endCursor"]}
    )

    assert _ids(rest) == ["l-0", "l-unscored"]


def test_conversations_filters(gql, acme, seed):
    ids = _seed_five(seed, acme.slug)
    client = gql(acme.keys["read"])

    def matching(filter_value):
        return _ids(client.execute(LIST, {"filter": filter_value, "first": 10}))

    assert matching({"channels": ["EMAIL"]}) == ["l-4", "l-2", "l-0"]
    assert matching({"ratings": ["POOR"]}) == ["l-1", "l-0"]
    assert matching({"scoreMin": 70, "scoreMax": 80}) == ["l-3", "l-2"]
    assert matching({"startedAfter": (BASE_TIME + timedelta(hours=3)).isoformat()}) == ["l-4", "l-3"]
    assert matching({"tagsAny": ["billing", "x"]}) == ["l-4", "l-3", "l-2", "l-1", "l-0"]
    assert matching({"tagsAll": ["billing", "x"]}) == []
    assert matching({"outcomes": ["RESOLVED"], "insufficientData": False, "scoringFailed": False}) == [
        "l-4",
        "l-3",
        "l-2",
        "l-1",
        "l-0",
    ]
    assert matching({"hasQaReview": True}) == []
    assert matching({"csatMin": 1}) == []
    assert len(ids) == 5


def test_conversations_page_size_limit(gql, acme):
    data = gql(acme.keys["read"]).execute(LIST, {"first": 101})["conversations"]

    assert data["__typename"] == "ReadArgumentError"
    assert data["code"] == "PAGE_SIZE_TOO_LARGE"
    assert data["field"] == "first"
    assert "100" in data["message"]


def test_conversations_reject_foreign_cursor(gql, acme, seed):
    _seed_five(seed, acme.slug)
    client = gql(acme.keys["read"])
    cursor = client.execute(LIST, {"first": 1})["conversations"]["pageInfo"]["endCursor"]

    wrong_order = client.execute(LIST, {"first": 1, "after": cursor, "orderBy": "SCORE_DESC"})["conversations"]
    garbage = client.execute(LIST, {"first": 1, "after": "not-a-cursor"})["conversations"]

    assert wrong_order["code"] == "INVALID_CURSOR"
    assert garbage["code"] == "INVALID_CURSOR"


def test_conversations_reject_naive_time(gql, acme):
    data = gql(acme.keys["read"]).execute(LIST, {"filter": {"updatedSince": "2026-01-01T00:00:00"}})

    assert data["conversations"]["field"] == "filter.updatedSince"


def test_conversations_exclude_other_workspace(gql, acme, globex, seed):
    seed.ingest(globex.slug, seed.payload("g-only"))

    data = gql(acme.keys["read"]).execute(LIST, {"first": 100})

    assert "g-only" not in _ids(data)


def test_conversations_need_read_scope(gql, acme):
    data = gql(acme.keys["ingest"]).execute(LIST, {})

    assert data["conversations"]["requiredScope"] == "read"


def test_conversations_query_count_does_not_grow_with_page(gql, acme, seed):
    ids = seed.ingest(acme.slug, *[seed.payload(f"q-{i}", csat={"rating": 3}) for i in range(12)])
    for conversation_id in ids:
        seed.score(acme.slug, conversation_id, config_version=1)
        seed.score(acme.slug, conversation_id, config_version=2)
    client = gql(acme.keys["read"])
    client.execute(FULL_PAGE, {"first": 1})  # the first request of a key also records its last use

    with CaptureQueriesContext(connection) as small:
        client.execute(FULL_PAGE, {"first": 2})
    with CaptureQueriesContext(connection) as large:
        data = client.execute(FULL_PAGE, {"first": 11})

    assert len(data["conversations"]["edges"]) == 11
    assert data["conversations"]["edges"][0]["node"]["messages"][0]["sentiment"] == {"label": "POSITIVE"}
    assert len(large.captured_queries) == len(small.captured_queries)
    # Keyset ids, conversations, messages, sentiments, score history, QA reviews, plus the API-key lookups.
    assert len(large.captured_queries) <= 14, [q["sql"][:80] for q in large.captured_queries]


def test_conversations_without_start_time_come_last(gql, acme, seed):
    _seed_five(seed, acme.slug)
    payload = seed.payload("l-no-start")
    del payload["startedAt"]
    del payload["endedAt"]
    seed.ingest(acme.slug, payload)
    client = gql(acme.keys["read"])

    newest = client.execute(LIST, {"first": 3})
    rest = client.execute(LIST, {"first": 3, "after": newest["conversations"]["pageInfo"]["endCursor"]})
    oldest = client.execute(LIST, {"first": 6, "orderBy": "STARTED_AT_ASC"})

    assert _ids(newest) == ["l-4", "l-3", "l-2"]
    assert _ids(rest) == ["l-1", "l-0", "l-no-start"]
    assert rest["conversations"]["pageInfo"]["hasNextPage"] is False
    assert _ids(oldest) == ["l-0", "l-1", "l-2", "l-3", "l-4", "l-no-start"]


def test_conversations_reject_tampered_cursor(gql, acme):
    from api.read.pagination import encode_cursor

    tampered = encode_cursor("score_desc", "not a number", 1)

    data = gql(acme.keys["read"]).execute(LIST, {"after": tampered, "orderBy": "SCORE_DESC"})["conversations"]

    assert data["code"] == "INVALID_CURSOR"


def test_conversations_catch_up_by_time(gql, acme, seed):
    from django.utils import timezone

    ids = _seed_five(seed, acme.slug)
    # Ingestion stamps updated_at with the transaction's start time, and a test runs in one transaction,
    # so the seeded rows are moved an hour back and the mark sits a minute before now.
    mark = timezone.now() - timedelta(minutes=1)
    backdate = mark - timedelta(hours=1)
    call_in_schema(acme.slug, lambda: Conversation.objects.update(updated_at=backdate))
    call_in_schema(acme.slug, lambda: Score.objects.update(created_at=backdate))
    seed.score(acme.slug, ids[1], overall=99.0, rating="excellent", config_version=2)
    seed.ingest(acme.slug, seed.payload("l-3", started_at=BASE_TIME + timedelta(hours=3), tags=["changed"]))
    client = gql(acme.keys["read"])

    scored = client.execute(LIST, {"filter": {"scoredSince": mark.isoformat()}})
    updated = client.execute(LIST, {"filter": {"updatedSince": mark.isoformat()}})

    assert _ids(scored) == ["l-1"]
    assert _ids(updated) == ["l-3"]


def test_conversations_reject_inverted_or_out_of_range_bounds(gql, acme):
    client = gql(acme.keys["read"])
    cases = [
        ({"csatMin": 4, "csatMax": 2}, "filter.csatMin", "above filter.csatMax"),
        ({"scoreMin": 200}, "filter.scoreMin", "from 0 to 100"),
        ({"scoreMin": 80, "scoreMax": 20}, "filter.scoreMin", "above filter.scoreMax"),
    ]
    for conversation_filter, field, phrase in cases:
        data = client.execute(LIST, {"filter": conversation_filter})["conversations"]

        assert data["__typename"] == "ReadArgumentError", conversation_filter
        assert data["field"] == field
        assert phrase in data["message"]
