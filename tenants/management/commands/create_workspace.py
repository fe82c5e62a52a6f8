from django.core.management.base import BaseCommand, CommandError

from tenants.management.checks import require_migrated_database
from tenants.services import WorkspaceError, create_workspace


class Command(BaseCommand):
    help = "Create a workspace with its own PostgreSQL schema (created and migrated)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("slug", help="Workspace slug and schema name: lowercase letters, digits, underscores.")
        parser.add_argument("--name", required=True, help="Display name of the workspace.")
        parser.add_argument("--domain", help="Host name that opens this workspace's admin, e.g. acme.example.com.")

    def handle(self, *args, slug: str, name: str, domain: str | None, **options) -> None:
        require_migrated_database()
        try:
            workspace = create_workspace(slug, name, domain)
        except WorkspaceError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(self.style.SUCCESS(f"Created workspace {workspace.schema_name} ({workspace.name})."))
        if domain:
            self.stdout.write(f"Admin: /admin/ on http://{domain}:<port of your server>/")
