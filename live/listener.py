"""The receiving side of live updates: one PostgreSQL LISTEN connection per server process.

`NotificationHub` owns a plain async psycopg connection (autocommit, separate
from Django's connections) and one reader task that alone uses it. psycopg's
`notifies()` holds the connection lock while it waits, so a LISTEN issued by
another task would block until the next notification arrives. Subscribers
therefore only change the hub's registrations and wake the reader, and the
reader issues LISTEN/UNLISTEN between waits so that the set of channels it
listens to matches the set of workspaces with subscribers.

The reader fans each notification out to the bounded queues of the
subscriptions of that workspace. A queue that is full drops its oldest event,
so one slow client never holds up the others or grows memory without bound.
After a lost connection (database restart, terminated backend) the reader
reconnects with exponential backoff and listens again. PostgreSQL does not
keep notifications for a channel nobody listens to, so those sent while the
reader was disconnected are lost, and delivery is at most once.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import AsyncIterator, Iterable

import psycopg
from django.db import connections
from psycopg import sql

from config.env import env_int
from live.events import LiveEvent, parse_event
from live.notify import channel_name

logger = logging.getLogger(__name__)

LISTENER_APPLICATION_NAME = "aixs-live-listener"

SUBSCRIBER_QUEUE_SIZE = env_int("LIVE_SUBSCRIBER_QUEUE_SIZE", 256, minimum=1)
"""Events buffered per subscription before the oldest are dropped."""

LISTEN_READY_TIMEOUT_S = 5.0
"""How long `subscription()` waits for the reader's LISTEN before it lets the subscriber go on anyway."""

HEALTH_CHECK_INTERVAL_S = 30.0
"""After reading this long without a wake-up, the reader runs `SELECT 1`, so a silently dead connection is noticed."""

RECONNECT_INITIAL_DELAY_S = 0.1
RECONNECT_MAX_DELAY_S = 5.0

DROP_LOG_EVERY = 100
"""A lagging subscription logs its first dropped event and then every this many."""


class Subscription:
    """One consumer of a workspace's events, with a bounded queue that drops its oldest entry when full."""

    def __init__(self, schema_name: str, kinds: frozenset[str], queue_size: int):
        self.schema_name = schema_name
        self.channel = channel_name(schema_name)
        self.kinds = kinds
        self.dropped = 0
        self._queue: asyncio.Queue[LiveEvent] = asyncio.Queue(maxsize=queue_size)

    def offer(self, event: LiveEvent) -> None:
        """Queue an event without waiting; when the queue is full, drop the oldest one."""
        if self._queue.full():
            self._queue.get_nowait()
            self.dropped += 1
            if self.dropped == 1 or self.dropped % DROP_LOG_EVERY == 0:
                logger.warning(
                    "Live subscription on %s lags behind: %d events dropped so far",
                    self.schema_name,
                    self.dropped,
                )
        self._queue.put_nowait(event)

    async def get(self) -> LiveEvent:
        return await self._queue.get()

    def pending(self) -> list[LiveEvent]:
        """Remove and return the events already queued, without waiting."""
        events = []
        while not self._queue.empty():
            events.append(self._queue.get_nowait())
        return events


