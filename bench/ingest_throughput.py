"""Ingestion throughput: the GraphQL mutation over HTTP against PostgreSQL COPY.

Both sides store the same synthetic conversations (10 messages each by
default) into the same tables of one bench workspace, in batches of 100 with
one transaction per batch:

- graphql: `ingestConversations` posted over real HTTP to a uvicorn server
  that this script starts on 127.0.0.1 (DEBUG off, Dramatiq stub broker, so
  enqueued scoring jobs stay in the server's memory and nothing is scored).
  This covers JSON encoding in the client, HTTP, GraphQL parsing and input
  coercion, validation, hashing and the database upsert.
- copy: the rows written directly with psycopg `cursor.copy`, conversation
  ids taken from the table's sequence first. No validation, no hashing and
  no upsert: the floor for storing these rows.

Then it times the stages of the service in-process (validation with hashing,
and storing already validated conversations) to show where the time goes.

Prints conversations per second for both paths and graphql / copy (target
>= 0.2). The bench workspace (`bench_ingest` by default) is created if
missing and its conversation rows are deleted at the start and the end.

Usage: .venv/bin/python bench/ingest_throughput.py [--conversations 2000] [--batch-size 100] [--messages 10]
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import pstats
import secrets
import socket
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

# The script and the server it starts run with production-like settings.
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("DEBUG", "false")
os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(32))
os.environ.setdefault("LOG_LEVEL", "WARNING")
os.environ["DRAMATIQ_STUB_BROKER"] = "true"

import django  # noqa: E402

django.setup()

import httpx  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from psycopg import sql  # noqa: E402

from conversations.models import Conversation, Message  # noqa: E402
from conversations.services import ingest_conversations  # noqa: E402
from conversations.validation import validate_conversation  # noqa: E402
from tenants.context import call_in_schema  # noqa: E402
from tenants.models import Workspace  # noqa: E402
from tenants.services import create_api_key, create_workspace  # noqa: E402

MUTATION = """
mutation Ingest($input: [ConversationInput!]!) {
  ingestConversations(input: $input) { created updated unchanged failed errors { __typename } }
}
"""

CUSTOMER_LINES = [
    "Hi, my order {n} has not arrived yet and the tracking page shows no update since Monday.",
    "I was charged twice for the same subscription this month, can you check invoice {n}?",
    "The app logs me out every time I switch networks. Is there a fix for this?",
    "Thanks, that worked. Can you also change the delivery address for order {n}?",
    "Great, that is all I needed today.",
]
AI_LINES = [
    "I am sorry about the delay. I can see order {n} left our warehouse and I have asked the carrier for an update.",
    "I found the duplicate charge on invoice {n} and issued a refund; it appears within five working days.",
    "Please update the app to the latest version; the session handling was fixed there.",
    "Done, the delivery address for order {n} is updated. Is there anything else I can help with?",
    "You are welcome. Have a nice day!",
]


def make_conversations(count: int, message_count: int, prefix: str) -> list[dict]:
    """Synthetic conversations in the ingest JSON shape, alternating customer and AI turns."""
    start = datetime(2026, 1, 1, tzinfo=UTC)
    conversations = []
    for n in range(count):
        began = start + timedelta(minutes=n)
        messages = []
        for position in range(message_count):
            lines = CUSTOMER_LINES if position % 2 == 0 else AI_LINES
            messages.append(
                {
                    "role": "customer" if position % 2 == 0 else "ai",
                    "text": lines[(position // 2) % len(lines)].format(n=n),
                    "sentAt": (began + timedelta(seconds=30 * position)).isoformat(),
                }
            )
        conversations.append(
            {
                "externalId": f"{prefix}-{n:07d}",
                "channel": "chat",
                "aiAgent": "benchbot",
                "startedAt": began.isoformat(),
                "endedAt": (began + timedelta(seconds=30 * message_count)).isoformat(),
                "tags": ["bench", f"group-{n % 7}"],
                "metadata": {"source": "bench", "n": n},
                "messages": messages,
                "csat": {"rating": 1 + n % 5},
            }
        )
    return conversations


def to_graphql(item: dict) -> dict:
    """Enum values are upper case in GraphQL."""
    return {
        **item,
        "channel": item["channel"].upper(),
        "messages": [{**message, "role": message["role"].upper()} for message in item["messages"]],
    }


def batches(items: list, size: int):
    for start in range(0, len(items), size):
        yield items[start : start + size]


def delete_rows(schema_name: str) -> None:
    def delete() -> None:
        Message.objects.all().delete()
        Conversation.objects.all().delete()

    call_in_schema(schema_name, delete)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_server(port: int) -> subprocess.Popen:
    server = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "config.asgi:application", "--host", "127.0.0.1", "--port", str(port),
         "--log-level", "warning", "--no-access-log"],
        cwd=ROOT,
        env=os.environ.copy(),
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return server
        except OSError:
            if server.poll() is not None:
                raise RuntimeError(f"uvicorn exited with status {server.returncode} before accepting connections")
            time.sleep(0.2)
    server.terminate()
    raise RuntimeError(f"uvicorn did not accept connections on port {port} within 60 seconds")


def run_graphql(port: int, secret: str, conversations: list[dict], batch_size: int) -> float:
    """Post every batch and return the elapsed seconds."""
    headers = {"Authorization": f"Bearer {secret}"}
    payloads = [[to_graphql(item) for item in batch] for batch in batches(conversations, batch_size)]
    with httpx.Client(base_url=f"http://127.0.0.1:{port}", headers=headers, timeout=120) as client:
        # One warm-up request, so schema building and the first connection are not timed.
        client.post("/graphql", json={"query": "{ workspace { slug } }"}).raise_for_status()
        began = time.perf_counter()
        for payload in payloads:
            response = client.post("/graphql", json={"query": MUTATION, "variables": {"input": payload}})
            response.raise_for_status()
            body = response.json()
            result = body.get("data", {}).get("ingestConversations") if body.get("data") else None
            if result is None or result["created"] != len(payload):
                raise RuntimeError(f"Unexpected response: {str(body)[:500]}")
        return time.perf_counter() - began


def _copy_batch(batch: list[dict]) -> None:
    conversation_table = sql.Identifier(Conversation._meta.db_table)
    message_table = sql.Identifier(Message._meta.db_table)
    with transaction.atomic(), connection.cursor() as django_cursor:
        cursor = django_cursor.cursor
        cursor.execute(
            sql.SQL("SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)"),
            [Conversation._meta.db_table, len(batch)],
        )
        ids = [row[0] for row in cursor.fetchall()]
        columns = (
            "id, external_id, channel, ai_agent, started_at, ended_at, customer_ref, language, tags, metadata, "
            "outcome_hint, message_count, content_hash, csat_rating, csat_scale, csat_comment, csat_submitted_at, "
            "scoring_status, scoring_error, created_at, updated_at"
        )
        now = datetime.now(UTC)
        with cursor.copy(sql.SQL("COPY {} (" + columns + ") FROM STDIN").format(conversation_table)) as copy:
            for conversation_id, item in zip(ids, batch, strict=True):
                copy.write_row(
                    (
                        conversation_id, item["externalId"], item["channel"], item["aiAgent"], item["startedAt"],
                        item["endedAt"], "", "", item["tags"], json.dumps(item["metadata"]), "", len(item["messages"]),
                        "0" * 64, item["csat"]["rating"], 5, "", None, "pending", "", now, now,
                    )
                )
        with cursor.copy(
            sql.SQL("COPY {} (conversation_id, position, role, text, sent_at, external_id) FROM STDIN").format(
                message_table
            )
        ) as copy:
            for conversation_id, item in zip(ids, batch, strict=True):
                for position, message in enumerate(item["messages"]):
                    copy.write_row((conversation_id, position, message["role"], message["text"], message["sentAt"], ""))


def run_copy(schema_name: str, conversations: list[dict], batch_size: int) -> float:
    def copy_all() -> float:
        began = time.perf_counter()
        for batch in batches(conversations, batch_size):
            _copy_batch(batch)
        return time.perf_counter() - began

    return call_in_schema(schema_name, copy_all)


def time_stages(schema_name: str, conversations: list[dict], batch_size: int, profile: bool) -> dict[str, float]:
    """Time validation (with hashing) and storing of validated conversations, in this process."""
    began = time.perf_counter()
    validated = [validate_conversation(item) for item in conversations]
    validation_seconds = time.perf_counter() - began

    profiler = cProfile.Profile() if profile else None
    began = time.perf_counter()
    if profiler:
        profiler.enable()
    for batch in batches(validated, batch_size):
        ingest_conversations(schema_name, batch)
    if profiler:
        profiler.disable()
    store_seconds = time.perf_counter() - began
    if profiler:
        output = io.StringIO()
        pstats.Stats(profiler, stream=output).sort_stats("tottime").print_stats(20)
        print(output.getvalue())
    return {"validation_s": validation_seconds, "store_s": store_seconds}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--conversations", type=int, default=2000, help="Conversations per path and round (default: 2000).")
    parser.add_argument("--batch-size", type=int, default=100, help="Conversations per call and per COPY transaction.")
    parser.add_argument("--messages", type=int, default=10, help="Messages per conversation (default: 10).")
    parser.add_argument(
        "--rounds", type=int, default=3, help="Rounds of both paths, alternating; the best round of each counts."
    )
    parser.add_argument("--workspace", default="bench_ingest", help="Slug of the bench workspace (created if missing).")
    parser.add_argument("--profile", action="store_true", help="Print a cProfile of the in-process store stage.")
    options = parser.parse_args()

    workspace = Workspace.objects.filter(schema_name=options.workspace).first()
    if workspace is None:
        print(f"Creating workspace {options.workspace} (runs the tenant migrations once)...", file=sys.stderr)
        workspace = create_workspace(options.workspace, "Ingest benchmark")
    issued = create_api_key(workspace, ["ingest"], name="ingest bench")
    schema_name = workspace.schema_name
    count, batch_size, message_count = options.conversations, options.batch_size, options.messages

    graphql_seconds: list[float] = []
    copy_seconds: list[float] = []
    delete_rows(schema_name)
    port = free_port()
    server = start_server(port)
    try:
        for round_number in range(options.rounds):
            graphql_seconds.append(
                run_graphql(port, issued.secret, make_conversations(count, message_count, f"gql{round_number}"), batch_size)
            )
            copy_seconds.append(
                run_copy(schema_name, make_conversations(count, message_count, f"copy{round_number}"), batch_size)
            )
            delete_rows(schema_name)
    finally:
        server.terminate()
        server.wait(timeout=30)
        issued.api_key.delete()
        delete_rows(schema_name)
    stages = time_stages(schema_name, make_conversations(count, message_count, "stage"), batch_size, options.profile)
    delete_rows(schema_name)

    graphql_rate = count / min(graphql_seconds)
    copy_rate = count / min(copy_seconds)
    print(f"{count} conversations x {message_count} messages, batches of {batch_size}, best of {options.rounds} rounds")
    print(f"graphql over HTTP : {graphql_rate:8.0f} conversations/s (rounds: {_rates(count, graphql_seconds)})")
    print(f"COPY              : {copy_rate:8.0f} conversations/s (rounds: {_rates(count, copy_seconds)})")
    round_ratios = sorted(copy / graphql for graphql, copy in zip(graphql_seconds, copy_seconds, strict=True))
    print(f"ratio graphql/copy: {graphql_rate / copy_rate:8.3f} of the best rounds (target >= 0.2)")
    # Each round runs both paths back to back, so a per-round ratio is less exposed to load from other processes.
    print(f"per-round ratios  : {', '.join(f'{ratio:.3f}' for ratio in round_ratios)} (median {statistics.median(round_ratios):.3f})")
    print("in-process stages of the service, one round:")
    print(f"  validation + hashing : {stages['validation_s'] * 1e6 / count:7.0f} us per conversation")
    print(f"  store (validated)    : {stages['store_s'] * 1e6 / count:7.0f} us per conversation")
    print(f"  HTTP path, best round: {min(graphql_seconds) * 1e6 / count:7.0f} us per conversation")


def _rates(count: int, seconds: list[float]) -> str:
    return ", ".join(f"{count / elapsed:.0f}" for elapsed in seconds)


if __name__ == "__main__":
    main()
