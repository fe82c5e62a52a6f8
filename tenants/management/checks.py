"""Checks shared by the workspace management commands."""

from django.core.management.base import CommandError
from django.db import connection

from tenants.models import Workspace


def require_migrated_database() -> None:
    """Raise CommandError when the public schema has not been migrated yet."""
    connection.set_schema_to_public()
    if Workspace._meta.db_table not in connection.introspection.table_names():
        raise CommandError(
            "The database has no workspace tables yet. Run `python manage.py migrate_schemas --shared` first."
        )
