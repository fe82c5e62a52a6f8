"""The Dramatiq broker, chosen from settings in this one module.

`settings.BROKER_URL` picks the broker by scheme:

- `redis://...`: Dramatiq's RedisBroker.
- `amqp://...`: Dramatiq's RabbitmqBroker.
- `postgresql://...` or `postgres://...`: the PostgresBroker of the
  `dramatiq-postgres` package, which keeps its queue in the `dramatiq` schema
  of that database (created on first use).
- empty: the PostgresBroker on `DATABASE_URL`, so a deployment needs nothing
  but PostgreSQL.

`settings.DRAMATIQ_STUB_BROKER=true` (the tests) selects Dramatiq's StubBroker,
which keeps messages in memory until a test joins the queue.

Two optional environment variables tune how fast a dead worker's messages
return to the queue (defaults are the brokers' own):
`BROKER_HEARTBEAT_TTL_SECONDS` (PostgreSQL broker, default 60) and
`BROKER_HEARTBEAT_TIMEOUT_SECONDS` (Redis broker, default 60).
"""

from __future__ import annotations

import logging
import threading
from urllib.parse import urlsplit

import dramatiq
from django.conf import settings
from django.db import close_old_connections, connections
from dramatiq.brokers.stub import StubBroker
from dramatiq.middleware import AgeLimit, Callbacks, Middleware, Pipelines, Retries, ShutdownNotifications, TimeLimit

from dramatiq_postgres import PostgresBroker
from dramatiq_postgres import init as init_postgres_queue
from dramatiq_postgres.utils import transaction as postgres_transaction

from config.env import ImproperlyConfiguredEnv

logger = logging.getLogger(__name__)

# Retries with exponential backoff between these bounds, in milliseconds.
MIN_BACKOFF_MS = 1_000
MAX_BACKOFF_MS = 5 * 60_000
# A scoring job that runs longer than this is interrupted and retried.
TIME_LIMIT_MS = 10 * 60_000


class CloseConnectionsAtThreadExit(Middleware):
    """Close a worker thread's Django connections when the thread stops, so none is left open."""

    def before_worker_thread_shutdown(self, broker, thread):
        connections.close_all()


class CloseOldConnections(CloseConnectionsAtThreadExit):
    """Give each message a healthy Django database connection.

    A worker thread has no request cycle, so without this its connection is
    opened once and kept forever, and after a database restart every message
    fails with OperationalError. Not used with the stub broker: there tests
    own the connections.
    """

    def before_process_message(self, broker, message):
        close_old_connections()

    def after_process_message(self, broker, message, *, result=None, exception=None):
        close_old_connections()

    def after_skip_message(self, broker, message):
        close_old_connections()


def base_middleware() -> list[Middleware]:
    """Return the middleware every broker gets (Prometheus stays off)."""
    return [
        AgeLimit(),
        TimeLimit(time_limit=TIME_LIMIT_MS),
        ShutdownNotifications(),
        Callbacks(),
        Pipelines(),
        Retries(max_retries=5, min_backoff=MIN_BACKOFF_MS, max_backoff=MAX_BACKOFF_MS),
    ]


def build_broker() -> dramatiq.Broker:
    """Create the broker that settings select; see the module docstring."""
    if settings.DRAMATIQ_STUB_BROKER:
        return StubBroker(middleware=[*base_middleware(), CloseConnectionsAtThreadExit()])

    middleware = [*base_middleware(), CloseOldConnections()]
    url = settings.BROKER_URL.strip()
    scheme = urlsplit(url).scheme if url else ""

    if scheme in ("redis", "rediss"):
        from dramatiq.brokers.redis import RedisBroker

        heartbeat_timeout_seconds = settings.BROKER_HEARTBEAT_TIMEOUT_SECONDS
        return RedisBroker(url=url, middleware=middleware, heartbeat_timeout=heartbeat_timeout_seconds * 1000)

    if scheme in ("amqp", "amqps"):
        from dramatiq.brokers.rabbitmq import RabbitmqBroker

        return RabbitmqBroker(url=url, middleware=middleware)

    if scheme in ("postgresql", "postgres", ""):
        return _postgres_broker(url or _database_url(), middleware)

    raise ImproperlyConfiguredEnv(
        f"BROKER_URL has the unsupported scheme {scheme!r}. "
        "Use redis://, amqp://, postgresql:// or leave it empty for the PostgreSQL broker on DATABASE_URL."
    )


def _database_url() -> str:
    database = settings.DATABASES["default"]
    # psycopg accepts a key=value connection string as well as a URL, which
    # avoids quoting the password into a URL.
    parts = {
        "dbname": database["NAME"],
        "user": database["USER"],
        "password": database["PASSWORD"],
        "host": database["HOST"],
        "port": database["PORT"],
    }
    return " ".join(f"{key}='{_escape(str(value))}'" for key, value in parts.items() if value)


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace("'", "\\'")


class SchemaCreatingPostgresBroker(PostgresBroker):
    """PostgresBroker that creates its `dramatiq` schema and tables on first use.

    dramatiq-postgres 1.4 expects them to exist (its CLI has an `init`
    command); creating them here saves a deployment step. The package's
    `init` is idempotent and serialised on an advisory lock.
    """

    def __init__(self, **options):
        super().__init__(**options)
        self._schema_ready = False
        self._schema_lock = threading.Lock()

    def ensure_schema(self) -> None:
        with self._schema_lock:
            if self._schema_ready:
                return
            with postgres_transaction(self.pool) as cursor:
                if init_postgres_queue(cursor):
                    logger.info("Created the dramatiq schema for the PostgreSQL broker")
            self._schema_ready = True

    def enqueue(self, message, *, delay=None):
        self.ensure_schema()
        return super().enqueue(message, delay=delay)

    def consume(self, queue_name, prefetch=1, timeout=30000):
        self.ensure_schema()
        return super().consume(queue_name, prefetch=prefetch, timeout=timeout)


def _postgres_broker(url: str, middleware: list[Middleware]) -> dramatiq.Broker:
    heartbeat_ttl_seconds = settings.BROKER_HEARTBEAT_TTL_SECONDS
    return SchemaCreatingPostgresBroker(
        url=url,
        middleware=middleware,
        results=False,
        heartbeat_interval=max(heartbeat_ttl_seconds / 4, 1.0),
        heartbeat_ttl=heartbeat_ttl_seconds,
        maintenance_interval=min(30.0, heartbeat_ttl_seconds / 2),
    )


_broker: dramatiq.Broker | None = None


def setup_broker() -> dramatiq.Broker:
    """Create the broker once per process and make it Dramatiq's global broker."""
    global _broker
    if _broker is None:
        _broker = build_broker()
        dramatiq.set_broker(_broker)
    return _broker
