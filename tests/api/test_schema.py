"""Schema quality (descriptions, snapshot) and the operation limits."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from django.test import override_settings
from graphql import (
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLInterfaceType,
    GraphQLObjectType,
    GraphQLScalarType,
    GraphQLUnionType,
)

from api.schema import build_schema, schema

SNAPSHOT = Path(__file__).with_name("schema.graphql")
BUILT_IN_SCALARS = {"String", "Int", "Float", "Boolean", "ID"}


def _missing_descriptions() -> list[str]:
    missing = []
    for name, graphql_type in schema._schema.type_map.items():
        if name.startswith("__") or name in BUILT_IN_SCALARS:
            continue
        root = graphql_type in (schema._schema.query_type, schema._schema.mutation_type, schema._schema.subscription_type)
        if not graphql_type.description and not root:
            missing.append(name)
        if isinstance(graphql_type, (GraphQLObjectType, GraphQLInterfaceType, GraphQLInputObjectType)):
            for field_name, field in graphql_type.fields.items():
                if not field.description:
                    missing.append(f"{name}.{field_name}")
                for argument_name, argument in getattr(field, "args", {}).items():
                    if not argument.description:
                        missing.append(f"{name}.{field_name}({argument_name})")
        elif not isinstance(graphql_type, (GraphQLEnumType, GraphQLScalarType, GraphQLUnionType)):
            missing.append(f"{name} (unexpected kind)")
    return missing


def test_every_type_field_and_argument_is_described():
    assert _missing_descriptions() == []


def test_schema_matches_snapshot():
    printed = str(schema) + "\n"
    if os.environ.get("UPDATE_SNAPSHOT") == "1":
        SNAPSHOT.write_text(printed, encoding="utf-8")
    expected = SNAPSHOT.read_text(encoding="utf-8") if SNAPSHOT.exists() else ""
    assert printed == expected, (
        "The GraphQL schema differs from tests/api/schema.graphql. If the change is intended, run "
        "`.venv/bin/python scripts/update_schema_snapshot.py` (or this test with UPDATE_SNAPSHOT=1) "
        "and commit the snapshot."
    )


DEEP = """
query {
  conversations {
    ... on ConversationConnection { edges { node { latestScore { signals { messages { sentiment { label } } } } } } }
  }
}
"""


async def _errors(query: str, variables: dict | None = None, **limits) -> list[str]:
    with override_settings(**limits):
        limited = build_schema()
    result = await limited.execute(query, variable_values=variables)
    return [error.message for error in result.errors or []]


async def test_depth_limit_names_the_limit():
    errors = await _errors(DEEP, GRAPHQL_MAX_DEPTH=4)

    assert errors
    assert "exceeds maximum operation depth of 4" in errors[0]


async def test_alias_limit_names_the_limit():
    aliased = "query { " + " ".join(f"a{i}: __typename" for i in range(5)) + " }"

    errors = await _errors(aliased, GRAPHQL_MAX_ALIASES=3)

    assert errors
    assert "3" in errors[0]
    assert "alias" in errors[0].lower()


async def test_token_limit_names_the_limit():
    errors = await _errors(DEEP, GRAPHQL_MAX_TOKENS=10)

    assert errors
    assert "10" in errors[0]
    assert "token" in errors[0].lower()


async def test_cost_limit_counts_page_sizes():
    query = "query($n: Int) { conversations(first: $n) { __typename ... on ConversationConnection { edges { node { id } } } } }"

    errors = await _errors(query, {"n": 100}, GRAPHQL_MAX_COST=200)

    assert errors
    assert "GRAPHQL_MAX_COST" in errors[0]
    assert "maximum of 200" in errors[0]


def test_cost_limit_rejects_huge_nested_request(gql, acme):
    query = """
    query {
      conversations(first: 100) {
        ... on ConversationConnection { edges { node { scoreHistory(first: 1000) { signals { code } } } } }
      }
    }
    """

    response = gql(acme.keys["read"]).post(query)

    body = response.json()
    assert body["data"] is None
    assert "GRAPHQL_MAX_COST" in body["errors"][0]["message"]


async def test_introspection_can_be_switched_off():
    query = "{ __schema { queryType { name } } }"

    allowed = await _errors(query, GRAPHQL_INTROSPECTION=True)
    blocked = await _errors(query, GRAPHQL_INTROSPECTION=False)

    assert allowed == []
    assert blocked
    assert "introspection" in blocked[0].lower()


@pytest.fixture
def reload_tenant_urls():
    """Rebuild the workspace URLconf under the current settings, and restore it afterwards."""
    import importlib

    from django.urls import clear_url_caches

    import config.urls_tenant

    def reload():
        importlib.reload(config.urls_tenant)
        clear_url_caches()

    yield reload
    reload()


@pytest.mark.parametrize("enabled", [True, False])
def test_graphiql_follows_setting(gql, acme, reload_tenant_urls, enabled):
    with override_settings(GRAPHQL_GRAPHIQL=enabled):
        reload_tenant_urls()
        response = gql(acme.keys["read"]).client.get(
            "/graphql", HTTP_ACCEPT="text/html", HTTP_AUTHORIZATION=f"Bearer {acme.keys['read']}"
        )

    served = response.status_code == 200 and b"graphiql" in response.content.lower()
    assert served is enabled
