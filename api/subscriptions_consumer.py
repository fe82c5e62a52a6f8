"""The websocket consumer for GraphQL subscriptions, authenticated by API key.

Clients speak graphql-transport-ws (or the older graphql-ws) and send the
key in the `connection_init` payload as `{"Authorization": "Bearer <key>"}`,
or in the handshake's `Authorization` header. The payload wins when both are
present. An invalid key (missing, malformed, unknown, revoked) closes the
socket with code 4403 and a reason that names the problem. graphql-ws clients
first get a `connection_error` message with the same text.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping

from asgiref.sync import sync_to_async
from strawberry.channels import GraphQLWSConsumer
from strawberry.channels.handlers.ws_handler import ChannelsWebSocketAdapter
from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import BaseGraphQLTransportWSHandler
from strawberry.subscriptions.protocols.graphql_ws.handlers import BaseGraphQLWSHandler

from api.context import ApiContext
from tenants.services import KeyRejected, authenticate_key, extract_bearer

logger = logging.getLogger(__name__)

CLOSE_FORBIDDEN = 4403
MAX_CLOSE_REASON_BYTES = 123  # RFC 6455: a close frame's reason fits in 123 bytes


class SingleCloseWebSocketAdapter(ChannelsWebSocketAdapter):
    """Sends at most one close frame: ASGI servers raise on a second `websocket.close`."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.closed = False

    async def close(self, code: int, reason: str) -> None:
        if self.closed:
            return
        self.closed = True
        encoded = reason.encode()[:MAX_CLOSE_REASON_BYTES]
        await super().close(code=code, reason=encoded.decode(errors="ignore"))


class ApiKeyTransportWSHandler(BaseGraphQLTransportWSHandler):
    """graphql-transport-ws, with the API key checked before `connection_ack`."""

    async def handle_connection_init(self, message) -> None:
        payload = message.get("payload", {})
        first_valid_init = (
            isinstance(payload, dict) and not self.connection_init_received and not self.connection_timed_out
        )
        if first_valid_init:
            rejection = await self.view.authenticate(self.context, payload)
            if rejection is not None:
                self.connection_init_received = True
                if self.connection_init_timeout_task:
                    self.connection_init_timeout_task.cancel()
                await self.websocket.close(code=CLOSE_FORBIDDEN, reason=str(rejection))
                return
        # Payload shape, repeated inits and the acknowledgement are the base class's work.
        await super().handle_connection_init(message)


class ApiKeyLegacyWSHandler(BaseGraphQLWSHandler):
    """graphql-ws (the older protocol), with the API key checked before `connection_ack`."""

    async def handle_connection_init(self, message) -> None:
        payload = message.get("payload")
        if payload is None or isinstance(payload, dict):
            rejection = await self.view.authenticate(self.context, payload or {})
            if rejection is not None:
                await self.send_message(
                    {
                        "type": "connection_error",
                        "payload": {"code": f"api_key_{rejection.problem}", "message": str(rejection)},
                    }
                )
                await self.websocket.close(code=CLOSE_FORBIDDEN, reason=str(rejection))
                return
        await super().handle_connection_init(message)


class WorkspaceGraphQLWSConsumer(GraphQLWSConsumer):
    """GraphQL subscriptions whose context carries the workspace of the API key."""

    websocket_adapter_class = SingleCloseWebSocketAdapter
    graphql_transport_ws_handler_class = ApiKeyTransportWSHandler
    graphql_ws_handler_class = ApiKeyLegacyWSHandler

    async def get_context(self, request, response) -> ApiContext:
        # Filled in by `authenticate` at `connection_init`; both protocol
        # handlers close the socket on any operation sent before that.
        return ApiContext(workspace=None, api_key=None, request=request, response=response)  # type: ignore[arg-type]

    async def authenticate(self, context: ApiContext, connection_params: Mapping[str, object]) -> KeyRejected | None:
        """Resolve the API key into `context`; return the rejection instead when the key is invalid."""
        header = _authorization_param(connection_params)
        if header is None:
            header = self.get_websocket_headers(self).get("authorization")
        try:
            secret = extract_bearer(header)
            api_key = await sync_to_async(authenticate_key, thread_sensitive=True)(secret)
        except KeyRejected as rejection:
            logger.info("Websocket connection rejected: API key %s", rejection.problem)
            return rejection
        context.workspace = api_key.workspace
        context.api_key = api_key
        return None


def _authorization_param(connection_params: Mapping[str, object]) -> str | None:
    """Return the `Authorization` entry of a `connection_init` payload, matched case-insensitively."""
    for name, value in connection_params.items():
        if name.lower() == "authorization":
            return value if isinstance(value, str) else str(value)
    return None
