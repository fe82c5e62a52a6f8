"""Subscriptions of two workspaces on one server receive only their own workspace's scores.

Score ids are per schema, so both workspaces have a score 1, 2, 3...: a load
in the wrong schema would return the other workspace's conversation, and its
external id would show up in the wrong subscriber's stream.
"""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.live.support import PROBE_PREFIX, SCORE_UPDATED, call_in_thread, in_thread, store_score

pytestmark = pytest.mark.usefixtures("committed_rows")

SCORES_PER_WORKSPACE = 40
COLLECT_DEADLINE_S = 30.0


def store_many(schema_name: str, external_ids: list[str]) -> None:
    for external_id in external_ids:
        call_in_thread(store_score, schema_name, external_id)


async def collect(client, operation_id: str, expected_count: int) -> list[str]:
    """Gather external ids (probes excluded) until `expected_count` arrived or the deadline passed."""
    received: list[str] = []
    loop = asyncio.get_running_loop()
    end = loop.time() + COLLECT_DEADLINE_S
    while len(received) < expected_count and loop.time() < end:
        try:
            data = await client.next_data(operation_id, timeout_s=max(end - loop.time(), 0.01))
        except TimeoutError:
            break
        if not data["externalId"].startswith(PROBE_PREFIX):
            received.append(data["externalId"])
    # Anything extra that is already queued would be a duplicate or a foreign event.
    for message in await client.drain(operation_id):
        external_id = message["payload"]["data"]["scoreUpdated"]["externalId"]
        if not external_id.startswith(PROBE_PREFIX):
            received.append(external_id)
    return received


async def test_each_subscriber_gets_exactly_its_workspace(uvicorn_server, open_clients, acme, globex):
    expected = {
        slug: [f"live-{slug}-{number}" for number in range(SCORES_PER_WORKSPACE)] for slug in ("acme", "globex")
    }
    subscribers = []
    for fixture in (acme, globex):
        for number in range(2):
            client = open_clients(uvicorn_server)
            await client.connect(fixture.keys["read"])
            await client.subscribe("s", SCORE_UPDATED)
            await client.wait_until_live(
                "s", lambda slug=fixture.slug: store_score(slug, f"{PROBE_PREFIX}{slug}-{number}")
            )
            subscribers.append((fixture.slug, client))

    # Both workspaces store concurrently, in interleaved transactions from several threads.
    with ThreadPoolExecutor(max_workers=4) as executor:
        halves = [
            executor.submit(store_many, slug, ids[part::2]) for slug, ids in expected.items() for part in range(2)
        ]
        await asyncio.gather(*(asyncio.wrap_future(future) for future in halves))

    for slug, client in subscribers:
        received = await collect(client, "s", SCORES_PER_WORKSPACE)
        other = "globex" if slug == "acme" else "acme"
        assert [external_id for external_id in received if external_id.startswith(f"live-{other}-")] == [], slug
        assert sorted(received) == sorted(expected[slug]), slug


async def test_key_decides_workspace_not_header_host(uvicorn_server, open_clients, acme, globex):
    client = open_clients(uvicorn_server)
    await client.connect(globex.keys["read"], headers={"Host": "acme.localhost"})
    await client.subscribe("s", SCORE_UPDATED)
    await client.wait_until_live("s", lambda: store_score("globex", f"{PROBE_PREFIX}host"))

    await in_thread(store_score, "acme", "live-acme-host-1")
    await in_thread(store_score, "globex", "live-globex-host-1")

    assert (await client.next_update("s"))["externalId"] == "live-globex-host-1"
