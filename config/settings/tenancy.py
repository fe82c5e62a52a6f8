"""django-tenants: one PostgreSQL schema per workspace."""

from config.env import env_str

TENANT_MODEL = "tenants.Workspace"
TENANT_DOMAIN_MODEL = "tenants.Domain"

PUBLIC_SCHEMA_URLCONF = "config.urls_public"
ROOT_URLCONF = "config.urls_tenant"

# New workspaces clone this schema instead of running every migration, when
# set (create it with `python manage.py clone_tenant` or leave it empty).
TENANT_BASE_SCHEMA = env_str("TENANT_BASE_SCHEMA", "") or None

# Host names that serve the platform (public schema) admin.
PUBLIC_HOSTNAMES = ("localhost", "127.0.0.1", "testserver")
