"""recordCsat and submitQaReview: validation, scopes, and the AI score left untouched."""

from __future__ import annotations

from conversations.models import Conversation, QaReview
from tenants.context import call_in_schema

RECORD_CSAT = """
mutation Csat($externalId: String!, $rating: Float!, $scale: Int, $comment: String, $submittedAt: DateTime) {
  recordCsat(externalId: $externalId, rating: $rating, scale: $scale, comment: $comment, submittedAt: $submittedAt) {
    __typename
    ... on RecordCsatPayload {
      conversation { externalId csat { rating scale comment submittedAt } latestScore { overall } }
      errors { code field message }
    }
    ... on ScopeMissingError { requiredScope }
  }
}
"""

SUBMIT_REVIEW = """
mutation Review($externalId: String!, $reviewer: String!, $rating: Rating!, $score: Float, $notes: String) {
  submitQaReview(externalId: $externalId, reviewer: $reviewer, rating: $rating, score: $score, notes: $notes) {
    __typename
    ... on SubmitQaReviewPayload {
      review { reviewer rating score notes }
      conversation { qaReviews { reviewer } latestScore { rating overall } }
      errors { code field message }
    }
    ... on ScopeMissingError { requiredScope }
  }
}
"""


def _row(slug, external_id):
    return call_in_schema(slug, lambda: Conversation.objects.get(external_id=external_id))


def test_record_csat_stores_answer_and_keeps_hash(gql, acme, seed):
    [conversation_id] = seed.ingest(acme.slug, seed.payload("f-1"))
    seed.score(acme.slug, conversation_id, overall=80.0)
    before = _row(acme.slug, "f-1")

    data = gql(acme.keys["ingest"]).execute(
        RECORD_CSAT,
        {"externalId": "f-1", "rating": 2, "scale": 5, "comment": "Slow.", "submittedAt": "2026-03-03T10:00:00+01:00"},
    )["recordCsat"]

    after = _row(acme.slug, "f-1")
    assert data["errors"] == []
    assert data["conversation"]["csat"]["rating"] == 2.0
    assert data["conversation"]["csat"]["comment"] == "Slow."
    assert data["conversation"]["latestScore"] == {"overall": 80.0}
    assert after.csat_rating == 2.0
    assert after.content_hash == before.content_hash


def test_resend_after_late_csat_is_unchanged(gql, acme, seed):
    payload = seed.payload("f-2")
    seed.ingest(acme.slug, payload)
    gql(acme.keys["ingest"]).execute(RECORD_CSAT, {"externalId": "f-2", "rating": 5})

    from conversations.services import ingest_conversations

    [result] = ingest_conversations(acme.slug, [payload])

    assert result.status == "unchanged"


def test_record_csat_rejects_invalid_values(gql, acme, seed):
    seed.ingest(acme.slug, seed.payload("f-3"))
    client = gql(acme.keys["ingest"])

    out_of_scale = client.execute(RECORD_CSAT, {"externalId": "f-3", "rating": 6, "scale": 5})["recordCsat"]
    naive_time = client.execute(
        RECORD_CSAT, {"externalId": "f-3", "rating": 3, "submittedAt": "2026-03-03T10:00:00"}
    )["recordCsat"]
    nul = client.execute(RECORD_CSAT, {"externalId": "f-3", "rating": 3, "comment": "bad\u0000text"})["recordCsat"]
    missing = client.execute(RECORD_CSAT, {"externalId": "nope", "rating": 3})["recordCsat"]

    assert [(e["code"], e["field"]) for e in out_of_scale["errors"]] == [("INVALID", "rating")]
    assert [e["field"] for e in naive_time["errors"]] == ["submittedAt"]
    assert [e["field"] for e in nul["errors"]] == ["comment"]
    assert [e["code"] for e in missing["errors"]] == ["NOT_FOUND"]
    assert _row(acme.slug, "f-3").csat_rating is None


def test_record_csat_needs_ingest_scope(gql, acme, seed):
    seed.ingest(acme.slug, seed.payload("f-4"))

    data = gql(acme.keys["read"]).execute(RECORD_CSAT, {"externalId": "f-4", "rating": 3})["recordCsat"]

    assert data["requiredScope"] == "ingest"


def test_record_csat_cannot_reach_other_workspace(gql, acme, globex, seed):
    seed.ingest(globex.slug, seed.payload("g-csat"))

    data = gql(acme.keys["ingest"]).execute(RECORD_CSAT, {"externalId": "g-csat", "rating": 3})["recordCsat"]

    assert [e["code"] for e in data["errors"]] == ["NOT_FOUND"]
    assert _row(globex.slug, "g-csat").csat_rating is None


def test_qa_review_stands_beside_score(gql, acme, seed):
    [conversation_id] = seed.ingest(acme.slug, seed.payload("f-5"))
    seed.score(acme.slug, conversation_id, overall=80.0, rating="good")

    data = gql(acme.keys["read"]).execute(
        SUBMIT_REVIEW, {"externalId": "f-5", "reviewer": "ana@example.com", "rating": "POOR", "score": 35}
    )["submitQaReview"]

    assert data["errors"] == []
    assert data["review"] == {"reviewer": "ana@example.com", "rating": "POOR", "score": 35.0, "notes": None}
    assert data["conversation"]["latestScore"] == {"rating": "GOOD", "overall": 80.0}
    assert data["conversation"]["qaReviews"] == [{"reviewer": "ana@example.com"}]


def test_qa_review_rejects_invalid_values(gql, acme, seed):
    seed.ingest(acme.slug, seed.payload("f-6"))

    data = gql(acme.keys["read"]).execute(
        SUBMIT_REVIEW, {"externalId": "f-6", "reviewer": " ", "rating": "GOOD", "score": 120}
    )["submitQaReview"]

    assert sorted(e["field"] for e in data["errors"]) == ["reviewer", "score"]
    assert call_in_schema(acme.slug, QaReview.objects.count) == 0


def test_qa_review_needs_read_or_review_scope(gql, acme, seed):
    seed.ingest(acme.slug, seed.payload("f-7"))

    data = gql(acme.keys["ingest"]).execute(
        SUBMIT_REVIEW, {"externalId": "f-7", "reviewer": "ana", "rating": "GOOD"}
    )["submitQaReview"]

    assert data["requiredScope"] == "review"


def test_qa_review_cannot_reach_other_workspace(gql, acme, globex, seed):
    seed.ingest(globex.slug, seed.payload("g-review"))

    data = gql(acme.keys["all"]).execute(
        SUBMIT_REVIEW, {"externalId": "g-review", "reviewer": "ana", "rating": "GOOD"}
    )["submitQaReview"]

    assert [e["code"] for e in data["errors"]] == ["NOT_FOUND"]
    assert call_in_schema(globex.slug, QaReview.objects.count) == 0
