"""Keep `ConversationFact` and `HourlyRollup` equal to a direct computation.

Call `refresh_conversations` inside the transaction that changed the
conversations (the event receivers do). It locks the conversation rows,
subtracts each old fact from the rollup, recomputes the fact from the
conversation and its latest score, and adds it back.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from django.db import connection

logger = logging.getLogger(__name__)

MEASURES = (
    "conversations",
    "scored",
    "overall_sum",
    "overall_count",
    "resolution_sum",
    "resolution_count",
    "efficiency_sum",
    "efficiency_count",
    "sentiment_sum",
    "sentiment_count",
    "excellent",
    "good",
    "poor",
    "insufficient",
    "resolved",
    "handed_off",
    "abandoned",
    "handle_seconds_sum",
    "handle_count",
    "csat_sum",
    "csat_count",
)

# One conversation's fact, computed from the conversation `c` and its latest score `s`.
FACT_SELECT = """
    SELECT
        c.id AS conversation_id,
        COALESCE(c.started_at, c.created_at) AS occurred_at,
        date_trunc('hour', COALESCE(c.started_at, c.created_at) AT TIME ZONE 'UTC') AT TIME ZONE 'UTC' AS hour,
        c.channel,
        c.ai_agent,
        COALESCE(s.outcome, '') AS outcome,
        COALESCE(s.rating, '') AS rating,
        c.tags,
        s.overall,
        csat.value AS csat,
        1 AS conversations,
        (s.id IS NOT NULL)::int AS scored,
        COALESCE(s.overall, 0) AS overall_sum,
        (s.overall IS NOT NULL)::int AS overall_count,
        COALESCE(s.resolution, 0) AS resolution_sum,
        (s.resolution IS NOT NULL)::int AS resolution_count,
        COALESCE(s.efficiency, 0) AS efficiency_sum,
        (s.efficiency IS NOT NULL)::int AS efficiency_count,
        COALESCE(s.sentiment, 0) AS sentiment_sum,
        (s.sentiment IS NOT NULL)::int AS sentiment_count,
        (s.rating IS NOT DISTINCT FROM 'excellent')::int AS excellent,
        (s.rating IS NOT DISTINCT FROM 'good')::int AS good,
        (s.rating IS NOT DISTINCT FROM 'poor')::int AS poor,
        COALESCE(s.insufficient_data, false)::int AS insufficient,
        (s.outcome IS NOT DISTINCT FROM 'resolved')::int AS resolved,
        (s.outcome IS NOT DISTINCT FROM 'handed_off')::int AS handed_off,
        (s.outcome IS NOT DISTINCT FROM 'abandoned')::int AS abandoned,
        COALESCE(handle.seconds, 0) AS handle_seconds_sum,
        (handle.seconds IS NOT NULL)::int AS handle_count,
        COALESCE(csat.value, 0) AS csat_sum,
        (csat.value IS NOT NULL)::int AS csat_count
    FROM conversations_conversation c
    LEFT JOIN scoring_score s ON s.id = c.latest_score_id
    CROSS JOIN LATERAL (
        SELECT CASE WHEN c.ended_at >= c.started_at
                    THEN EXTRACT(EPOCH FROM c.ended_at - c.started_at)::float8 END AS seconds
    ) handle
    CROSS JOIN LATERAL (
        SELECT CASE WHEN c.csat_rating IS NOT NULL AND c.csat_scale > 1
                    THEN (c.csat_rating - 1) / (c.csat_scale - 1) END AS value
    ) csat
"""

FACT_COLUMNS = (
    "conversation_id",
    "occurred_at",
    "hour",
    "channel",
    "ai_agent",
    "outcome",
    "rating",
    "tags",
    "overall",
    "csat",
) + MEASURES


def _rollup_upsert(source: str, sign: str) -> str:
    """SQL that adds (sign '+') or subtracts (sign '-') the facts in CTE `source` to the rollup."""
    sums = ", ".join(f"{sign}SUM({m})" for m in MEASURES)
    updates = ", ".join(f"{m} = analytics_hourlyrollup.{m} + EXCLUDED.{m}" for m in MEASURES)
    measures = ", ".join(MEASURES)
    # The ORDER BY makes concurrent transactions lock rollup rows in the same order, so they queue instead of deadlocking.
    return f"""
        INSERT INTO analytics_hourlyrollup (hour, dimension, value, {measures})
        SELECT hour, dimension, value, {sums}
        FROM (
            SELECT f.*, dim.dimension, dim.value
            FROM {source} f
            CROSS JOIN LATERAL (VALUES
                ('all', ''), ('channel', f.channel), ('ai_agent', f.ai_agent),
                ('outcome', f.outcome), ('rating', f.rating)
            ) AS dim(dimension, value)
            UNION ALL
            SELECT f.*, 'tag', tag.value
            FROM {source} f
            CROSS JOIN LATERAL (SELECT DISTINCT unnest(f.tags) AS value) tag
        ) expanded
        GROUP BY dimension, hour, value
        ORDER BY dimension, hour, value
        ON CONFLICT (dimension, hour, value) DO UPDATE SET {updates}
    """


def refresh_conversations(conversation_ids: Sequence[int]) -> None:
    """Recompute the facts of these conversations and move the rollup by the difference.

    Runs in the current schema and transaction; call it inside the transaction that changed the rows.
    """
    # NOTE: every change to conversations of one hour updates that hour's `all` row, so concurrent
    # writers in a workspace wait for each other's commit there. Scoring transactions are short.
    ids = sorted({int(i) for i in conversation_ids})
    if not ids:
        return
    columns = ", ".join(FACT_COLUMNS)
    with connection.cursor() as cursor:
        # Serialise refreshes of the same conversation: a second transaction waits here until the first
        # commits, then reads the fact the first one wrote. NO KEY UPDATE does not block score inserts.
        cursor.execute(
            "SELECT id FROM conversations_conversation WHERE id = ANY(%s) ORDER BY id FOR NO KEY UPDATE",
            [ids],
        )
        cursor.execute(
            f"""
            WITH old AS (
                DELETE FROM analytics_conversationfact WHERE conversation_id = ANY(%s) RETURNING *
            )
            {_rollup_upsert("old", "-")}
            """,
            [ids],
        )
        cursor.execute(
            f"""
            WITH new AS (
                INSERT INTO analytics_conversationfact ({columns})
                SELECT {columns} FROM ({FACT_SELECT} WHERE c.id = ANY(%s)) computed
                RETURNING *
            )
            {_rollup_upsert("new", "+")}
            """,
            [ids],
        )


def rebuild_all() -> None:
    """Recompute every fact and rollup row of the current schema from the base tables.

    For backfills and bulk loads. It takes an exclusive lock on both tables for the rest of the transaction.
    """
    columns = ", ".join(FACT_COLUMNS)
    with connection.cursor() as cursor:
        cursor.execute("LOCK TABLE analytics_conversationfact, analytics_hourlyrollup IN EXCLUSIVE MODE")
        cursor.execute("DELETE FROM analytics_hourlyrollup")
        cursor.execute("DELETE FROM analytics_conversationfact")
        cursor.execute(
            f"INSERT INTO analytics_conversationfact ({columns}) SELECT {columns} FROM ({FACT_SELECT}) computed"
        )
        cursor.execute(_rollup_upsert("analytics_conversationfact", "+"))
    logger.info("Rebuilt the trends rollup in schema %s", connection.schema_name)
