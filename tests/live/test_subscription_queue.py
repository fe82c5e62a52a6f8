"""A subscription's bounded queue: a lagging client loses its oldest events, never the newest."""

from __future__ import annotations

from live.events import RescoreProgressed, parse_event
from live.listener import Subscription


def run_event(run_id: int) -> RescoreProgressed:
    return RescoreProgressed("acme", run_id=run_id)


async def test_full_queue_drops_oldest():
    subscription = Subscription("acme", frozenset({"rescore_progress"}), queue_size=3)

    for run_id in range(1, 6):
        subscription.offer(run_event(run_id))

    assert subscription.dropped == 2
    assert [event.run_id for event in subscription.pending()] == [3, 4, 5]


async def test_pending_empties_the_queue():
    subscription = Subscription("acme", frozenset({"rescore_progress"}), queue_size=3)
    subscription.offer(run_event(1))

    assert [event.run_id for event in subscription.pending()] == [1]
    assert subscription.pending() == []


def test_parse_event_kinds():
    score = parse_event("acme", {"kind": "score_stored", "conversation_id": 4, "score_id": 9, "previous_score_id": 2})
    run = parse_event("acme", {"kind": "rescore_progress", "run_id": "7"})

    assert (score.kind, score.conversation_id, score.score_id, score.previous_score_id) == ("score_stored", 4, 9, 2)
    assert (run.kind, run.run_id) == ("rescore_progress", 7)
    assert parse_event("acme", {"kind": "something_newer"}) is None