class NotificationHub:
    """The per-process registry of live subscriptions and the reader task behind it."""

    def __init__(self, conninfo: str, queue_size: int = SUBSCRIBER_QUEUE_SIZE):
        self.conninfo = conninfo
        self.queue_size = queue_size
        self.loop = asyncio.get_running_loop()
        self.connected = False
        self.connections_made = 0
        self._subscriptions: dict[str, set[Subscription]] = {}
        self._listening: set[str] = set()
        self._waiters: dict[str, list[asyncio.Future]] = {}
        self._wakeup = asyncio.Event()
        self._reader: asyncio.Task | None = None
        self._connection: psycopg.AsyncConnection | None = None

    # -- registrations (called by subscription resolvers) -------------------

    @contextlib.asynccontextmanager
    async def subscription(self, schema_name: str, kinds: Iterable[str]) -> AsyncIterator[Subscription]:
        """Register a subscription for the body of the `async with`, and always remove it afterwards."""
        subscription = Subscription(schema_name, frozenset(kinds), self.queue_size)
        self._register(subscription)
        try:
            await self._wait_until_listening(subscription.channel)
            yield subscription
        finally:
            self._unregister(subscription)

    def registration_count(self) -> int:
        return sum(len(subscriptions) for subscriptions in self._subscriptions.values())

    def listening_channels(self) -> set[str]:
        return set(self._listening)

    def _register(self, subscription: Subscription) -> None:
        first_on_channel = subscription.channel not in self._subscriptions
        self._subscriptions.setdefault(subscription.channel, set()).add(subscription)
        if self._reader is None or self._reader.done():
            self._reader = self.loop.create_task(self._run(), name="live-notification-reader")
        if first_on_channel or subscription.channel not in self._listening:
            self._wakeup.set()

    def _unregister(self, subscription: Subscription) -> None:
        # Synchronous on purpose: it runs in `finally` blocks of cancelled
        # tasks, where an await could be interrupted and leak the registration.
        subscriptions = self._subscriptions.get(subscription.channel)
        if subscriptions is None:
            return
        subscriptions.discard(subscription)
        if not subscriptions:
            del self._subscriptions[subscription.channel]
            self._wakeup.set()

    async def _wait_until_listening(self, channel: str) -> None:
        if channel in self._listening:
            return
        waiter = self.loop.create_future()
        self._waiters.setdefault(channel, []).append(waiter)
        try:
            await asyncio.wait_for(waiter, LISTEN_READY_TIMEOUT_S)
        except TimeoutError:
            logger.warning(
                "The live listener is not listening on %s after %.0f s; events may be missed until it reconnects",
                channel,
                LISTEN_READY_TIMEOUT_S,
            )
        finally:
            waiters = self._waiters.get(channel, [])
            if waiter in waiters:
                waiters.remove(waiter)
            if not waiters:
                self._waiters.pop(channel, None)

    # -- the reader task --------------------------------------------------

    async def close(self) -> None:
        """Stop the reader and close its connection (tests and shutdown)."""
        if self._reader is not None:
            self._reader.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._reader
            self._reader = None

    async def _run(self) -> None:
        delay_s = RECONNECT_INITIAL_DELAY_S
        while True:
            try:
                connection = await psycopg.AsyncConnection.connect(
                    self.conninfo, autocommit=True, application_name=LISTENER_APPLICATION_NAME
                )
            except psycopg.Error as error:
                logger.warning("Live listener cannot connect to PostgreSQL (retry in %.1f s): %s", delay_s, error)
                await asyncio.sleep(delay_s)
                delay_s = min(delay_s * 2, RECONNECT_MAX_DELAY_S)
                continue

            self._connection = connection
            self.connected = True
            self.connections_made += 1
            if self.connections_made > 1:
                logger.info("Live listener reconnected to PostgreSQL")
            delay_s = RECONNECT_INITIAL_DELAY_S
            try:
                await self._serve(connection)
            except psycopg.Error as error:
                logger.warning("Live listener lost its PostgreSQL connection, reconnecting: %s", error)
            except Exception:  # noqa: BLE001 - the reader must survive its own bugs and keep serving
                logger.exception("Live listener failed, reconnecting in %.0f s", RECONNECT_MAX_DELAY_S)
                await asyncio.sleep(RECONNECT_MAX_DELAY_S)
            finally:
                self.connected = False
                self._connection = None
                self._listening.clear()
                with contextlib.suppress(Exception):
                    await connection.close()

    async def _serve(self, connection: psycopg.AsyncConnection) -> None:
        while True:
            # Clear before reconciling: a subscriber that registers while a
            # LISTEN is in flight sets the event again and is served next turn.
            self._wakeup.clear()
            await self._reconcile(connection)
            await self._read_until_woken(connection)

    async def _reconcile(self, connection: psycopg.AsyncConnection) -> None:
        """LISTEN to every channel with subscribers and UNLISTEN from the rest."""
        subscribed = set(self._subscriptions)
        for channel in sorted(subscribed - self._listening):
            await connection.execute(sql.SQL("LISTEN {}").format(sql.Identifier(channel)))
            self._listening.add(channel)
        for channel in sorted(self._listening - subscribed):
            # Forget the channel before the await, so a subscriber that arrives
            # meanwhile waits for the next LISTEN instead of trusting this one.
            self._listening.discard(channel)
            await connection.execute(sql.SQL("UNLISTEN {}").format(sql.Identifier(channel)))
        for channel in list(self._waiters):
            if channel in self._listening:
                for waiter in self._waiters.pop(channel):
                    if not waiter.done():
                        waiter.set_result(None)

    async def _read_until_woken(self, connection: psycopg.AsyncConnection) -> None:
        """Dispatch notifications until a subscriber wakes the reader or the health check is due."""
        reading = asyncio.create_task(self._read(connection))
        woken = asyncio.create_task(self._wakeup.wait())
        try:
            await asyncio.wait({reading, woken}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            # Cancelling `notifies()` loses nothing: it can only be interrupted
            # while it waits for the socket, before it consumes any input.
            for task in (reading, woken):
                task.cancel()
            for task in (reading, woken):
                with contextlib.suppress(asyncio.CancelledError):
                    await task

    async def _read(self, connection: psycopg.AsyncConnection) -> None:
        async for notification in connection.notifies(timeout=HEALTH_CHECK_INTERVAL_S):
            self._dispatch(notification.channel, notification.payload)
        # Shielded, so a wake-up never cancels a query in flight; the next
        # LISTEN waits for the connection lock until it has finished.
        await asyncio.shield(connection.execute("SELECT 1"))

    def _dispatch(self, channel: str, payload: str) -> None:
        subscriptions = self._subscriptions.get(channel)
        if not subscriptions:
            return
        schema_name = next(iter(subscriptions)).schema_name
        try:
            event = parse_event(schema_name, json.loads(payload))
        except (ValueError, KeyError, TypeError) as error:
            logger.warning("Ignoring an invalid notification on %s: %s", channel, error)
            return
        if event is None:
            return
        for subscription in subscriptions:
            if event.kind in subscription.kinds:
                subscription.offer(event)


_hub: NotificationHub | None = None


LIBPQ_OPTIONS = ("sslmode", "sslrootcert", "sslcert", "sslkey", "connect_timeout")
"""Entries of the database OPTIONS setting that the listening connection takes over."""


def listener_conninfo() -> str:
    """Return the connection string of Django's default database, for the listening connection."""
    settings_dict = connections["default"].settings_dict
    parameters = {
        "dbname": settings_dict["NAME"],
        "user": settings_dict.get("USER") or None,
        "password": settings_dict.get("PASSWORD") or None,
        "host": settings_dict.get("HOST") or None,
        "port": str(settings_dict["PORT"]) if settings_dict.get("PORT") else None,
        "connect_timeout": "10",
    }
    options = settings_dict.get("OPTIONS") or {}
    parameters.update({key: str(options[key]) for key in LIBPQ_OPTIONS if key in options})
    return psycopg.conninfo.make_conninfo(**{key: value for key, value in parameters.items() if value is not None})


def get_hub() -> NotificationHub:
    """Return the process's hub, creating it on first use in the running event loop."""
    global _hub
    loop = asyncio.get_running_loop()
    if _hub is None or _hub.loop is not loop:
        _hub = NotificationHub(listener_conninfo())
    return _hub
