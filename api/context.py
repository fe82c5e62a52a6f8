"""Per-operation context: the caller's workspace and API key."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from tenants.models import ApiKey, Workspace


@dataclass
class ApiContext:
    """The caller of an operation, as passed to every resolver.

    `workspace` is always set for an executed operation: the HTTP middleware
    and the websocket consumer reject requests without a valid key before
    any resolver runs.
    """

    workspace: Workspace
    api_key: ApiKey
    request: Any = None
    response: Any = None
    extras: dict[str, Any] = field(default_factory=dict)

    @property
    def schema_name(self) -> str:
        return self.workspace.schema_name
