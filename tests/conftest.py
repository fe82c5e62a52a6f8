"""Shared fixtures: two real workspaces (schemas) created once per test session.

Creating a schema runs every migration, so the suite creates `acme` and
`globex` once, commits them, and lets each test run inside a transaction
that is rolled back.

Tests that need committed data across threads or processes either commit
from threads of their own and clean up their rows, or use
`transactional_db`. The latter's teardown truncates the public tables,
which contain the shared workspaces and keys, so `_restore_shared_rows`
puts those rows back after such a test (the schemas themselves survive).
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import pytest


@dataclass
class WorkspaceFixture:
    workspace: object
    keys: dict[str, str]  # scope set name -> secret

    @property
    def slug(self) -> str:
        return self.workspace.schema_name


def _make_workspace(slug: str, name: str):
    from tenants.models import Workspace
    from tenants.services import create_api_key, create_workspace

    workspace = Workspace.objects.filter(schema_name=slug).first() or create_workspace(
        slug, name, domain=f"{slug}.localhost"
    )
    keys = {
        "all": create_api_key(workspace, ["ingest", "read", "config", "review"], name="all").secret,
        "ingest": create_api_key(workspace, ["ingest"], name="ingest only").secret,
        "read": create_api_key(workspace, ["read"], name="read only").secret,
        "config": create_api_key(workspace, ["config"], name="config only").secret,
    }
    return WorkspaceFixture(workspace=workspace, keys=keys)


@pytest.fixture(scope="session")
def workspaces(django_db_setup, django_db_blocker) -> dict[str, WorkspaceFixture]:
    """The `acme` and `globex` workspaces with keys of each scope, shared by all tests."""
    from django.db import connection

    with django_db_blocker.unblock():
        # pytest-django skips creating the test database when no collected
        # test requests `db`, so check before writing fixtures.
        assert connection.settings_dict["NAME"] == connection.creation._get_test_db_name(), (
            "Tests are connected to a non-test database; request the `db` fixture."
        )
        fixtures = {
            "acme": _make_workspace("acme", "Acme Support"),
            "globex": _make_workspace("globex", "Globex Help Desk"),
        }
        return fixtures


@pytest.fixture
def acme(workspaces) -> WorkspaceFixture:
    return workspaces["acme"]


@pytest.fixture
def globex(workspaces) -> WorkspaceFixture:
    return workspaces["globex"]


@pytest.fixture(autouse=True)
def _public_schema_between_tests():
    """The test client leaves the connection on the last workspace it served; start each test on public."""
    from django.db import connection

    connection.set_schema_to_public()
    yield
    connection.set_schema_to_public()


def _snapshot_public_rows() -> list[list]:
    from tenants.models import ApiKey, Domain, Workspace

    return [list(model.objects.all()) for model in (Workspace, Domain, ApiKey)]


@pytest.fixture(autouse=True)
def _restore_shared_rows(request, django_db_blocker):
    """Re-insert the workspaces, domains and keys that a `transactional_db` test's teardown truncated.

    Workspaces created by session fixtures (the shared ones and those of
    individual test packages) keep their schemas, so only the rows return.
    """
    if "transactional_db" not in request.fixturenames:
        yield
        return
    # Autouse fixtures are set up before `transactional_db`, so this teardown runs after its truncation.
    with django_db_blocker.unblock():
        snapshot = _snapshot_public_rows()
    yield
    with django_db_blocker.unblock():
        for rows in snapshot:
            if rows:
                # bulk_create skips Workspace.save(), which would try to create the schema again.
                type(rows[0]).objects.bulk_create(rows, ignore_conflicts=True)


class GraphQLClient:
    """Posts GraphQL operations to the real `/graphql` endpoint through Django's test client."""

    def __init__(self, client, secret: str | None):
        self.client = client
        self.secret = secret

    def post(self, query: str, variables: dict | None = None, **headers):
        if self.secret is not None:
            headers.setdefault("HTTP_AUTHORIZATION", f"Bearer {self.secret}")
        return self.client.post(
            "/graphql",
            data=json.dumps({"query": query, "variables": variables or {}}),
            content_type="application/json",
            **headers,
        )

    def execute(self, query: str, variables: dict | None = None) -> dict:
        """Run an operation that must succeed at the HTTP and GraphQL level; return `data`."""
        response = self.post(query, variables)
        assert response.status_code == 200, response.content
        body = response.json()
        assert "errors" not in body, body["errors"]
        return body["data"]


@pytest.fixture
def gql(client, db):
    """Factory: gql(secret) -> GraphQLClient."""

    def make(secret: str | None) -> GraphQLClient:
        return GraphQLClient(client, secret)

    return make
