"""Benchmark the `trends` and `conversations` queries on generated data.

Creates a dedicated workspace, fills it with scored conversations using
INSERT ... SELECT generate_series (no Python loop), builds the trends rollup,
then times, in the same run:

- `trends` over 90 daily buckets through the GraphQL schema (in process,
  without HTTP, in one event loop), with and without `groupBy: CHANNEL`, in
  UTC and Europe/Berlin;
- the same trends through the service function alone (`compute_trends`,
  the rollup query without GraphQL);
- the equivalent hand-written SQL GROUP BY on the base tables (conversations
  joined with their latest score);
- one filtered page of `conversations` (50 items).

It prints p50 and p95 in milliseconds and drops the workspace at the end
(also after a failure). Usage, against the database in DATABASE_URL:

    DEBUG=true .venv/bin/python bench/trends_benchmark.py [--conversations 1000000] [--repeats 30]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("DEBUG", "true")

import django  # noqa: E402

django.setup()

from django.db import connection, transaction  # noqa: E402
from django_tenants.utils import schema_context  # noqa: E402
from psycopg import sql  # noqa: E402

from analytics.models import Dimension  # noqa: E402
from analytics.rollup import rebuild_all  # noqa: E402
from analytics.trends import TrendsRequest, compute_trends  # noqa: E402
from api.context import ApiContext  # noqa: E402
from api.schema import schema  # noqa: E402
from tenants.models import Workspace  # noqa: E402
from tenants.services import create_api_key, create_workspace  # noqa: E402

SLUG = "bench_trends"
END = datetime(2026, 12, 1, tzinfo=timezone.utc)
SPAN_DAYS = 365

GENERATE_CONVERSATIONS = """
INSERT INTO conversations_conversation (
    id, external_id, channel, ai_agent, started_at, ended_at, customer_ref, language, tags, metadata,
    outcome_hint, message_count, content_hash, csat_rating, csat_scale, csat_comment, csat_submitted_at,
    scoring_status, scoring_error, scoring_failed_at, latest_score_id, created_at, updated_at
)
SELECT g, 'bench-' || g,
       (ARRAY['chat', 'email', 'messaging', 'voice', 'other'])[1 + g %% 5],
       'agent-' || (g %% 8),
       t, t + make_interval(secs => 60 + (g * 13) %% 900), '', 'en',
       CASE g %% 4 WHEN 0 THEN ARRAY['billing'] WHEN 1 THEN ARRAY['billing', 'vip']
                   WHEN 2 THEN ARRAY['shipping'] ELSE ARRAY[]::varchar[] END,
       '{}'::jsonb, '', 6, md5(g::text),
       CASE WHEN g %% 10 < 3 THEN 1 + (g * 7) %% 5 END, CASE WHEN g %% 10 < 3 THEN 5 END, '', NULL,
       'scored', '', NULL, g, t, t
FROM (
    SELECT g, %(end)s::timestamptz - make_interval(secs => (g * 7919) %% (%(span_days)s * 86400)) AS t
    FROM generate_series(1::bigint, %(count)s::bigint) AS g
) rows
"""

GENERATE_SCORES = """
INSERT INTO scoring_score (
    id, conversation_id, scoring_key, config_version, scorer_version, rules_version, model_version, content_hash,
    overall, rating, resolution, efficiency, sentiment, confidence, outcome, progress_level, sentiment_trend,
    insufficient_data, signals, summary, created_at
)
SELECT g, g, md5('key' || g), 1, 'bench', 'bench', 'bench', md5(g::text),
       overall,
       CASE WHEN overall >= 80 THEN 'excellent' WHEN overall >= 50 THEN 'good' ELSE 'poor' END,
       LEAST(100, overall + 5), GREATEST(0, overall - 5), overall, 0.3 + (g %% 70) / 100.0,
       (ARRAY['resolved', 'resolved', 'handed_off', 'abandoned', 'unresolved'])[1 + (g * 3) %% 5],
       'partially_resolved', 'stable', false, '[]'::jsonb, '', now()
