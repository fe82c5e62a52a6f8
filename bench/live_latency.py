"""Live subscription latency: from a score's commit to its arrival at websocket clients.

Starts a uvicorn server on 127.0.0.1 (DEBUG off) and connects N clients over
real websockets on loopback, each with one unfiltered `scoreUpdated`
subscription (graphql-transport-ws). Then it stores scores one at a time in
this process: conversation and score rows plus the `score_stored` event in
one transaction, as the scoring pipeline does. The clock starts just before
COMMIT (so commit time is included) and stops when a client has decoded the
`next` message. The next score is stored once every client has received the
previous one, so the figures are latencies without a backlog.

All clients run on one event loop in this process, so with many clients the
later ones also wait for the earlier ones' decoding; that is part of the
figures.

Prints p50, p95 and max in milliseconds for each client count (target:
p95 <= 100 ms). The bench workspace (`bench_live` by default) is created if
missing; its conversations are deleted at the start and the end, and the API
key made for the run is revoked at the end.

Usage: .venv/bin/python bench/live_latency.py [--clients 1 50] [--scores 200]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import secrets
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
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

import websockets  # noqa: E402
from django.db import connections, transaction  # noqa: E402

from conversations.models import Conversation  # noqa: E402
from scoring import events  # noqa: E402
from scoring.models import Score  # noqa: E402
from tenants.context import call_in_schema  # noqa: E402
from tenants.models import Workspace  # noqa: E402
from tenants.services import create_api_key, create_workspace, revoke_api_key  # noqa: E402

SUBSCRIPTION = "subscription { scoreUpdated { ... on ScoreUpdate { externalId score { id rating } } } }"
EXTERNAL_ID_PREFIX = "bench-live-"
SERVER_START_TIMEOUT_S = 60
RECEIVE_TIMEOUT_S = 10


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_server(port: int) -> subprocess.Popen:
    process = subprocess.Popen(
        [
            sys.executable, "-m", "uvicorn", "config.asgi:application",
            "--host", "127.0.0.1", "--port", str(port), "--lifespan", "off", "--no-access-log", "--log-level", "warning",
        ],
        cwd=ROOT,
        env=dict(os.environ),
    )
    deadline = time.monotonic() + SERVER_START_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"uvicorn exited with code {process.returncode}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=2):
                return process
        except OSError:
            time.sleep(0.2)
    process.terminate()
    raise SystemExit(f"uvicorn did not respond on /health within {SERVER_START_TIMEOUT_S} s")


def delete_bench_rows(schema_name: str) -> None:
    def delete() -> None:
        rows = Conversation.objects.filter(external_id__startswith=EXTERNAL_ID_PREFIX)
        rows.update(latest_score=None)
        rows.delete()

    call_in_schema(schema_name, delete)


def store_score(schema_name: str, external_id: str) -> float:
    """Store a conversation with one score and fire `score_stored`; return perf_counter() just before COMMIT."""

    def store() -> float:
        with transaction.atomic():
            conversation = Conversation.objects.create(
                external_id=external_id, channel="chat", ai_agent="bench", content_hash="0" * 64
            )
            score = Score.objects.create(
                conversation=conversation,
                scoring_key=external_id[:64],
                config_version=1,
                scorer_version="bench",
                rules_version="bench",
                model_version="bench",
                content_hash="0" * 64,
                overall=70.0,
                rating="good",
                confidence=0.8,
                outcome="resolved",
            )
            Conversation.objects.filter(pk=conversation.pk).update(latest_score=score)
            events.score_stored.send(
                sender=Score,
                schema_name=schema_name,
                conversation_id=conversation.pk,
                score_id=score.pk,
                previous_score_id=None,
            )
            started = time.perf_counter()
        return started

    try:
        return call_in_schema(schema_name, store)
    finally:
        connections.close_all()


class Client:
    """One websocket with one `scoreUpdated` subscription, recording when each external id arrived."""

    def __init__(self, url: str, secret: str):
        self.url = url
        self.secret = secret
        self.arrivals: dict[str, float] = {}
        self.arrived = asyncio.Event()
        self.socket = None
        self.reader: asyncio.Task | None = None

    async def open(self) -> None:
        self.socket = await websockets.connect(self.url, subprotocols=["graphql-transport-ws"])
        await self.socket.send(
            json.dumps({"type": "connection_init", "payload": {"Authorization": f"Bearer {self.secret}"}})
        )
        reply = json.loads(await self.socket.recv())
        if reply.get("type") != "connection_ack":
            raise SystemExit(f"The server did not acknowledge the connection: {reply}")
        await self.socket.send(json.dumps({"id": "1", "type": "subscribe", "payload": {"query": SUBSCRIPTION}}))
        self.reader = asyncio.create_task(self.read())

    async def read(self) -> None:
        async for raw in self.socket:
            message = json.loads(raw)
            if message.get("type") == "next":
                external_id = message["payload"]["data"]["scoreUpdated"]["externalId"]
                self.arrivals[external_id] = time.perf_counter()
                self.arrived.set()

    async def close(self) -> None:
        await self.socket.close()
        await self.reader


async def wait_for_all(clients: list[Client], external_id: str) -> None:
    async def one(client: Client) -> None:
        while external_id not in client.arrivals:
            client.arrived.clear()
            await client.arrived.wait()

    await asyncio.wait_for(asyncio.gather(*(one(client) for client in clients)), RECEIVE_TIMEOUT_S)


async def warm_up(clients: list[Client], schema_name: str, run_label: str) -> None:
    """Store probe scores until every client receives one, so every subscription is listening."""
    for attempt in range(100):
        external_id = f"{EXTERNAL_ID_PREFIX}{run_label}-warmup-{attempt}"
        await asyncio.to_thread(store_score, schema_name, external_id)
        try:
            await asyncio.wait_for(wait_for_all(clients, external_id), 0.5)
            return
        except TimeoutError:
            continue
    raise SystemExit("The subscriptions did not start receiving within 100 warm-up scores")


async def measure(url: str, secret: str, schema_name: str, client_count: int, score_count: int) -> list[float]:
    """Return one latency in milliseconds per client and score."""
    clients = [Client(url, secret) for _ in range(client_count)]
    for client in clients:
        await client.open()
    label = f"c{client_count}-{secrets.token_hex(3)}"
    await warm_up(clients, schema_name, label)

    latencies_ms = []
    for number in range(score_count):
        external_id = f"{EXTERNAL_ID_PREFIX}{label}-{number}"
        started = await asyncio.to_thread(store_score, schema_name, external_id)
        await wait_for_all(clients, external_id)
        latencies_ms.extend((client.arrivals[external_id] - started) * 1000 for client in clients)

    for client in clients:
        await client.close()
    return latencies_ms


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, nargs="+", default=[1, 50], help="Client counts to measure, one run each.")
    parser.add_argument("--scores", type=int, default=200, help="Scores stored per run.")
    parser.add_argument("--workspace", default="bench_live", help="Slug of the bench workspace (created if missing).")
    arguments = parser.parse_args()

    workspace = Workspace.objects.filter(schema_name=arguments.workspace).first()
    if workspace is None:
        workspace = create_workspace(arguments.workspace, "Live latency benchmark")
    issued = create_api_key(workspace, ["read"], name="live latency bench")
    delete_bench_rows(workspace.schema_name)

    port = free_port()
    server = start_server(port)
    url = f"ws://127.0.0.1:{port}/graphql"
    try:
        print(f"Live latency, commit to client receipt, {arguments.scores} scores per run, loopback")
        print(f"{'clients':>8} {'samples':>8} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8}")
        for client_count in arguments.clients:
            latencies_ms = asyncio.run(
                measure(url, issued.secret, workspace.schema_name, client_count, arguments.scores)
            )
            print(
                f"{client_count:>8} {len(latencies_ms):>8} {statistics.median(latencies_ms):>8.1f} "
                f"{percentile(latencies_ms, 0.95):>8.1f} {max(latencies_ms):>8.1f}"
            )
    finally:
        server.terminate()
        server.wait(timeout=15)
        delete_bench_rows(workspace.schema_name)
        revoke_api_key(issued.api_key)


if __name__ == "__main__":
    main()
