"""`scoreUpdated` over a real websocket to a uvicorn process."""

from __future__ import annotations

import asyncio
import pytest
import websockets

from tests.live.support import PROBE_PREFIX, SCORE_UPDATED, in_thread, probe_external_id, store_score

pytestmark = pytest.mark.usefixtures("committed_rows")


async def subscribe_live(client, operation_id, schema_name, variables=None, probe=None):
    """Subscribe and wait until the server delivers; `probe` stores a score that passes the filter."""
    await client.subscribe(operation_id, SCORE_UPDATED, variables)
    fire = probe or (lambda: store_score(schema_name, probe_external_id()))
    await client.wait_until_live(operation_id, fire)


async def store(schema_name, external_id, **fields):
    return await in_thread(store_score, schema_name, external_id, **fields)


async def test_new_score_reaches_subscriber(uvicorn_server, open_clients, acme):
    client = open_clients(uvicorn_server)
    assert (await client.connect(acme.keys["read"]))["type"] == "connection_ack"
    await subscribe_live(client, "s1", "acme")

    stored = await store("acme", "live-new-1", rating="excellent", channel="email", ai_agent="nova")
    update = await client.next_update("s1")

    assert update["externalId"] == "live-new-1"
    assert update["channel"] == "EMAIL"
    assert update["aiAgent"] == "nova"
    assert update["rescored"] is False
    assert update["previousScoreId"] is None
    assert update["score"]["id"] == str(stored.score_id)
    assert update["score"]["conversationId"] == str(stored.conversation_id)
    assert update["score"]["rating"] == "EXCELLENT"
    assert update["score"]["overall"] == 90.0


async def test_rescore_names_previous_score(uvicorn_server, open_clients, acme):
    client = open_clients(uvicorn_server)
    await client.connect(acme.keys["read"])
    await subscribe_live(client, "s1", "acme")

    first = await store("acme", "live-rescored-1", rating="poor")
    await client.next_update("s1")
    second = await store("acme", "live-rescored-1", rating="good")
    update = await client.next_update("s1")

    assert update["rescored"] is True
    assert update["previousScoreId"] == str(first.score_id)
    assert update["score"]["id"] == str(second.score_id)


async def test_filter_by_external_ids(uvicorn_server, open_clients, acme):
    client = open_clients(uvicorn_server)
    await client.connect(acme.keys["read"])
    wanted = ["live-wanted-1", "live-wanted-2", "probe-wanted"]
    await subscribe_live(
        client,
        "s1",
        "acme",
        {"filter": {"externalIds": wanted}},
        probe=lambda: store_score("acme", "probe-wanted"),
    )

    for external_id in ["live-other-1", "live-wanted-1", "live-other-2", "live-wanted-2"]:
        await store("acme", external_id)

    received = [(await client.next_update("s1"))["externalId"] for _ in range(2)]
    assert received == ["live-wanted-1", "live-wanted-2"]


async def test_filter_by_rating_channel_and_agent(uvicorn_server, open_clients, acme):
    client = open_clients(uvicorn_server)
    await client.connect(acme.keys["read"])
    variables = {"filter": {"ratings": ["POOR"], "channels": ["VOICE", "EMAIL"], "aiAgents": ["nova"]}}
    await subscribe_live(
        client,
        "s1",
        "acme",
        variables,
        probe=lambda: store_score("acme", probe_external_id(), rating="poor", channel="voice", ai_agent="nova"),
    )

    await store("acme", "live-f-good", rating="good", channel="voice", ai_agent="nova")
    await store("acme", "live-f-chat", rating="poor", channel="chat", ai_agent="nova")
    await store("acme", "live-f-agent", rating="poor", channel="email", ai_agent="atlas")
    await store("acme", "live-f-match", rating="poor", channel="email", ai_agent="nova")

    update = await client.next_update("s1")
    assert update["externalId"] == "live-f-match"


async def test_filter_rejects_empty_list(uvicorn_server, open_clients, acme):
    client = open_clients(uvicorn_server)
    await client.connect(acme.keys["read"])

    await client.subscribe("s1", SCORE_UPDATED, {"filter": {"externalIds": []}})
    data = await client.next_data("s1")
    end = await client.receive("s1")

    assert data["__typename"] == "SubscriptionArgumentError"
    assert data["field"] == "filter.externalIds"
    assert end["type"] == "complete"


async def test_key_without_read_scope_gets_typed_error(uvicorn_server, open_clients, acme):
    client = open_clients(uvicorn_server)
    await client.connect(acme.keys["ingest"])

    await client.subscribe("s1", SCORE_UPDATED)
    data = await client.next_data("s1")
    end = await client.receive("s1")

    assert data["__typename"] == "ScopeMissingError"
    assert data["requiredScope"] == "read"
    assert end["type"] == "complete"


async def test_complete_leaves_other_subscriptions_running(uvicorn_server, open_clients, acme):
    client = open_clients(uvicorn_server)
    await client.connect(acme.keys["read"])
    await subscribe_live(client, "ended", "acme")
    await subscribe_live(client, "kept", "acme")
    await client.drain("ended")

    await client.complete("ended")
    await store("acme", "live-after-complete-1")
    await store("acme", "live-after-complete-2")

    assert (await client.next_update("kept"))["externalId"] == "live-after-complete-1"
    assert (await client.next_update("kept"))["externalId"] == "live-after-complete-2"
    ended_updates = [
        message["payload"]["data"]["scoreUpdated"]["externalId"]
        for message in await client.drain("ended")
        if message["type"] == "next"
    ]
    assert [external_id for external_id in ended_updates if not external_id.startswith(PROBE_PREFIX)] == []


async def test_graphql_ws_protocol_delivers(uvicorn_server, acme):
    """Older clients speak graphql-ws: `start`/`data` instead of `subscribe`/`next`."""
    async with websockets.connect(uvicorn_server, subprotocols=["graphql-ws"]) as socket:
        await socket.send('{"type": "connection_init", "payload": {"Authorization": "Bearer %s"}}' % acme.keys["read"])
        assert '"connection_ack"' in await asyncio.wait_for(socket.recv(), 10)
        await socket.send(
            '{"type": "start", "id": "1", "payload": {"query": "subscription { scoreUpdated { __typename '
            '... on ScoreUpdate { externalId } } }"}}'
        )

        received = None
        for _ in range(40):
            await store("acme", probe_external_id())
            try:
                received = await asyncio.wait_for(socket.recv(), 0.5)
                break
            except TimeoutError:
                continue

    assert received is not None
    assert '"type":"data"' in received.replace(" ", "")
    assert '"externalId":"probe-' in received.replace(" ", "")
