"""Rescoring runs: choosing conversations, keeping score history and counting progress."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from django.core.management import call_command

from conversations.models import Conversation
from scoring import services
from scoring.models import RescoreRun, Score
from scoring.services import RescoreSelection
from scoring.tasks import enqueue_scoring
from tests.pipeline.conftest import conversation, in_schema


def _scored(schema: str, ingest, stub_worker, count: int = 3) -> list[int]:
    ids = ingest([conversation() for _ in range(count)])
    stub_worker.join()
    return ids


def _run(schema: str, run_id: int) -> RescoreRun:
    return in_schema(schema, services.get_rescore_run, run_id)


def _scores(schema: str, conversation_id: int) -> list[Score]:
    return in_schema(schema, lambda: list(Score.objects.filter(conversation_id=conversation_id).order_by("id")))


def test_rescore_after_config_change_keeps_history(committed, ingest, stub_worker, events):
    ids = _scored(committed, ingest, stub_worker)
    in_schema(committed, services.update_config, {"weights": {"sentiment": 0.9}})

    run = in_schema(committed, services.start_rescore, RescoreSelection())
    stub_worker.join()

    assert run.total == 3
    assert run.config_version == 1
    finished = _run(committed, run.id)
    assert (finished.status, finished.done, finished.failed, finished.pending) == ("done", 3, 0, 0)
    assert finished.finished_at is not None
    for conversation_id in ids:
        old, new = _scores(committed, conversation_id)
        assert (old.config_version, new.config_version) == (0, 1)
        latest = in_schema(committed, lambda: Conversation.objects.get(id=conversation_id).latest_score_id)
        assert latest == new.id
    assert {event["run_id"] for event in events.progress} == {run.id}
    moved = [event for event in events.scores if event["previous_score_id"] is not None]
    assert len(moved) == 3


def test_rescore_skips_up_to_date_conversations(committed, ingest, stub_worker):
    _scored(committed, ingest, stub_worker)

    run = in_schema(committed, services.start_rescore, RescoreSelection())

    assert run.total == 0
    assert run.status == "done"


def test_rescore_all_counts_every_conversation(committed, ingest, stub_worker):
    ids = _scored(committed, ingest, stub_worker)

    run = in_schema(committed, services.start_rescore, RescoreSelection(include_all=True))
    stub_worker.join()

    finished = _run(committed, run.id)
    assert (finished.status, finished.done, finished.pending) == ("done", 3, 0)
    for conversation_id in ids:
        assert len(_scores(committed, conversation_id)) == 1, "same versions give the same score"


def test_rescore_counts_redelivery_once(committed, ingest, stub_worker):
    ids = _scored(committed, ingest, stub_worker)
    run = in_schema(committed, services.start_rescore, RescoreSelection(include_all=True))

    enqueue_scoring(committed, ids, run_id=run.id)
    stub_worker.join()

    finished = _run(committed, run.id)
    assert (finished.total, finished.done, finished.failed) == (3, 3, 0)


def test_rescore_period_filter(committed, ingest, stub_worker):
    early, late = ingest(
        [conversation(startedAt="2026-01-10T10:00:00Z", endedAt=None), conversation(startedAt="2026-02-10T10:00:00Z", endedAt=None)]
    )
    stub_worker.join()

    selection = RescoreSelection(
        since=datetime(2026, 2, 1, tzinfo=UTC), until=datetime(2026, 3, 1, tzinfo=UTC), include_all=True
    )
    run = in_schema(committed, services.start_rescore, selection)
    stub_worker.join()

    assert run.total == 1
    assert run.filters == {"since": "2026-02-01T00:00:00+00:00", "until": "2026-03-01T00:00:00+00:00", "all": True}
    items = in_schema(committed, lambda: list(run.items.values_list("conversation_id", flat=True)))
    assert items == [late]


def test_rescore_records_failures(committed, ingest, stub_worker, settings):
    _scored(committed, ingest, stub_worker, count=2)
    settings.SENTIMENT_MODEL = "/nonexistent/sentiment-model.pt"

    run = in_schema(committed, services.start_rescore, RescoreSelection(include_all=True))
    stub_worker.join()

    finished = _run(committed, run.id)
    assert (finished.status, finished.done, finished.failed) == ("done", 0, 2)


RESCORE = """
mutation Rescore($all: Boolean!, $since: DateTime, $until: DateTime) {
  rescore(all: $all, since: $since, until: $until) {
    run { id status total done failed pending configVersion all since until }
    errors { __typename ... on Error { message } }
  }
}
"""

RESCORE_RUN = """
query Run($id: ID!) {
  rescoreRun(id: $id) {
    __typename
    ... on RescoreRun { id status total done failed pending finishedAt }
    ... on Error { message }
  }
}
"""


def test_rescore_mutation_reports_progress(committed, committed_gql, ingest, stub_worker):
    _scored(committed, ingest, stub_worker)
    client = committed_gql("all")

    payload = client.execute(RESCORE, {"all": True})["rescore"]
    stub_worker.join()
    run = client.execute(RESCORE_RUN, {"id": payload["run"]["id"]})["rescoreRun"]

    assert payload["errors"] == []
    assert payload["run"]["total"] == 3
    assert payload["run"]["all"] is True
    assert run["__typename"] == "RescoreRun"
    assert (run["status"], run["done"], run["pending"]) == ("DONE", 3, 0)
    assert run["finishedAt"] is not None


def test_rescore_mutation_rejects_empty_period(committed, committed_gql):
    payload = committed_gql("all").execute(
        RESCORE, {"all": True, "since": "2026-03-01T00:00:00Z", "until": "2026-02-01T00:00:00Z"}
    )["rescore"]

    assert payload["run"] is None
    assert payload["errors"][0]["__typename"] == "InvalidPeriodError"
    assert in_schema(committed, RescoreRun.objects.count) == 0


def test_rescore_mutation_needs_config_scope(committed, committed_gql):
    payload = committed_gql("read").execute(RESCORE, {"all": True})["rescore"]

    assert payload["errors"][0]["__typename"] == "ScopeMissingError"
    assert in_schema(committed, RescoreRun.objects.count) == 0


def test_rescore_run_of_other_workspace_not_found(committed, committed_gql, gql, acme):
    other = gql(acme.keys["read"]).execute(RESCORE_RUN, {"id": "1"})["rescoreRun"]

    assert other["__typename"] == "NotFoundError"


def test_rescore_command_waits_for_run(committed, ingest, stub_worker, capsys):
    _scored(committed, ingest, stub_worker)

    call_command("rescore", committed, "--all", "--poll-seconds", "0.2")

    output = capsys.readouterr().out
    assert "3 conversations under configuration v0" in output
    assert "done: 3 scored, 0 failed" in output


def test_rescore_command_no_wait(committed, ingest, stub_worker, capsys):
    _scored(committed, ingest, stub_worker)

    call_command("rescore", committed, "--all", "--no-wait", "--since", "2026-03-01", "--until", "2026-03-01")
    stub_worker.join()

    output = capsys.readouterr().out
    assert "3 conversations" in output
    [run] = in_schema(committed, lambda: list(RescoreRun.objects.all()))
    assert run.filters["until"] == "2026-03-02T00:00:00+00:00"
    assert run.done == 3


@pytest.mark.parametrize(
    ("since", "until", "field"),
    [
        ("2026-11-01T00:00:00", "2026-12-01T00:00:00Z", "since"),
        ("2026-11-01T00:00:00Z", "2026-12-01T00:00:00", "until"),
    ],
)
def test_rescore_mutation_rejects_time_without_offset(committed, committed_gql, since, until, field):
    payload = committed_gql("all").execute(RESCORE, {"all": True, "since": since, "until": until})["rescore"]

    assert payload["run"] is None
    assert payload["errors"][0]["__typename"] == "InvalidPeriodError"
    assert "no UTC offset" in payload["errors"][0]["message"]
    assert in_schema(committed, RescoreRun.objects.count) == 0
