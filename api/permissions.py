"""Scope checks for resolvers."""

from __future__ import annotations

from strawberry.types import Info

from api.errors import ScopeMissingError, scope_missing


def missing_scope(info: Info, *scopes: str) -> ScopeMissingError | None:
    """Return a typed error when the caller's key has none of `scopes`, else None."""
    api_key = info.context.api_key
    if any(api_key.has_scope(scope) for scope in scopes):
        return None
    return scope_missing(*scopes)
