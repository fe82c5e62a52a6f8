"""Health check, admin routing by host name and the unknown-host page."""

from __future__ import annotations

from django.contrib.auth.models import User
from django_tenants.utils import schema_context


def test_health_answers_on_any_host(client, db):
    for host in ("localhost", "acme.localhost", "nobody.localhost"):
        response = client.get("/health", HTTP_HOST=host)
        assert response.status_code == 200
        assert response.json() == {"status": "ok", "database": "ok"}


def test_unknown_host_gets_clear_404(client, db, workspaces):
    response = client.get("/admin/", HTTP_HOST="nobody.localhost")

    assert response.status_code == 404
    assert b"No workspace is configured for the host" in response.content
    assert b"nobody.localhost" in response.content


def test_platform_and_workspace_admins_are_separate_sites(client, db, workspaces):
    platform = client.get("/admin/login/", HTTP_HOST="localhost")
    workspace = client.get("/admin/login/", HTTP_HOST="acme.localhost")

    assert b"Platform admin" in platform.content
    assert b"Workspace admin" in workspace.content


def test_platform_login_does_not_open_workspace_admin(client, db, workspaces):
    User.objects.create_superuser("platform-root", "root@example.com", "a-long-password-1")
    client.force_login(User.objects.get(username="platform-root"))

    platform = client.get("/admin/", HTTP_HOST="localhost")
    workspace = client.get("/admin/", HTTP_HOST="acme.localhost")

    assert platform.status_code == 200
    assert workspace.status_code == 302
    assert "/admin/login/" in workspace["Location"]


def test_workspace_admin_lists_no_platform_models(client, db, workspaces):
    with schema_context("acme"):
        User.objects.create_superuser("acme-admin", "admin@acme.test", "a-long-password-1")
    client.login(username="acme-admin", password="a-long-password-1", HTTP_HOST="acme.localhost")
    with schema_context("acme"):
        client.force_login(User.objects.get(username="acme-admin"))

    index = client.get("/admin/", HTTP_HOST="acme.localhost")

    assert index.status_code == 200
    assert b"Conversations" in index.content
    assert b"Workspaces" not in index.content
    assert b"API keys" not in index.content
    assert b"Domains" not in index.content


def test_admin_static_files_served_on_every_host(client, db, workspaces):
    for host in ("localhost", "acme.localhost"):
        response = client.get("/static/admin/css/base.css", HTTP_HOST=host)
        assert response.status_code == 200
