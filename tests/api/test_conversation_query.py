"""The `conversation` query: transcript, sentiment, score with linked signals, history, CSAT, reviews."""

from __future__ import annotations

QUERY = """
query One($id: ID, $externalId: String) {
  conversation(id: $id, externalId: $externalId) {
    __typename
    ... on Conversation {
      id externalId channel aiAgent tags
      messages { index role text sentiment { label value scorable } }
      csat { rating scale normalized }
      latestScore {
        overall rating outcome progressLevel sentimentTrend confidence summary
        signals { component code effect messageIndices reason messages { index text } }
      }
      scoreHistory { overall configVersion }
      qaReviews { reviewer rating }
    }
    ... on Error { message }
    ... on NotFoundError { lookedUp: id }
    ... on ScopeMissingError { requiredScope }
    ... on ReadArgumentError { field code }
  }
}
"""


def test_conversation_returns_transcript_score_and_signals(gql, acme, seed):
    csat = {"rating": 4, "scale": 5}
    [conversation_id] = seed.ingest(acme.slug, seed.payload("c-1", csat=csat))
    seed.score(acme.slug, conversation_id, overall=60.0, config_version=1)
    seed.score(acme.slug, conversation_id, overall=80.0, config_version=2)

    data = gql(acme.keys["read"]).execute(QUERY, {"externalId": "c-1"})["conversation"]

    assert data["__typename"] == "Conversation"
    assert data["id"] == str(conversation_id)
    assert [m["role"] for m in data["messages"]] == ["CUSTOMER", "AI", "CUSTOMER"]
    assert data["messages"][0]["sentiment"] == {"label": "POSITIVE", "value": 0.6, "scorable": True}
    assert data["messages"][1]["sentiment"] is None
    assert data["csat"] == {"rating": 4.0, "scale": 5, "normalized": 0.75}
    assert data["latestScore"]["overall"] == 80.0
    assert data["latestScore"]["rating"] == "GOOD"
    signal = data["latestScore"]["signals"][0]
    assert signal["code"] == "customer_confirmed"
    assert signal["messageIndices"] == [2]
    assert signal["messages"] == [{"index": 2, "text": "Thanks, that fixed it!"}]
    assert [s["configVersion"] for s in data["scoreHistory"]] == [2, 1]
    assert data["qaReviews"] == []


def test_conversation_by_id_matches_by_external_id(gql, acme, seed):
    [conversation_id] = seed.ingest(acme.slug, seed.payload("c-2"))

    data = gql(acme.keys["read"]).execute(QUERY, {"id": str(conversation_id)})["conversation"]

    assert data["externalId"] == "c-2"
    assert data["latestScore"] is None


def test_conversation_unknown_is_not_found(gql, acme):
    data = gql(acme.keys["read"]).execute(QUERY, {"externalId": "missing"})["conversation"]

    assert data["__typename"] == "NotFoundError"
    assert data["lookedUp"] == "missing"
    assert "missing" in data["message"]


def test_conversation_of_other_workspace_is_not_found(gql, acme, globex, seed):
    [conversation_id] = seed.ingest(globex.slug, seed.payload("g-1"))

    by_id = gql(acme.keys["read"]).execute(QUERY, {"id": str(conversation_id)})["conversation"]
    by_external = gql(acme.keys["read"]).execute(QUERY, {"externalId": "g-1"})["conversation"]

    assert by_id["__typename"] == "NotFoundError"
    assert by_external["__typename"] == "NotFoundError"


def test_conversation_without_read_scope_is_rejected(gql, acme, seed):
    seed.ingest(acme.slug, seed.payload("c-3"))

    data = gql(acme.keys["ingest"]).execute(QUERY, {"externalId": "c-3"})["conversation"]

    assert data["__typename"] == "ScopeMissingError"
    assert data["requiredScope"] == "read"


def test_conversation_needs_exactly_one_identifier(gql, acme):
    data = gql(acme.keys["read"]).execute(QUERY, {})["conversation"]

    assert data["__typename"] == "ReadArgumentError"
    assert data["code"] == "INVALID"


def test_conversation_tolerates_malformed_signals(gql, acme, seed):
    [conversation_id] = seed.ingest(acme.slug, seed.payload("c-4"))
    seed.score(
        acme.slug,
        conversation_id,
        signals=[{"code": "odd", "message_indices": [0, 99]}, "not a dict", {"component": "unknown"}],
    )

    data = gql(acme.keys["read"]).execute(QUERY, {"externalId": "c-4"})["conversation"]

    signals = data["latestScore"]["signals"]
    assert len(signals) == 2
    assert signals[0]["messageIndices"] == [0, 99]
    assert [m["index"] for m in signals[0]["messages"]] == [0]
    assert signals[1]["component"] is None
