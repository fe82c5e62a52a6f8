"""Workspace and key management commands."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from tenants.models import ApiKey
from tenants.services import hash_key


def run(*args) -> str:
    out = StringIO()
    call_command(*args, stdout=out, stderr=StringIO())
    return out.getvalue()


def test_create_api_key_prints_key_once_and_stores_hash(db, acme):
    secret = run("create_api_key", "acme", "--scopes", "read,ingest").strip()

    stored = ApiKey.objects.get(key_hash=hash_key(secret))
    assert stored.scopes == ["ingest", "read"]
    assert stored.workspace.schema_name == "acme"


def test_create_api_key_rejects_unknown_scope(db, acme):
    with pytest.raises(CommandError, match="Unknown scope 'admin'"):
        run("create_api_key", "acme", "--scopes", "read,admin")


def test_create_api_key_rejects_unknown_workspace(db, workspaces):
    with pytest.raises(CommandError, match="Workspace 'nope' not found"):
        run("create_api_key", "nope", "--scopes", "read")


def test_revoke_api_key_by_full_key(db, acme):
    secret = run("create_api_key", "acme", "--scopes", "read").strip()

    output = run("revoke_api_key", secret)

    assert "Revoked key" in output
    assert ApiKey.objects.get(key_hash=hash_key(secret)).revoked_at is not None


def test_revoke_unknown_key_fails(db, workspaces):
    with pytest.raises(CommandError, match="No API key matches"):
        run("revoke_api_key", "aixs_nothing")


def test_create_workspace_rejects_invalid_and_duplicate_slugs(db, workspaces):
    with pytest.raises(CommandError, match="Invalid workspace slug 'Bad-Slug'"):
        run("create_workspace", "Bad-Slug", "--name", "Bad")
    with pytest.raises(CommandError, match="already exists"):
        run("create_workspace", "acme", "--name", "Again")
    with pytest.raises(CommandError, match="reserved"):
        run("create_workspace", "public", "--name", "Public")


def test_list_workspaces_shows_domains_and_keys(db, workspaces):
    output = run("list_workspaces", "--keys")

    assert "acme\tAcme Support\tdomains: acme.localhost" in output
    assert "globex" in output
    assert "last used" in output


def test_commands_have_help():
    for name in ("create_workspace", "create_api_key", "revoke_api_key", "list_workspaces"):
        with pytest.raises(SystemExit) as exit_info:
            call_command(name, "--help", stdout=StringIO())
        assert exit_info.value.code == 0


def test_revoke_api_key_by_listed_prefix(db, acme):
    secret = run("create_api_key", "acme", "--scopes", "read").strip()
    listed_prefix = secret[:11] + "…"

    output = run("revoke_api_key", listed_prefix)

    assert "Revoked key" in output
    assert ApiKey.objects.get(key_hash=hash_key(secret)).revoked_at is not None


def test_commands_explain_unmigrated_database(db, monkeypatch):
    from django.db import connection

    monkeypatch.setattr(connection.introspection, "table_names", lambda *args, **kwargs: [])

    with pytest.raises(CommandError, match="migrate_schemas --shared"):
        run("create_workspace", "fresh", "--name", "Fresh")