FROM (SELECT g, ((g * 37) %% 1000) / 10.0 AS overall FROM generate_series(1::bigint, %(count)s::bigint) AS g) rows
"""

# The equivalent of trends without the rollup: group conversations joined with their latest score.
BASELINE_SQL = """
SELECT date_trunc('day', c.started_at AT TIME ZONE %(zone)s) AS bucket, {group} AS grp,
       COUNT(*), COUNT(s.id), AVG(s.overall), AVG(s.resolution), AVG(s.efficiency), AVG(s.sentiment),
       COUNT(*) FILTER (WHERE s.rating = 'excellent'), COUNT(*) FILTER (WHERE s.rating = 'good'),
       COUNT(*) FILTER (WHERE s.rating = 'poor'), AVG((s.outcome = 'resolved')::int),
       AVG((s.outcome = 'handed_off')::int), AVG((s.outcome = 'abandoned')::int),
       AVG(EXTRACT(EPOCH FROM c.ended_at - c.started_at)),
       AVG((c.csat_rating - 1) / NULLIF(c.csat_scale - 1, 0)), AVG((c.csat_rating IS NOT NULL)::int)
FROM conversations_conversation c
LEFT JOIN scoring_score s ON s.id = c.latest_score_id
WHERE c.started_at >= %(start)s AND c.started_at < %(end)s
GROUP BY bucket, grp
ORDER BY bucket, grp
"""

TRENDS_QUERY = """
query($range: TimeRangeInput!, $zone: String, $groupBy: TrendGroupBy) {
  trends(range: $range, timeZone: $zone, groupBy: $groupBy) {
    ... on Trends { buckets { start group count meanOverall containmentRate meanCsat ratings { poor } } }
    ... on Error { message }
  }
}
"""

LIST_QUERY = """
query($filter: ConversationFilter) {
  conversations(first: 50, filter: $filter) {
    ... on ConversationConnection {
      edges { cursor node { externalId channel startedAt csat { rating } latestScore { overall rating outcome } } }
      pageInfo { hasNextPage endCursor }
    }
    ... on Error { message }
  }
}
"""


def percentiles(samples_ms: list[float]) -> tuple[float, float]:
    ordered = sorted(samples_ms)
    p95_index = min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))
    return statistics.median(ordered), ordered[p95_index]


def timed(function, repeats: int) -> list[float]:
    function()  # warm caches once; not counted
    samples = []
    for _ in range(repeats):
        started = time.perf_counter()
        function()
        samples.append((time.perf_counter() - started) * 1000)
    return samples


def generate(count: int) -> None:
    params = {"count": count, "end": END, "span_days": SPAN_DAYS}
    with schema_context(SLUG), transaction.atomic(), connection.cursor() as cursor:
        # Both foreign keys between the tables are DEFERRABLE INITIALLY DEFERRED, so the order does not matter.
        cursor.execute(GENERATE_CONVERSATIONS, params)
        cursor.execute(GENERATE_SCORES, params)
        for table in ("conversations_conversation", "scoring_score"):
            cursor.execute(
                sql.SQL("SELECT setval(pg_get_serial_sequence({table}, 'id'), %s)").format(table=sql.Literal(table)),
                [count],
            )
    with schema_context(SLUG), transaction.atomic():
        rebuild_all()
    with schema_context(SLUG), connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def drop_workspace() -> None:
    workspace = Workspace.objects.filter(schema_name=SLUG).first()
    with connection.cursor() as cursor:
        cursor.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(SLUG)))
    if workspace is not None:
        # Workspace.auto_drop_schema is False, so deleting the row (and its keys and domains) drops nothing else.
        Workspace.objects.filter(pk=workspace.pk).delete()


async def _execute(context: ApiContext, query: str, variables: dict) -> dict:
    result = await schema.execute(query, variable_values=variables, context_value=context)
    if result.errors:
        raise RuntimeError(result.errors)
    return result.data


def run_graphql(context: ApiContext, query: str, variables: dict) -> dict:
    """Execute one operation in a fresh event loop and return its data."""
    return asyncio.run(_execute(context, query, variables))


def timed_graphql(context: ApiContext, query: str, variables: dict, repeats: int) -> list[float]:
    """Time `repeats` executions inside one event loop, as a server runs them (after one warm-up run)."""

    async def measure() -> list[float]:
        await _execute(context, query, variables)
        samples = []
        for _ in range(repeats):
            started = time.perf_counter()
            await _execute(context, query, variables)
            samples.append((time.perf_counter() - started) * 1000)
        return samples

    return asyncio.run(measure())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--conversations", type=int, default=1_000_000, help="Scored conversations to generate.")
    parser.add_argument("--repeats", type=int, default=30, help="Timed runs per measurement.")
    args = parser.parse_args()

    connection.set_schema_to_public()
    drop_workspace()
    started = time.perf_counter()
    workspace = create_workspace(SLUG, "Trends benchmark")
    try:
        key = create_api_key(workspace, ["read"], name="bench").api_key
        context = ApiContext(workspace=workspace, api_key=key)
        generate(args.conversations)
        print(f"Generated {args.conversations} scored conversations and the rollup in {time.perf_counter() - started:.1f} s")
        with schema_context(SLUG), connection.cursor() as cursor:
            cursor.execute("SELECT COUNT(*) FROM analytics_hourlyrollup")
            print(f"Rollup rows: {cursor.fetchone()[0]}")

        range_start = END - timedelta(days=90)
        window = {"start": range_start.isoformat(), "end": END.isoformat()}
        rows = []
        for zone in ("UTC", "Europe/Berlin"):
            for group in (None, "CHANNEL"):
                variables = {"range": window, "zone": zone, "groupBy": group}
                data = run_graphql(context, TRENDS_QUERY, variables)
                buckets = data["trends"]["buckets"]
                api_ms = timed_graphql(context, TRENDS_QUERY, variables, args.repeats)

                def baseline(zone=zone, group=group):
                    statement = BASELINE_SQL.format(group="c.channel" if group else "NULL::text")
                    with schema_context(SLUG), connection.cursor() as cursor:
                        cursor.execute(statement, {"zone": zone, "start": range_start, "end": END})
                        return cursor.fetchall()

                request = TrendsRequest(
                    start=range_start, end=END, time_zone=zone, group_by=Dimension.CHANNEL if group else None
                )

                def service(request=request):
                    with schema_context(SLUG):
                        return compute_trends(request)

                service_ms = timed(service, args.repeats)
                baseline_rows = baseline()
                assert len(baseline_rows) == len(buckets), (len(baseline_rows), len(buckets))
                sql_ms = timed(baseline, max(5, args.repeats // 3))
                rows.append(
                    (zone, group or "-", len(buckets), *percentiles(api_ms), *percentiles(service_ms), *percentiles(sql_ms))
                )

        print()
        print("trends, 90 daily buckets (ms)")
        header = ("zone", "group", "buckets", "api p50", "api p95", "rollup p50", "rollup p95", "base p50", "base p95")
        print("{:<14} {:<8} {:>7} {:>8} {:>8} {:>10} {:>10} {:>8} {:>8}".format(*header))
        for zone, group, count, *timings in rows:
            print("{:<14} {:<8} {:>7} ".format(zone, group, count) + "{:>8.1f} {:>8.1f} {:>10.1f} {:>10.1f} {:>8.1f} {:>8.1f}".format(*timings))

        list_filter = {
            "channels": ["CHAT"],
            "ratings": ["POOR"],
            "startedAfter": (END - timedelta(days=30)).isoformat(),
        }
        page = run_graphql(context, LIST_QUERY, {"filter": list_filter})
        assert len(page["conversations"]["edges"]) == 50
        list_ms = timed_graphql(context, LIST_QUERY, {"filter": list_filter}, args.repeats)
        cursor_value = page["conversations"]["pageInfo"]["endCursor"]
        print()
        print("conversations, 50 per page, filter channel=chat, rating=poor, last 30 days (ms)")
        p50, p95 = percentiles(list_ms)
        print(f"first page p50 {p50:.1f}  p95 {p95:.1f}")
        second_page_query = LIST_QUERY.replace("first: 50,", f'first: 50, after: "{cursor_value}",')
        second_ms = timed_graphql(context, second_page_query, {"filter": list_filter}, args.repeats)
        p50, p95 = percentiles(second_ms)
        print(f"second page p50 {p50:.1f}  p95 {p95:.1f}")
    finally:
        connection.set_schema_to_public()
        drop_workspace()
        print(f"\nDropped workspace {SLUG}; total {time.perf_counter() - started:.1f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
