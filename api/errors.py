"""Typed errors returned in payloads. The top-level `errors` list is for bugs only."""

from __future__ import annotations

import strawberry


@strawberry.interface(description="An expected failure, returned in the payload instead of the top-level errors list.")
class Error:
    message: str = strawberry.field(description="What failed, on which value, and what to do next.")


@strawberry.type(description="The API key lacks the scope this operation needs.")
class ScopeMissingError(Error):
    required_scope: str = strawberry.field(description="The scope the key needs, for example `read`.")


@strawberry.type(description="No object with this id exists in the caller's workspace.")
class NotFoundError(Error):
    id: str | None = strawberry.field(default=None, description="The id or external id that was looked up.")


def scope_missing(*scopes: str) -> ScopeMissingError:
    """Build the error for a key that has none of `scopes`; any one of them would do."""
    named = " or ".join(f"'{scope}'" for scope in scopes)
    return ScopeMissingError(
        message=f"This operation needs an API key with the {named} scope. Create a key with that scope.",
        required_scope=scopes[0],
    )
