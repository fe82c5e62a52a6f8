"""The shared workspaces survive tests that truncate the public tables."""

from __future__ import annotations

from tenants.models import ApiKey, Workspace

WORKSPACE_QUERY = "{ workspace { slug } }"


def test_transactional_test_runs(transactional_db, acme):
    assert Workspace.objects.filter(schema_name="acme").exists()


def test_shared_rows_are_back_afterwards(transactional_db, gql, acme):
    # pytest-django runs transactional tests after the others, in file order,
    # so this one runs after the truncation above.
    assert Workspace.objects.filter(schema_name="acme").exists()
    assert ApiKey.objects.filter(workspace=acme.workspace).count() >= 4
    assert gql(acme.keys["read"]).execute(WORKSPACE_QUERY)["workspace"]["slug"] == "acme"
