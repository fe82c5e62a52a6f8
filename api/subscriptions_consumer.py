"""The websocket consumer for GraphQL subscriptions, authenticated by API key."""

from __future__ import annotations

from strawberry.channels import GraphQLWSConsumer


class WorkspaceGraphQLWSConsumer(GraphQLWSConsumer):
    """Placeholder until subscriptions land: authentication happens in `connection_init`."""
