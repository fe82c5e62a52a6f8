"""Dramatiq actors for scoring.

Actors take a workspace's schema name and ids only, enter the workspace with
`call_in_schema` and call `scoring.services`. Delivery is at least once and
the services are idempotent, so a repeated message stores nothing new.

Start a worker with `python manage.py run_worker`, or with the Dramatiq CLI:
`DJANGO_SETTINGS_MODULE=config.settings dramatiq scoring.worker scoring.tasks`.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence

import dramatiq
from dramatiq.middleware import TimeLimitExceeded

from scoring.broker import setup_broker

setup_broker()

from scoring import services  # noqa: E402  (the broker must exist before actors are declared)
from tenants.context import call_in_schema  # noqa: E402

logger = logging.getLogger(__name__)

QUEUE_NAME = "scoring"
# Conversations per message: one sentiment model call covers all of them.
BATCH_SIZE = 50
MAX_RETRIES = 5


def should_retry(retries_so_far: int, error: BaseException) -> bool:
    """Retry transient errors (lost connection, deadlock, time limit) up to MAX_RETRIES times.

    Any other error escaping an actor is a bug that would fail again, so the
    message fails at once and `scoring_retries_exhausted` marks its conversations failed.
    """
    transient = isinstance(error, (*services.TRANSIENT_ERRORS, TimeLimitExceeded))
    return transient and retries_so_far < MAX_RETRIES


@dramatiq.actor(
    queue_name=QUEUE_NAME,
    retry_when=should_retry,
    max_retries=MAX_RETRIES,
    on_retry_exhausted="scoring_retries_exhausted",
)
def score_conversations(schema_name: str, conversation_ids: list[int], run_id: int | None = None) -> None:
    """Score these conversations of one workspace and store the results."""
    started = time.perf_counter()
    outcome = call_in_schema(schema_name, services.score_batch, conversation_ids, run_id=run_id)
    logger.info(
        "Scoring job in %s: %d scored, %d unchanged, %d failed, %d missing, run %s, %d ms",
        schema_name,
        len(outcome.scored),
        len(outcome.unchanged),
        len(outcome.failed),
        len(outcome.missing),
        run_id,
        (time.perf_counter() - started) * 1000,
    )


@dramatiq.actor(queue_name=QUEUE_NAME, max_retries=MAX_RETRIES)
def scoring_retries_exhausted(message_data: dict, retry_info: dict) -> None:
    """Mark the conversations of a scoring message failed once it will not be retried again."""
    schema_name, conversation_ids, *rest = message_data["args"]
    run_id = message_data.get("kwargs", {}).get("run_id", rest[0] if rest else None)
    traceback_text = message_data.get("options", {}).get("traceback") or ""
    lines = [line for line in traceback_text.strip().splitlines() if line.strip()]
    last_error = lines[-1] if lines else "unknown error"
    reason = f"Scoring failed after {retry_info.get('retries', 0) + 1} attempts: {last_error}"
    logger.error("Scoring job in %s gave up on %d conversations: %s", schema_name, len(conversation_ids), reason)
    call_in_schema(schema_name, services.mark_batch_failed, conversation_ids, reason, run_id)


def enqueue_scoring(schema_name: str, conversation_ids: Sequence[int], run_id: int | None = None) -> None:
    """Enqueue scoring of these conversations, BATCH_SIZE per message.

    Call it from `transaction.on_commit`, because a worker must not receive
    ids of rows it cannot see yet.
    """
    ids = list(dict.fromkeys(conversation_ids))
    for start in range(0, len(ids), BATCH_SIZE):
        chunk = ids[start : start + BATCH_SIZE]
        if run_id is None:
            score_conversations.send(schema_name, chunk)
        else:
            score_conversations.send(schema_name, chunk, run_id=run_id)
