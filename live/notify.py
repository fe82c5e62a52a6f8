"""The sending side of live updates: PostgreSQL NOTIFY from inside the sender's transaction.

Receivers of the scoring events run `SELECT pg_notify(channel, payload)` on
the sender's own database connection, inside the transaction that stored the
change. PostgreSQL delivers the notification only when that transaction
commits, and never when it rolls back, so a listener never hears of a score
that a reader could not see yet.

Each workspace has one channel (`channel_name`). Payloads hold ids only,
because PostgreSQL limits a NOTIFY payload to 8,000 bytes and because the
listener reloads rows inside the workspace's schema anyway.
"""

from __future__ import annotations

import json
import logging

from django.db import connection

logger = logging.getLogger(__name__)

CHANNEL_PREFIX = "aixs_"

KIND_SCORE_STORED = "score_stored"
KIND_RESCORE_PROGRESS = "rescore_progress"


def channel_name(schema_name: str) -> str:
    """Return the NOTIFY channel of a workspace: `aixs_<schema name>`.

    Workspace slugs have at most 50 characters, so the name stays below
    PostgreSQL's 63-byte identifier limit and is never truncated.
    """
    if not schema_name or schema_name == "public":
        raise ValueError("Live updates belong to a workspace; the public schema has no channel.")
    return CHANNEL_PREFIX + schema_name


def notify(schema_name: str, payload: dict) -> None:
    """Queue a notification on the workspace's channel; PostgreSQL sends it at commit."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_notify(%s, %s)", [channel_name(schema_name), json.dumps(payload)])


def on_score_stored(sender, schema_name: str, conversation_id: int, score_id: int, previous_score_id=None, **kwargs):
    """Receiver of `scoring.events.score_stored`."""
    notify(
        schema_name,
        {
            "kind": KIND_SCORE_STORED,
            "conversation_id": conversation_id,
            "score_id": score_id,
            "previous_score_id": previous_score_id,
        },
    )


def on_rescore_progress(sender, schema_name: str, run_id: int, **kwargs):
    """Receiver of `scoring.events.rescore_progress`."""
    notify(schema_name, {"kind": KIND_RESCORE_PROGRESS, "run_id": run_id})
