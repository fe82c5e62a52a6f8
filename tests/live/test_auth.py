"""API key authentication of the websocket endpoint."""

from __future__ import annotations

import asyncio
import json

import pytest
import websockets

from tenants.services import create_api_key, revoke_api_key
from tests.live.support import LiveClient, call_in_thread

pytestmark = pytest.mark.usefixtures("committed_rows")

WORKSPACE_SUBSCRIPTION = "subscription { scoreUpdated { __typename } }"


async def rejection(url: str, payload: dict, headers: dict | None = None) -> tuple[int, str]:
    """Connect, send `connection_init` and return the close code and reason that the server sent."""
    client = LiveClient(url)
    with pytest.raises(websockets.ConnectionClosed) as closed:
        await client.connect(None, headers=headers, payload=payload)
    return closed.value.rcvd.code, closed.value.rcvd.reason


@pytest.mark.parametrize(
    ("payload", "reason_word"),
    [
        ({}, "No API key"),
        ({"Authorization": ""}, "No API key"),
        ({"Authorization": "Basic dXNlcjpwYXNz"}, "malformed"),
        ({"Authorization": "Bearer not-a-key"}, "malformed"),
        ({"Authorization": "Bearer aixs_" + "A" * 43}, "not known"),
        ({"authorization": 42}, "malformed"),
    ],
)
async def test_invalid_key_closes_with_4403(uvicorn_server, payload, reason_word):
    code, reason = await rejection(uvicorn_server, payload)

    assert code == 4403
    assert reason_word in reason


async def test_revoked_key_closes_with_4403(uvicorn_server, acme):
    issued = call_in_thread(create_api_key, acme.workspace, ["read"], name="live revoked")
    call_in_thread(revoke_api_key, issued.api_key)

    code, reason = await rejection(uvicorn_server, {"Authorization": f"Bearer {issued.secret}"})

    assert code == 4403
    assert "revoked" in reason


async def test_key_in_handshake_header(uvicorn_server, open_clients, acme):
    client = open_clients(uvicorn_server)

    reply = await client.connect(None, headers={"Authorization": f"Bearer {acme.keys['read']}"}, payload={})

    assert reply["type"] == "connection_ack"


async def test_payload_key_wins_over_header(uvicorn_server, acme):
    code, reason = await rejection(
        uvicorn_server,
        {"Authorization": "Bearer aixs_" + "B" * 43},
        headers={"Authorization": f"Bearer {acme.keys['read']}"},
    )

    assert code == 4403
    assert "not known" in reason


async def test_subscribe_before_init_is_unauthorized(uvicorn_server):
    async with websockets.connect(uvicorn_server, subprotocols=["graphql-transport-ws"]) as socket:
        await socket.send(
            json.dumps({"id": "1", "type": "subscribe", "payload": {"query": WORKSPACE_SUBSCRIPTION}})
        )
        with pytest.raises(websockets.ConnectionClosed) as closed:
            await asyncio.wait_for(socket.recv(), 10)

    assert closed.value.rcvd.code == 4401


async def test_graphql_ws_rejection_sends_connection_error(uvicorn_server):
    async with websockets.connect(uvicorn_server, subprotocols=["graphql-ws"]) as socket:
        await socket.send(json.dumps({"type": "connection_init", "payload": {"Authorization": "Bearer nope"}}))
        error = json.loads(await asyncio.wait_for(socket.recv(), 10))
        with pytest.raises(websockets.ConnectionClosed) as closed:
            await asyncio.wait_for(socket.recv(), 10)

    assert error == {
        "type": "connection_error",
        "payload": {"code": "api_key_malformed", "message": error["payload"]["message"]},
    }
    assert "malformed" in error["payload"]["message"]
    assert closed.value.rcvd.code == 4403
