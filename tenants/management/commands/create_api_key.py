from django.core.management.base import BaseCommand, CommandError

from tenants.management.checks import require_migrated_database
from tenants.models import Workspace
from tenants.services import WorkspaceError, create_api_key, parse_scopes


class Command(BaseCommand):
    help = "Create an API key for a workspace and print it once; only its hash is stored."

    def add_arguments(self, parser) -> None:
        parser.add_argument("slug", help="Slug of the workspace.")
        parser.add_argument(
            "--scopes", default="ingest,read", help="Comma-separated scopes: ingest, read, config, review (default: ingest,read)."
        )
        parser.add_argument("--name", default="", help="A label to recognise the key later.")

    def handle(self, *args, slug: str, scopes: str, name: str, **options) -> None:
        require_migrated_database()
        workspace = Workspace.objects.filter(schema_name=slug).first()
        if workspace is None:
            raise CommandError(f"Workspace {slug!r} not found. List workspaces with `manage.py list_workspaces`.")
        try:
            issued = create_api_key(workspace, parse_scopes(scopes), name=name)
        except WorkspaceError as error:
            raise CommandError(str(error)) from None
        self.stderr.write(f"Created key {issued.api_key.prefix}… with scopes {','.join(issued.api_key.scopes)}. It is shown only once:")
        self.stdout.write(issued.secret)
