"""Dramatiq actors for scoring. (Stub until the job pipeline lands.)"""

from __future__ import annotations


def enqueue_scoring(schema_name: str, conversation_ids: list[int]) -> None:
    """Enqueue scoring of these conversations. Call it from `transaction.on_commit`."""
