"""Helpers of the live subscription tests and benchmark: a graphql-transport-ws client and committed scores.

`store_score` and `store_rescore_progress` do what the scoring pipeline does
when it stores a result: write the rows and fire the scoring event inside one
transaction, so the NOTIFY leaves only at commit.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import socket
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import websockets
from django.db import connections, transaction

from scoring import events
from tenants.context import call_in_schema

PROBE_PREFIX = "probe-"
_probe_numbers = itertools.count(1)

SCORE_FIELDS = "externalId channel aiAgent rescored previousScoreId score { id conversationId rating overall createdAt }"
SCORE_UPDATED = (
    "subscription ($filter: ScoreUpdatedFilter) { scoreUpdated(filter: $filter) { __typename "
    f"... on ScoreUpdate {{ {SCORE_FIELDS} }} "
    "... on Error { message } ... on SubscriptionArgumentError { field } "
    "... on ScopeMissingError { requiredScope } } }"
)
RESCORE_PROGRESS = (
    "subscription ($runId: ID!) { rescoreProgress(runId: $runId) { __typename "
    "... on RescoreRun { runId: id status total done failed pending } "
    "... on Error { message } } }"
)


@dataclass(frozen=True)
class StoredScore:
    conversation_id: int
    score_id: int
    external_id: str


def store_score(
    schema_name: str,
    external_id: str,
    rating: str = "good",
    channel: str = "chat",
    ai_agent: str = "helper-bot",
) -> StoredScore:
    """Create the conversation if needed, add a score, move `latest_score`, fire `score_stored`; commit."""

    def store() -> StoredScore:
        from conversations.models import Conversation, ScoringStatus
        from scoring.models import Score

        with transaction.atomic():
            conversation, _ = Conversation.objects.get_or_create(
                external_id=external_id,
                defaults={"channel": channel, "ai_agent": ai_agent, "content_hash": "0" * 64},
            )
            previous_score_id = conversation.latest_score_id
            score = Score.objects.create(
                conversation=conversation,
                scoring_key=f"test-{Score.objects.count() + 1}-{external_id}"[:64],
                config_version=1,
                scorer_version="test",
                rules_version="test",
                model_version="test",
                content_hash="0" * 64,
                overall={"excellent": 90.0, "good": 70.0, "poor": 20.0}.get(rating, 50.0),
                rating=rating,
                confidence=0.8,
                outcome="resolved",
                summary="Stored by the live subscription tests.",
            )
            conversation.latest_score = score
            conversation.scoring_status = ScoringStatus.SCORED
            conversation.save(update_fields=["latest_score", "scoring_status", "updated_at"])
            events.score_stored.send(
                sender=None,
                schema_name=schema_name,
                conversation_id=conversation.pk,
                score_id=score.pk,
                previous_score_id=previous_score_id,
            )
        return StoredScore(conversation.pk, score.pk, external_id)

    return call_in_schema(schema_name, store)


def create_rescore_run(schema_name: str, total: int) -> int:
    def create() -> int:
        from scoring.models import RescoreRun

        return RescoreRun.objects.create(config_version=1, total=total).pk

    return call_in_schema(schema_name, create)


def store_rescore_progress(schema_name: str, run_id: int, done: int, failed: int = 0, finished: bool = False) -> None:
    """Update a run's counts and fire `rescore_progress` in one transaction."""

    def update() -> None:
        from django.utils import timezone

        from scoring.models import RescoreRun

        with transaction.atomic():
            run = RescoreRun.objects.select_for_update().get(pk=run_id)
            run.done, run.failed = done, failed
            if finished:
                run.status, run.finished_at = RescoreRun.Status.DONE, timezone.now()
            run.save()
            events.rescore_progress.send(sender=None, schema_name=schema_name, run_id=run_id)

    call_in_schema(schema_name, update)


def delete_test_rows(schema_name: str, external_id_prefixes: tuple[str, ...]) -> None:
    """Remove conversations (and, by cascade, scores) with these external id prefixes, and all rescoring runs.

    Then rebuilds the trends rollup, which the scoring events moved and the
    cascade does not move back, so later tests see a consistent workspace.
    """

    def delete() -> None:
        from django.db.models import Q

        from analytics.rollup import rebuild_all
        from conversations.models import Conversation
        from scoring.models import RescoreRun

        condition = Q()
        for prefix in external_id_prefixes:
            condition |= Q(external_id__startswith=prefix)
        with transaction.atomic():
            Conversation.objects.filter(condition).update(latest_score=None)
            Conversation.objects.filter(condition).delete()
            RescoreRun.objects.all().delete()
            rebuild_all()

    call_in_schema(schema_name, delete)


