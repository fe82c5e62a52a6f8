"""`rescoreProgress` over a real websocket to a uvicorn process."""

from __future__ import annotations

import pytest

from tests.live.support import RESCORE_PROGRESS, create_rescore_run, in_thread, store_rescore_progress

pytestmark = pytest.mark.usefixtures("committed_rows")


def counts(data: dict) -> tuple:
    return data["status"], data["total"], data["done"], data["failed"], data["pending"]


async def test_progress_until_done(uvicorn_server, open_clients, acme):
    run_id = await in_thread(create_rescore_run, "acme", 3)
    client = open_clients(uvicorn_server)
    await client.connect(acme.keys["read"])

    await client.subscribe("r1", RESCORE_PROGRESS, {"runId": str(run_id)})
    initial = await client.next_data("r1")
    await in_thread(store_rescore_progress, "acme", run_id, done=1)
    after_one = await client.next_data("r1")
    await in_thread(store_rescore_progress, "acme", run_id, done=2, failed=1, finished=True)
    final = await client.next_data("r1")
    end = await client.receive("r1")

    assert initial["__typename"] == "RescoreRun"
    assert initial["runId"] == str(run_id)
    assert counts(initial) == ("RUNNING", 3, 0, 0, 3)
    assert counts(after_one) == ("RUNNING", 3, 1, 0, 2)
    assert counts(final) == ("DONE", 3, 2, 1, 0)
    assert end["type"] == "complete"


async def test_other_runs_do_not_emit(uvicorn_server, open_clients, acme):
    watched = await in_thread(create_rescore_run, "acme", 2)
    other = await in_thread(create_rescore_run, "acme", 2)
    client = open_clients(uvicorn_server)
    await client.connect(acme.keys["read"])
    await client.subscribe("r1", RESCORE_PROGRESS, {"runId": str(watched)})
    await client.next_data("r1")

    await in_thread(store_rescore_progress, "acme", other, done=1)
    await in_thread(store_rescore_progress, "acme", watched, done=2, finished=True)
    final = await client.next_data("r1")

    assert final["runId"] == str(watched)
    assert counts(final) == ("DONE", 2, 2, 0, 0)


async def test_unknown_run_is_not_found(uvicorn_server, open_clients, acme, globex):
    globex_run = await in_thread(create_rescore_run, "globex", 1)
    client = open_clients(uvicorn_server)
    await client.connect(acme.keys["read"])

    for operation_id, run_id in [("missing", "999999"), ("not-a-number", "abc"), ("other-workspace", str(globex_run))]:
        await client.subscribe(operation_id, RESCORE_PROGRESS, {"runId": run_id})
        data = await client.next_data(operation_id)
        assert data["__typename"] == "NotFoundError", operation_id
        assert (await client.receive(operation_id))["type"] == "complete"


async def test_rescore_progress_needs_read_or_config_scope(uvicorn_server, open_clients, acme):
    run_id = await in_thread(create_rescore_run, "acme", 1)
    client = open_clients(uvicorn_server)
    await client.connect(acme.keys["ingest"])

    await client.subscribe("r1", RESCORE_PROGRESS, {"runId": str(run_id)})
    data = await client.next_data("r1")

    assert data["__typename"] == "ScopeMissingError"
    assert "'read' or 'config'" in data["message"]
