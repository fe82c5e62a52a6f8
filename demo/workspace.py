"""Migrations, the demo workspace and its API key, run in the demo process itself.

Django reads its settings from the environment once, so `configure_django`
must run after the database was chosen and before anything imports models.
"""

from __future__ import annotations

import contextlib
import io
import os
from dataclasses import dataclass

DEMO_KEY_NAME = "make demo"
DEMO_KEY_SCOPES = ["ingest", "read", "config", "review"]


class MigrationFailed(RuntimeError):
    """`migrate_schemas` failed; the message contains the end of its output."""


class WorkspaceSetupFailed(RuntimeError):
    """The demo workspace could not be created (for example, an invalid slug)."""


@dataclass(frozen=True)
class DemoWorkspace:
    slug: str
    created: bool
    key: str
    revoked_keys: int


def configure_django(database_url: str, broker_url: str, secret_key: str | None) -> None:
    os.environ["DATABASE_URL"] = database_url
    os.environ["BROKER_URL"] = broker_url
    if secret_key is not None:
        os.environ["SECRET_KEY"] = secret_key
    # One short-lived process: a connection pool would only hold connections open.
    os.environ["DATABASE_POOL"] = "false"
    # The demo prints its own step lines; the server and worker keep their log level.
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()


def migrate() -> None:
    """Apply migrations to the public schema and to every existing workspace schema."""
    from django.core.management import call_command

    for option in ("shared", "tenant"):
        output = io.StringIO()
        try:
            # django-tenants prints each migration line to sys.stdout directly.
            with contextlib.redirect_stdout(output), contextlib.redirect_stderr(output):
                call_command("migrate_schemas", **{option: True}, interactive=False, verbosity=0)
        except Exception as error:
            tail = "\n".join(output.getvalue().strip().splitlines()[-15:])
            raise MigrationFailed(f"migrate_schemas --{option} failed: {error}\n{tail}".rstrip()) from error


def prepare_workspace(slug: str) -> DemoWorkspace:
    """Create the workspace (or reuse it) and issue a fresh key with every scope.

    The secret of an API key is shown once and never stored, so every run
    issues a new key and revokes the keys earlier runs issued under
    DEMO_KEY_NAME.
    """
    from tenants.models import ApiKey, Workspace
    from tenants.services import create_api_key, create_workspace, revoke_api_key

    workspace = Workspace.objects.filter(schema_name=slug).first()
    created = workspace is None
    if created:
        # Creating the schema runs its migrations, which django-tenants prints to sys.stdout.
        with contextlib.redirect_stdout(io.StringIO()):
            workspace = create_workspace(slug, f"Demo ({slug})")
    old_keys = list(ApiKey.objects.filter(workspace=workspace, name=DEMO_KEY_NAME, revoked_at__isnull=True))
    for api_key in old_keys:
        revoke_api_key(api_key)
    issued = create_api_key(workspace, DEMO_KEY_SCOPES, name=DEMO_KEY_NAME)
    return DemoWorkspace(slug=slug, created=created, key=issued.secret, revoked_keys=len(old_keys))


def close_connections() -> None:
    from django.db import connections

    connections.close_all()
