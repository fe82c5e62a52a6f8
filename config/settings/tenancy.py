"""django-tenants: one PostgreSQL schema per workspace."""

from config.env import env_str

TENANT_MODEL = "tenants.Workspace"
TENANT_DOMAIN_MODEL = "tenants.Domain"

PUBLIC_SCHEMA_URLCONF = "config.urls_public"
ROOT_URLCONF = "config.urls_tenant"

# When set, new workspaces copy this fully migrated schema and only fake the
# migrations, instead of running them (django-tenants' CloneSchema). Keep the
# base schema migrated: `manage.py migrate_schemas --schema=<name>`.
TENANT_BASE_SCHEMA = env_str("TENANT_BASE_SCHEMA", "") or None
TENANT_CREATION_FAKES_MIGRATIONS = TENANT_BASE_SCHEMA is not None

# Host names that serve the platform (public schema) admin.
PUBLIC_HOSTNAMES = ("localhost", "127.0.0.1", "testserver")
