from django.core.management.base import BaseCommand

from tenants.management.checks import require_migrated_database
from tenants.models import Workspace


class Command(BaseCommand):
    help = "List workspaces with their domains, and optionally their API keys."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--keys", action="store_true", help="Also list each workspace's API keys (prefix, scopes, state).")

    def handle(self, *args, keys: bool, **options) -> None:
        require_migrated_database()
        workspaces = Workspace.objects.prefetch_related("domains", "api_keys").order_by("schema_name")
        if not workspaces:
            self.stdout.write("No workspaces yet. Create one with `manage.py create_workspace SLUG --name NAME`.")
            return
        for workspace in workspaces:
            domains = ", ".join(domain.domain for domain in workspace.domains.all()) or "-"
            self.stdout.write(f"{workspace.schema_name}\t{workspace.name}\tdomains: {domains}")
            if keys:
                for api_key in workspace.api_keys.all():
                    state = f"revoked {api_key.revoked_at:%Y-%m-%d}" if api_key.revoked_at else "active"
                    used = f"{api_key.last_used_at:%Y-%m-%d %H:%M}" if api_key.last_used_at else "never"
                    self.stdout.write(f"  {api_key.prefix}…\t{','.join(api_key.scopes)}\t{state}\tlast used: {used}")
