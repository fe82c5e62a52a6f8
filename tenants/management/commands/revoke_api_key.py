from django.core.management.base import BaseCommand, CommandError

from tenants.management.checks import require_migrated_database
from tenants.models import ApiKey
from tenants.services import PREFIX_LENGTH, hash_key, revoke_api_key


class Command(BaseCommand):
    help = "Revoke an API key, given the key itself or its prefix as listed by `list_workspaces --keys`."

    def add_arguments(self, parser) -> None:
        parser.add_argument("key", help="The full key, or its prefix (e.g. aixs_Ab12Cd).")

    def handle(self, *args, key: str, **options) -> None:
        require_migrated_database()
        key_text = key.strip().rstrip("….")
        matches = list(ApiKey.objects.filter(key_hash=hash_key(key_text)))
        if not matches and len(key_text) >= PREFIX_LENGTH:
            matches = list(ApiKey.objects.filter(prefix=key_text[:PREFIX_LENGTH]))
        if not matches:
            raise CommandError(
                f"No API key matches {key_text!r}. Give the full key or its prefix as `list_workspaces --keys` shows it."
            )
        if len(matches) > 1:
            raise CommandError(f"{len(matches)} keys share the prefix {key!r}. Give the full key instead.")
        api_key = matches[0]
        if api_key.is_revoked:
            self.stdout.write(f"Key {api_key.prefix}… was already revoked at {api_key.revoked_at:%Y-%m-%d %H:%M} UTC.")
            return
        revoke_api_key(api_key)
        self.stdout.write(self.style.SUCCESS(f"Revoked key {api_key.prefix}… of workspace {api_key.workspace.schema_name}."))
