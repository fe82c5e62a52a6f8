"""Websocket routing for GraphQL subscriptions."""

from __future__ import annotations

from channels.routing import URLRouter
from django.urls import re_path

from api.schema import schema
from api.subscriptions_consumer import WorkspaceGraphQLWSConsumer

websocket_application = URLRouter(
    [re_path(r"^graphql/?$", WorkspaceGraphQLWSConsumer.as_asgi(schema=schema))],
)
