"""PostgreSQL connection, through django-tenants' backend and Django's connection pool."""

from config.env import env_bool, env_int, env_str, parse_database_url

_database = parse_database_url("DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/aixs")

# Under ASGI every request opens its own connection, so without a pool 100
# concurrent requests exhaust PostgreSQL's connection slots. Health checks
# make a pooled connection that died in a database restart get replaced.
DATABASE_POOL = env_bool("DATABASE_POOL", True)

DATABASES = {
    "default": {
        "ENGINE": "django_tenants.postgresql_backend",
        **_database,
        "CONN_HEALTH_CHECKS": True,
        "OPTIONS": (
            {"pool": {"min_size": 1, "max_size": env_int("DATABASE_POOL_MAX_SIZE", 20, minimum=1), "timeout": 10}}
            if DATABASE_POOL
            else {}
        ),
        "TEST": {"NAME": env_str("TEST_DATABASE_NAME", f"test_{_database['NAME']}")},
    }
}

DATABASE_ROUTERS = ("django_tenants.routers.TenantSyncRouter",)
