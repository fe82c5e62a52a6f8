"""Event receivers that keep the trends rollup in step with conversations and scores.

Both run inside the sender's transaction, so the rollup commits or rolls
back together with the change that moved it.
"""

from __future__ import annotations

from scoring.events import conversations_changed, score_stored
from tenants.context import call_in_schema

from analytics.rollup import refresh_conversations


def on_score_stored(sender, schema_name: str, conversation_id: int, **kwargs) -> None:
    call_in_schema(schema_name, refresh_conversations, [conversation_id])


def on_conversations_changed(sender, schema_name: str, conversation_ids, **kwargs) -> None:
    call_in_schema(schema_name, refresh_conversations, list(conversation_ids))


def connect() -> None:
    score_stored.connect(on_score_stored, dispatch_uid="analytics.rollup.score_stored")
    conversations_changed.connect(on_conversations_changed, dispatch_uid="analytics.rollup.conversations_changed")
