"""In-process events that other parts of the service react to.

Senders call these inside the database transaction that made the change,
so receivers can write in the same transaction (pre-aggregates) or issue
PostgreSQL NOTIFY, which is delivered only when that transaction commits.
"""

from django.dispatch import Signal

# Sent after a Score row is stored and the conversation's latest_score moved.
# Arguments: schema_name: str, conversation_id: int, score_id: int, previous_score_id: int | None
score_stored = Signal()

# Sent after conversations were created or updated by ingestion, or their CSAT changed.
# Arguments: schema_name: str, conversation_ids: list[int]
conversations_changed = Signal()

# Sent when a rescoring run's counts change.
# Arguments: schema_name: str, run_id: int
rescore_progress = Signal()
