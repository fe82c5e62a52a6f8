"""The sending side: scoring events become PostgreSQL notifications at commit."""

from __future__ import annotations

import json

import psycopg
import pytest
from django.db import transaction

from live.listener import listener_conninfo
from live.notify import channel_name, notify
from scoring import events
from tenants.context import call_in_schema
from tests.live.support import call_in_thread, store_score


class RolledBack(Exception):
    pass


def test_channel_is_per_workspace():
    assert channel_name("acme") == "aixs_acme"
    assert channel_name("globex") == "aixs_globex"
    with pytest.raises(ValueError):
        channel_name("public")


def test_notification_leaves_only_at_commit(committed_rows, acme):
    with psycopg.connect(listener_conninfo(), autocommit=True) as listener:
        listener.execute(psycopg.sql.SQL("LISTEN {}").format(psycopg.sql.Identifier("aixs_acme")))

        def send_then_roll_back():
            with transaction.atomic():
                events.score_stored.send(
                    sender=None, schema_name="acme", conversation_id=-1, score_id=-1, previous_score_id=None
                )
                raise RolledBack

        with pytest.raises(RolledBack):
            call_in_thread(call_in_schema, "acme", send_then_roll_back)
        stored = call_in_thread(store_score, "acme", "live-notify-1")

        received = list(listener.notifies(timeout=10, stop_after=1))

    assert len(received) == 1
    assert received[0].channel == "aixs_acme"
    assert json.loads(received[0].payload) == {
        "kind": "score_stored",
        "conversation_id": stored.conversation_id,
        "score_id": stored.score_id,
        "previous_score_id": None,
    }


def test_rescore_progress_notifies_run_id(committed_rows, globex):
    with psycopg.connect(listener_conninfo(), autocommit=True) as listener:
        listener.execute(psycopg.sql.SQL("LISTEN {}").format(psycopg.sql.Identifier("aixs_globex")))

        call_in_thread(
            call_in_schema,
            "globex",
            lambda: events.rescore_progress.send(sender=None, schema_name="globex", run_id=42),
        )

        received = list(listener.notifies(timeout=10, stop_after=1))

    assert [json.loads(item.payload) for item in received] == [{"kind": "rescore_progress", "run_id": 42}]


def test_payload_holds_ids_only(committed_rows, acme):
    with psycopg.connect(listener_conninfo(), autocommit=True) as listener:
        listener.execute(psycopg.sql.SQL("LISTEN {}").format(psycopg.sql.Identifier("aixs_acme")))

        stored = call_in_thread(store_score, "acme", "live-notify-" + "x" * 150)

        received = list(listener.notifies(timeout=10, stop_after=1))

    payload = json.loads(received[0].payload)
    assert stored.external_id not in received[0].payload
    assert set(payload) == {"kind", "conversation_id", "score_id", "previous_score_id"}


def test_notify_rejects_public_schema(committed_rows):
    with pytest.raises(ValueError):
        notify("public", {"kind": "score_stored"})
