"""Rescoring runs: score chosen conversations again under the current configuration and model.

Old scores stay stored with their versions; a rescore adds new Score rows and
moves each conversation's latest score. Functions here run in the schema the
connection is on.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from django.db import connection, transaction
from django.db.models import F, Q, QuerySet
from django.db.models.functions import Coalesce
from django.utils import timezone
from psycopg import sql

from conversations.models import Conversation, ScoringStatus
from scoring import events
from scoring.models import RescoreItem, RescoreRun

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class RescoreSelection:
    """The conversations a run covers.

    `since` is inclusive and `until` exclusive, compared with the
    conversation's start time or, when that is unknown, the time it was
    received. With `include_all` False only outdated conversations are chosen
    (see `outdated_filter`).
    """

    since: datetime | None = None
    until: datetime | None = None
    include_all: bool = False

    def as_filters(self) -> dict:
        return {
            "since": self.since.isoformat() if self.since else None,
            "until": self.until.isoformat() if self.until else None,
            "all": self.include_all,
        }


def outdated_filter(config_version: int, model_version: str) -> Q:
    """Match conversations whose latest score does not reflect the current state.

    That is: never scored, failed, scored under another configuration
    version, scorer version or sentiment model, or scored on content that
    has changed since.
    """
    from scoring.engine import SCORER_VERSION

    return (
        Q(latest_score__isnull=True)
        | Q(scoring_status=ScoringStatus.FAILED)
        | ~Q(latest_score__config_version=config_version)
        | ~Q(latest_score__scorer_version=SCORER_VERSION)
        | ~Q(latest_score__model_version=model_version)
        | ~Q(latest_score__content_hash=F("content_hash"))
    )


def select_conversations(selection: RescoreSelection, config_version: int, model_version: str | None) -> QuerySet:
    queryset = Conversation.objects.annotate(time=Coalesce("started_at", "created_at"))
    if selection.since is not None:
        queryset = queryset.filter(time__gte=selection.since)
    if selection.until is not None:
        queryset = queryset.filter(time__lt=selection.until)
    if not selection.include_all:
        queryset = queryset.filter(outdated_filter(config_version, model_version or ""))
    return queryset.order_by("id")


def start_rescore(selection: RescoreSelection) -> RescoreRun:
    """Create a run for the selected conversations and enqueue their scoring after commit.

    Without `include_all` the sentiment model is loaded in this process to
    learn its version, which takes a few seconds the first time.
    """
    from scoring.services.configs import current_config
    from scoring.services.scoring import current_model_version
    from scoring.tasks import enqueue_scoring

    config_version, _ = current_config()
    model_version = None if selection.include_all else current_model_version()
    schema_name = connection.schema_name

    with transaction.atomic():
        ids = list(select_conversations(selection, config_version, model_version).values_list("id", flat=True))
        now = timezone.now()
        run = RescoreRun.objects.create(
            config_version=config_version,
            filters=selection.as_filters(),
            total=len(ids),
            status=RescoreRun.Status.RUNNING if ids else RescoreRun.Status.DONE,
            finished_at=None if ids else now,
        )
        events.rescore_progress.send(sender=RescoreRun, schema_name=schema_name, run_id=run.id)
        if ids:
            transaction.on_commit(lambda: enqueue_scoring(schema_name, ids, run_id=run.id))

    logger.info("Rescore run %d in %s: %d conversations, filters %s", run.id, schema_name, len(ids), run.filters)
    return run


def get_rescore_run(run_id: int) -> RescoreRun | None:
    return RescoreRun.objects.filter(id=run_id).first()


def record_rescore_outcome(run_id: int, conversation_id: int, outcome: str) -> bool:
    """Count one conversation's outcome in a run, once; return False when it was already counted.

    Call it inside the transaction that stored the outcome. It sends
    `rescore_progress` and marks the run done when every conversation is counted.
    """
    table = sql.Identifier(RescoreItem._meta.db_table)
    statement = sql.SQL(
        "INSERT INTO {} (run_id, conversation_id, outcome) VALUES (%s, %s, %s) "
        "ON CONFLICT (run_id, conversation_id) DO NOTHING RETURNING id"
    ).format(table)
    with connection.cursor() as cursor:
        cursor.execute(statement, [run_id, conversation_id, outcome])
        inserted = cursor.fetchone() is not None
    if not inserted:
        return False

    counter = "done" if outcome == RescoreItem.Outcome.DONE else "failed"
    RescoreRun.objects.filter(id=run_id).update(**{counter: F(counter) + 1})
    RescoreRun.objects.filter(id=run_id, status=RescoreRun.Status.RUNNING, total__lte=F("done") + F("failed")).update(
        status=RescoreRun.Status.DONE, finished_at=timezone.now()
    )
    events.rescore_progress.send(sender=RescoreRun, schema_name=connection.schema_name, run_id=run_id)
    return True
