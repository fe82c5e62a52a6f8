"""The GraphQL schema, merged from one module per area of the API."""

from __future__ import annotations

import logging
from functools import partial
from types import ModuleType

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from strawberry import Schema
from strawberry.extensions import (
    AddValidationRules,
    MaxAliasesLimiter,
    MaxTokensLimiter,
    QueryDepthLimiter,
)
from strawberry.tools import merge_types
from graphql.validation import NoSchemaIntrospectionCustomRule

from api import workspace
from api.limits import QueryCostLimiter

client_logger = logging.getLogger("api.client_errors")

DEFAULT_MAX_COST = 100_000

AREAS = [workspace]


def _area_modules() -> list:
    """Import the optional API areas that exist in this build."""
    modules = list(AREAS)
    for name in ("api.ingest", "api.config", "api.read", "api.live"):
        try:
            modules.append(__import__(name, fromlist=["queries"]))
        except ModuleNotFoundError as error:
            if error.name != name:
                raise
    return modules


_resolved_area_types: dict[tuple[str, str], list] = {}


def _area_types(module, attribute: str) -> list:
    """Return the area's list of types, resolved once per process.

    Resolving once matters for areas that build the list lazily in a module `__getattr__`:
    importing the submodule of the same name there replaces the package attribute, so a
    second lookup (a second build_schema() call, as in tests) would find the submodule.
    """
    cache_key = (module.__name__, attribute)
    if cache_key not in _resolved_area_types:
        value = getattr(module, attribute, [])
        if isinstance(value, ModuleType):
            raise ImproperlyConfigured(
                f"{module.__name__}.{attribute} is the submodule {value.__name__}, not a list of types. "
                f"Rename that submodule so it does not shadow the `{attribute}` list."
            )
        _resolved_area_types[cache_key] = list(value)
    return _resolved_area_types[cache_key]


def _merge(name: str, attribute: str):
    types = tuple(t for module in _area_modules() for t in _area_types(module, attribute))
    return merge_types(name, types) if types else None


class WorkspaceSchema(Schema):
    """The schema, logging client mistakes apart from server bugs.

    A GraphQL error without an original exception is the client's (a syntax
    error, a wrong argument type, a limit): one warning line. An error raised
    by a resolver is a bug: logged with its traceback, as strawberry does.
    """

    def process_errors(self, errors, execution_context=None) -> None:
        bugs = []
        for error in errors:
            if error.original_error is None:
                client_logger.warning("Rejected GraphQL operation: %s", error.message)
            else:
                bugs.append(error)
        if bugs:
            super().process_errors(bugs, execution_context)


def build_schema() -> Schema:
    extensions = [
        QueryDepthLimiter(max_depth=settings.GRAPHQL_MAX_DEPTH),
        MaxAliasesLimiter(max_alias_count=settings.GRAPHQL_MAX_ALIASES),
        MaxTokensLimiter(max_token_count=settings.GRAPHQL_MAX_TOKENS),
        # A factory, not an instance: strawberry then creates one limiter per operation.
        partial(QueryCostLimiter, max_cost=getattr(settings, "GRAPHQL_MAX_COST", DEFAULT_MAX_COST)),
    ]
    if not settings.GRAPHQL_INTROSPECTION:
        extensions.append(AddValidationRules([NoSchemaIntrospectionCustomRule]))
    return WorkspaceSchema(
        query=_merge("Query", "queries"),
        mutation=_merge("Mutation", "mutations"),
        subscription=_merge("Subscription", "subscriptions"),
        extensions=extensions,
    )


schema = build_schema()
