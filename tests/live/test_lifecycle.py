"""Subscriptions leave nothing behind: abrupt disconnects and `complete` messages, counted inside the server.

These tests run uvicorn in a thread of the test process, with its own event
loop, so they can read the hub's registrations and the loop's tasks. The
websockets are still real TCP connections on loopback.
"""

from __future__ import annotations

import asyncio
import threading
import time

import pytest
import uvicorn

from tests.live.support import SCORE_UPDATED, LiveClient, free_port, in_thread, probe_external_id, store_score

pytestmark = pytest.mark.usefixtures("committed_rows")

ABRUPT_CLIENTS = 200
SETTLE_DEADLINE_S = 30.0


class ThreadServer:
    """uvicorn serving config.asgi in a background thread, with a way to run code on its loop."""

    def __init__(self):
        from config.asgi import application

        self.port = free_port()
        config = uvicorn.Config(
            application, host="127.0.0.1", port=self.port, lifespan="off", loop="asyncio", log_level="warning"
        )
        self.server = uvicorn.Server(config)
        self.loop: asyncio.AbstractEventLoop | None = None
        self._started = threading.Event()
        self.thread = threading.Thread(target=self._run, name="live-test-uvicorn", daemon=True)

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/graphql"

    def _run(self) -> None:
        async def serve():
            self.loop = asyncio.get_running_loop()
            self._started.set()
            await self.server.serve()

        asyncio.run(serve())

    def start(self) -> None:
        self.thread.start()
        self._started.wait(10)
        deadline = time.monotonic() + 30
        while not self.server.started and time.monotonic() < deadline:
            time.sleep(0.05)
        if not self.server.started:
            raise RuntimeError("The in-process uvicorn server did not start listening within 30 s")

    def stop(self) -> None:
        asyncio.run_coroutine_threadsafe(self._release_database(), self.loop).result(15)
        self.server.should_exit = True
        self.thread.join(15)

    async def _release_database(self) -> None:
        """Close the listener and the shared worker thread's connection, so the test database can be dropped."""
        from asgiref.sync import sync_to_async
        from django.db import connections

        from live import listener

        if listener._hub is not None:
            await listener._hub.close()
        await sync_to_async(connections.close_all, thread_sensitive=True)()

    async def state(self) -> dict:
        """Return the hub's registrations, listened channels and the server loop's task count."""

        async def read() -> dict:
            from live import listener

            hub = listener._hub
            return {
                "registrations": hub.registration_count() if hub else 0,
                "channels": hub.listening_channels() if hub else set(),
                "tasks": len(asyncio.all_tasks()),
            }

        return await asyncio.wrap_future(asyncio.run_coroutine_threadsafe(read(), self.loop))

    async def wait_for(self, predicate) -> dict:
        """Poll the server state until `predicate(state)` holds; return the last state either way."""
        loop = asyncio.get_running_loop()
        end = loop.time() + SETTLE_DEADLINE_S
        state = await self.state()
        while not predicate(state) and loop.time() < end:
            await asyncio.sleep(0.05)
            state = await self.state()
        return state


@pytest.fixture(scope="module")
def thread_server(django_db_setup, workspaces):
    server = ThreadServer()
    server.start()
    yield server
    server.stop()
    from django.db import connection

    if getattr(connection, "pool", None) is not None:
        connection.close_pool()


async def live_client(server: ThreadServer, secret: str, operation_ids=("s",)) -> LiveClient:
    client = LiveClient(server.url)
    await client.connect(secret)
    for operation_id in operation_ids:
        await client.subscribe(operation_id, SCORE_UPDATED)
    return client


async def test_abrupt_disconnects_leave_nothing_behind(thread_server, acme):
    anchor = await live_client(thread_server, acme.keys["read"])
    await anchor.wait_until_live("s", lambda: store_score("acme", probe_external_id()))
    before = await thread_server.wait_for(lambda state: state["registrations"] == 1)

    clients = []
    for _ in range(ABRUPT_CLIENTS):
        clients.append(await live_client(thread_server, acme.keys["read"], operation_ids=("a", "b")))
    during = await thread_server.wait_for(lambda state: state["registrations"] == 1 + 2 * ABRUPT_CLIENTS)
    for client in clients:
        client.abort()
    after = await thread_server.wait_for(
        lambda state: state["registrations"] == before["registrations"] and state["tasks"] <= before["tasks"]
    )

    assert during["registrations"] == 1 + 2 * ABRUPT_CLIENTS
    assert after["registrations"] == before["registrations"]
    assert after["tasks"] == before["tasks"]
    assert after["channels"] == before["channels"] == {"aixs_acme"}
    await anchor.close()


async def test_last_subscriber_leaving_unlistens(thread_server, globex):
    client = await live_client(thread_server, globex.keys["read"])
    await client.wait_until_live("s", lambda: store_score("globex", probe_external_id()))
    listening = await thread_server.state()

    await client.close()
    after = await thread_server.wait_for(lambda state: "aixs_globex" not in state["channels"])

    assert "aixs_globex" in listening["channels"]
    assert "aixs_globex" not in after["channels"]


async def test_complete_ends_only_that_subscription(thread_server, acme):
    client = await live_client(thread_server, acme.keys["read"], operation_ids=("ended", "kept"))
    await client.wait_until_live("kept", lambda: store_score("acme", probe_external_id()))
    both = await thread_server.wait_for(lambda state: state["registrations"] == 2)

    await client.complete("ended")
    one = await thread_server.wait_for(lambda state: state["registrations"] == 1)
    await in_thread(store_score, "acme", "live-kept-1")

    assert both["registrations"] == 2
    assert one["registrations"] == 1
    assert (await client.next_update("kept"))["externalId"] == "live-kept-1"
    await client.close()
