"""Sending the data and waiting until every sent conversation is scored or failed.

Two sources report progress: `scoreUpdated` events (fast, but delivered at
most once) and a re-read of the conversations' `scoringStatus` through the
read API (slower, but it sees every finished conversation). The re-read runs every few seconds while events flow
and more often when none arrive, so a lost event or a missing subscription
only delays the progress bar.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from tqdm import tqdm

from demo.data import count_conversations, read_batches
from demo.graphql_client import GraphQLClient, GraphQLRequestFailed
from demo.ingest import Rejected, send_batch
from demo.live import ScoreFollower, SubscriptionUnavailable
from demo.read import fetch_statuses

RECONCILE_INTERVAL_LIVE_SECONDS = 15.0
RECONCILE_INTERVAL_POLLING_SECONDS = 3.0
QUIET_SECONDS = 5.0


class ScoringStalled(RuntimeError):
    """No conversation finished scoring for the stall timeout; the message names what is stuck."""


@dataclass
class ScoringTracker:
    """The sent conversations, split by whether they still wait for a score."""

    waiting: set[str] = field(default_factory=set)
    scored: set[str] = field(default_factory=set)
    failed: dict[str, str] = field(default_factory=dict)  # conversation id -> scoring error
    rejected: list[Rejected] = field(default_factory=list)
    external_ids: dict[str, str] = field(default_factory=dict)
    unchanged: int = 0
    # Events can arrive before the ingest call that caused them has returned.
    early_events: set[str] = field(default_factory=set)
    events_received: int = 0

    @property
    def finished(self) -> int:
        return len(self.scored) + len(self.failed) + len(self.rejected)

    @property
    def conversation_ids(self) -> list[str]:
        return list(self.external_ids)

    def register(self, conversation_id: str, external_id: str, status: str) -> None:
        self.external_ids[conversation_id] = external_id
        if status == "unchanged":
            # Nothing changed, so nothing is re-scored: the re-read decides whether it is done.
            self.unchanged += 1
        if conversation_id in self.early_events:
            self.scored.add(conversation_id)
        else:
            self.waiting.add(conversation_id)

    def mark_scored(self, conversation_id: str) -> None:
        self.events_received += 1
        if conversation_id in self.waiting:
            self.waiting.discard(conversation_id)
            self.scored.add(conversation_id)
        elif conversation_id not in self.external_ids:
            self.early_events.add(conversation_id)

    def apply_statuses(self, statuses: dict[str, tuple[str, str | None]]) -> None:
        """Apply re-read `scoringStatus` values: conversation id -> (status, error)."""
        for conversation_id in list(self.waiting):
            status, error = statuses.get(conversation_id, ("pending", None))
            if status == "scored":
                self.waiting.discard(conversation_id)
                self.scored.add(conversation_id)
            elif status == "failed":
                self.waiting.discard(conversation_id)
                self.failed[conversation_id] = error or "no error recorded"


@dataclass
class FollowSettings:
    batch_size: int
    stall_timeout_seconds: float
    check_children: Callable[[], None]
    say: Callable[[str], None]


async def send_and_follow(
    client: GraphQLClient, websocket_url: str, data_file: Path, settings: FollowSettings
) -> ScoringTracker:
    """Subscribe, send every conversation of `data_file`, and wait until all are scored or failed.

    Raises ScoringStalled when nothing finishes for `stall_timeout_seconds`,
    GraphQLRequestFailed when an ingest call fails, and whatever
    `check_children` raises when a child process died.
    """
    tracker = ScoringTracker()
    total = count_conversations(data_file)
    follower = ScoreFollower(websocket_url, client.api_key, tracker.mark_scored)
    follower_task = asyncio.create_task(follower.run())
    live = await _wait_for_subscription(follower, follower_task, settings.say)

    progress = tqdm(total=total, unit="conv", desc="Scoring", dynamic_ncols=True, leave=True)
    last_finished = 0
    last_change = time.monotonic()
    last_reconcile = time.monotonic()
    sending = asyncio.create_task(_send_all(client, data_file, settings.batch_size, tracker))
    try:
        while True:
            await asyncio.sleep(0.25)
            settings.check_children()
            if sending.done():
                sending.result()  # re-raises a failed ingest call
            if live and follower_task.done():
                live = False
                reason = _task_error(follower_task)
                progress.write(f"Live updates stopped ({reason}); following progress by polling instead.")

            # While events flow, re-read rarely; when they stop, re-read often.
            events_flowing = live and time.monotonic() - last_change < QUIET_SECONDS
            interval = RECONCILE_INTERVAL_LIVE_SECONDS if events_flowing else RECONCILE_INTERVAL_POLLING_SECONDS
            sending_done = sending.done()
            if tracker.waiting and time.monotonic() - last_reconcile >= interval:
                statuses = await asyncio.to_thread(fetch_statuses, client, set(tracker.waiting))
                tracker.apply_statuses(statuses)
                last_reconcile = time.monotonic()

            finished = tracker.finished
            if finished != last_finished:
                progress.set_postfix(scored=len(tracker.scored), failed=len(tracker.failed), refresh=False)
                progress.update(finished - last_finished)
                last_finished = finished
                last_change = time.monotonic()
            if sending_done and not tracker.waiting:
                break
            if time.monotonic() - last_change > settings.stall_timeout_seconds:
                raise ScoringStalled(_stall_message(tracker, settings.stall_timeout_seconds, sending_done))
    finally:
        progress.close()
        follower_task.cancel()
        sending.cancel()
        await asyncio.gather(follower_task, sending, return_exceptions=True)
    return tracker


async def _wait_for_subscription(follower: ScoreFollower, task: asyncio.Task, say: Callable[[str], None]) -> bool:
    waiter = asyncio.create_task(follower.subscribed.wait())
    await asyncio.wait({waiter, task}, timeout=15, return_when=asyncio.FIRST_COMPLETED)
    waiter.cancel()
    if follower.subscribed.is_set():
        say("Live: subscribed to scoreUpdated over graphql-transport-ws")
        return True
    reason = _task_error(task) if task.done() else "no acknowledgement within 15 s"
    task.cancel()
    say(f"Live: subscription unavailable ({reason}); following progress by polling the conversations query")
    return False


def _task_error(task: asyncio.Task) -> str:
    if task.cancelled():
        return "cancelled"
    error = task.exception()
    if error is None:
        return "the server ended the subscription"
    if isinstance(error, SubscriptionUnavailable):
        return str(error)
    return f"{type(error).__name__}: {error}"


async def _send_all(client: GraphQLClient, data_file: Path, batch_size: int, tracker: ScoringTracker) -> None:
    batches = read_batches(data_file, batch_size)
    while True:
        batch = await asyncio.to_thread(next, batches, None)
        if batch is None:
            return
        tracker.rejected.extend(Rejected(None, line, reason) for line, reason in batch.invalid)
        if not batch.conversations:
            continue
        outcome = await asyncio.to_thread(send_batch, client, batch.conversations)
        for conversation_id, status in outcome.accepted.items():
            tracker.register(conversation_id, outcome.external_ids[conversation_id], status)
        tracker.rejected.extend(outcome.rejected)


def _stall_message(tracker: ScoringTracker, timeout_seconds: float, sending_done: bool) -> str:
    if not sending_done:
        return f"Sending stalled: no conversation finished for {timeout_seconds:.0f} s while sending."
    examples = sorted(tracker.external_ids.get(cid, cid) for cid in tracker.waiting)[:5]
    return (
        f"Scoring timed out: {len(tracker.waiting)} conversations are still pending after "
        f"{timeout_seconds:.0f} s without progress (for example {', '.join(examples)}). "
        "Check that the worker runs and that the broker delivers jobs; see the worker log."
    )


__all__ = ["FollowSettings", "ScoringStalled", "ScoringTracker", "send_and_follow", "GraphQLRequestFailed"]
