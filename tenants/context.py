"""The one way to run database code inside a workspace's schema.

HTTP resolvers, websocket subscriptions and Dramatiq actors all call these,
so no database access depends on whatever schema a shared connection was
left on by the previous caller.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import ParamSpec, TypeVar

from asgiref.sync import sync_to_async
from django.db import connection
from django_tenants.utils import schema_context

P = ParamSpec("P")
T = TypeVar("T")


def call_in_schema(schema_name: str, function: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
    """Call `function` with the connection's search_path set to `schema_name`, then restore it."""
    if not schema_name or schema_name == "public":
        raise ValueError("Workspace code must not run in the public schema.")
    with schema_context(schema_name):
        return function(*args, **kwargs)


async def run_in_schema(schema_name: str, function: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
    """Async form of call_in_schema: the schema is set inside the worker thread that runs the query."""
    return await sync_to_async(call_in_schema, thread_sensitive=True)(schema_name, function, *args, **kwargs)


def current_schema_name() -> str:
    return connection.schema_name
