"""The server's listener reconnects after its PostgreSQL backend is terminated."""

from __future__ import annotations

import pytest
from django.db import connection

from live.listener import LISTENER_APPLICATION_NAME
from tests.live.support import SCORE_UPDATED, in_thread, probe_external_id, store_score

pytestmark = pytest.mark.usefixtures("committed_rows")


def terminate_listener_backends(database_name: str) -> int:
    """Terminate the server's listening connections, as a database restart would; return how many."""
    from django.db import connection as thread_connection

    with thread_connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FILTER (WHERE pg_terminate_backend(pid)) FROM pg_stat_activity "
            "WHERE application_name = %s AND datname = %s",
            [LISTENER_APPLICATION_NAME, database_name],
        )
        return cursor.fetchone()[0]


async def test_subscription_survives_listener_loss(uvicorn_server, open_clients, acme):
    client = open_clients(uvicorn_server)
    await client.connect(acme.keys["read"])
    await client.subscribe("s", SCORE_UPDATED)
    await client.wait_until_live("s", lambda: store_score("acme", probe_external_id()))

    terminated = await in_thread(terminate_listener_backends, connection.settings_dict["NAME"])
    # Scores stored while the listener is away are lost (delivery is at most
    # once), so keep probing until one arrives through the new connection.
    await client.wait_until_live("s", lambda: store_score("acme", probe_external_id()))
    await in_thread(store_score, "acme", "live-after-reconnect")

    assert terminated == 1
    assert (await client.next_update("s"))["externalId"] == "live-after-reconnect"
