"""The `workspace` query: who the caller is."""

from __future__ import annotations

import strawberry
from strawberry.types import Info


@strawberry.type(description="The workspace the API key belongs to.")
class WorkspaceInfo:
    slug: str = strawberry.field(description="The workspace's slug, also its PostgreSQL schema name.")
    name: str = strawberry.field(description="The workspace's display name.")
    scopes: list[str] = strawberry.field(description="The scopes of the API key used for this request.")


@strawberry.type
class WorkspaceQuery:
    @strawberry.field(description="The caller's workspace and the scopes of its API key. Needs no scope.")
    def workspace(self, info: Info) -> WorkspaceInfo:
        context = info.context
        return WorkspaceInfo(
            slug=context.workspace.schema_name,
            name=context.workspace.name,
            scopes=sorted(context.api_key.scopes),
        )


queries = [WorkspaceQuery]
mutations: list[type] = []
subscriptions: list[type] = []