def _call_and_release(function, *args, **kwargs):
    try:
        return function(*args, **kwargs)
    finally:
        connections.close_all()


async def in_thread(function, *args, **kwargs):
    """Run blocking database code in a worker thread, which commits on its own connection."""
    return await asyncio.to_thread(_call_and_release, function, *args, **kwargs)


def call_in_thread(function, *args, **kwargs):
    """Synchronous form of `in_thread`, for sync tests whose own connection is inside a test transaction."""
    with ThreadPoolExecutor(max_workers=1) as executor:
        return executor.submit(_call_and_release, function, *args, **kwargs).result()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def probe_external_id() -> str:
    return f"{PROBE_PREFIX}{next(_probe_numbers)}"


class LiveClient:
    """A graphql-transport-ws client over a real websocket, with messages sorted by operation id."""

    def __init__(self, url: str):
        self.url = url
        self.socket = None
        self._inboxes: dict[str, asyncio.Queue] = {}
        self._reader: asyncio.Task | None = None

    async def connect(self, secret: str | None, headers: dict | None = None, payload: dict | None = None) -> dict:
        """Open the socket and send `connection_init`; return the server's first reply (ack) or raise ConnectionClosed."""
        self.socket = await websockets.connect(
            self.url, subprotocols=["graphql-transport-ws"], additional_headers=headers or {}
        )
        if payload is None:
            payload = {"Authorization": f"Bearer {secret}"} if secret is not None else {}
        await self.socket.send(json.dumps({"type": "connection_init", "payload": payload}))
        reply = json.loads(await asyncio.wait_for(self.socket.recv(), 10))
        self._reader = asyncio.create_task(self._read())
        return reply

    async def _read(self) -> None:
        try:
            async for raw in self.socket:
                message = json.loads(raw)
                self.inbox(message.get("id", "")).put_nowait(message)
        except websockets.ConnectionClosed:
            pass

    def inbox(self, operation_id: str) -> asyncio.Queue:
        return self._inboxes.setdefault(operation_id, asyncio.Queue())

    async def subscribe(self, operation_id: str, query: str, variables: dict | None = None) -> None:
        message = {"id": operation_id, "type": "subscribe", "payload": {"query": query, "variables": variables or {}}}
        await self.socket.send(json.dumps(message))

    async def complete(self, operation_id: str) -> None:
        await self.socket.send(json.dumps({"id": operation_id, "type": "complete"}))

    async def receive(self, operation_id: str, timeout_s: float = 10.0) -> dict:
        """Return the next message of an operation; raise TimeoutError when none arrives in time."""
        return await asyncio.wait_for(self.inbox(operation_id).get(), timeout_s)

    async def next_data(self, operation_id: str, timeout_s: float = 10.0) -> dict:
        """Return the next `next` payload's subscription field, asserting it is a `next` message."""
        message = await self.receive(operation_id, timeout_s)
        assert message["type"] == "next", message
        return next(iter(message["payload"]["data"].values()))

    async def next_update(self, operation_id: str, timeout_s: float = 10.0) -> dict:
        """Return the next score update that is not a warm-up probe."""
        while True:
            data = await self.next_data(operation_id, timeout_s)
            if not data.get("externalId", "").startswith(PROBE_PREFIX):
                return data

    async def wait_until_live(self, operation_id: str, fire_probe, deadline_s: float = 20.0) -> None:
        """Fire probe scores until one of them arrives on the operation, so the server is known to be listening.

        `fire_probe()` runs in a thread. It stores a score that passes the
        operation's filter, with an external id that starts with PROBE_PREFIX,
        and returns its StoredScore. Probes fired before this call do not count.
        """
        loop = asyncio.get_running_loop()
        end = loop.time() + deadline_s
        fired: set[str] = set()
        while loop.time() < end:
            fired.add((await in_thread(fire_probe)).external_id)
            try:
                data = await self.next_data(operation_id, timeout_s=0.5)
            except TimeoutError:
                continue
            if data.get("externalId") in fired:
                return
        raise AssertionError(f"No probe score reached subscription {operation_id} within {deadline_s} s")

    async def drain(self, operation_id: str) -> list[dict]:
        """Return the messages already received for an operation, without waiting."""
        inbox = self.inbox(operation_id)
        messages = []
        while not inbox.empty():
            messages.append(inbox.get_nowait())
        return messages

    async def close(self) -> None:
        if self.socket is not None:
            await self.socket.close()
        if self._reader is not None:
            await self._reader

    def abort(self) -> None:
        """Drop the TCP connection without a close frame, as a crashed client would."""
        self.socket.transport.abort()
