"""Following scores live through the `scoreUpdated` subscription (graphql-transport-ws).

Live delivery is at most once: an event sent while the websocket is down is
lost. The demo therefore also re-reads the status of the conversations it is
waiting for (see `demo.progress`), and this module only speeds that up.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable

import websockets

logger = logging.getLogger(__name__)

PROTOCOL = "graphql-transport-ws"
ACK_TIMEOUT_SECONDS = 10
RECONNECT_DELAY_SECONDS = 2

SCORE_UPDATED_SUBSCRIPTION = """
subscription DemoScores {
  scoreUpdated {
    __typename
    ... on ScoreUpdate { conversationId externalId score { rating overall } }
    ... on Error { message }
  }
}
"""


class SubscriptionUnavailable(RuntimeError):
    """The server did not accept the subscription; the message gives the reason."""


class ScoreFollower:
    """Keeps one `scoreUpdated` subscription open and calls `on_score(conversation_id)` per event."""

    def __init__(self, websocket_url: str, api_key: str, on_score: Callable[[str], None]):
        self.websocket_url = websocket_url
        self.api_key = api_key
        self.on_score = on_score
        self.subscribed = asyncio.Event()
        self.connected = False
        self.reconnects = 0

    async def subscribe_once(self) -> websockets.ClientConnection:
        """Open the websocket, authenticate and subscribe; return the open connection.

        Raises SubscriptionUnavailable when the server rejects any step.
        """
        try:
            connection = await websockets.connect(
                self.websocket_url, subprotocols=[PROTOCOL], open_timeout=ACK_TIMEOUT_SECONDS, max_size=None
            )
        except (OSError, websockets.InvalidHandshake, TimeoutError) as error:
            raise SubscriptionUnavailable(f"websocket connection to {self.websocket_url} failed: {error}") from None
        try:
            await connection.send(
                json.dumps({"type": "connection_init", "payload": {"Authorization": f"Bearer {self.api_key}"}})
            )
            reply = json.loads(await asyncio.wait_for(connection.recv(), ACK_TIMEOUT_SECONDS))
            if reply.get("type") != "connection_ack":
                raise SubscriptionUnavailable(f"the server did not acknowledge the connection: {reply}")
            await connection.send(
                json.dumps({"id": "scores", "type": "subscribe", "payload": {"query": SCORE_UPDATED_SUBSCRIPTION}})
            )
        except (websockets.ConnectionClosed, TimeoutError) as error:
            await connection.close()
            raise SubscriptionUnavailable(f"the server closed the subscription: {_close_reason(error)}") from None
        except SubscriptionUnavailable:
            await connection.close()
            raise
        return connection

    async def run(self) -> None:
        """Receive events until cancelled, reconnecting after a dropped connection.

        The first failure to subscribe raises SubscriptionUnavailable; later
        drops (a server restart) only reconnect.
        """
        first = True
        while True:
            try:
                connection = await self.subscribe_once()
            except SubscriptionUnavailable:
                if first:
                    raise
                await asyncio.sleep(RECONNECT_DELAY_SECONDS)
                continue
            first = False
            self.connected = True
            self.subscribed.set()
            try:
                await self._receive(connection)
            except websockets.ConnectionClosed:
                logger.info("Subscription connection closed; reconnecting")
            finally:
                self.connected = False
                await connection.close()
            self.reconnects += 1
            await asyncio.sleep(RECONNECT_DELAY_SECONDS)

    async def _receive(self, connection) -> None:
        async for raw in connection:
            message = json.loads(raw)
            kind = message.get("type")
            if kind == "ping":
                await connection.send(json.dumps({"type": "pong"}))
            elif kind == "next":
                payload = message.get("payload") or {}
                if payload.get("errors"):
                    raise SubscriptionUnavailable(f"subscription error: {payload['errors'][0].get('message')}")
                event = (payload.get("data") or {}).get("scoreUpdated") or {}
                if event.get("__typename") != "ScoreUpdate":
                    raise SubscriptionUnavailable(f"subscription rejected: {event.get('message')}")
                self.on_score(str(event["conversationId"]))
            elif kind == "error":
                errors = message.get("payload") or [{}]
                raise SubscriptionUnavailable(f"subscription rejected: {errors[0].get('message')}")
            elif kind == "complete":
                return


def _close_reason(error: BaseException) -> str:
    if isinstance(error, websockets.ConnectionClosed) and error.rcvd is not None:
        return f"code {error.rcvd.code} {error.rcvd.reason}".strip()
    return str(error) or type(error).__name__
