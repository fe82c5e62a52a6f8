"""Storing ingested conversations. The GraphQL mutation and the import command both call this."""

from __future__ import annotations

import functools
import json
import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from django.db import DatabaseError, connection, transaction
import psycopg
from psycopg import sql

from conversations.models import Conversation, Message, ScoringStatus
from conversations.validation import (
    ErrorCode,
    FieldError,
    ValidConversation,
    max_conversations_per_call,
    validate_conversation,
)
from scoring.events import conversations_changed
from scoring.tasks import enqueue_scoring
from tenants.context import call_in_schema

logger = logging.getLogger(__name__)


class IngestStatus(StrEnum):
    CREATED = "created"
    UPDATED = "updated"
    UNCHANGED = "unchanged"
    FAILED = "failed"


@dataclass
class IngestResult:
    """The outcome for one input item; `index` is its position in the call."""

    index: int
    external_id: str | None
    status: IngestStatus
    conversation_id: int | None = None
    errors: list[FieldError] = field(default_factory=list)
    # An unchanged conversation that was never scored, e.g. because the broker
    # was down when it was first sent: a re-send queues it again.
    needs_scoring: bool = False


class TooManyConversations(ValueError):
    """A call carried more conversations than INGEST_MAX_CONVERSATIONS_PER_CALL allows; nothing was stored."""

    def __init__(self, received: int, limit: int):
        self.received = received
        self.limit = limit
        super().__init__(
            f"The call contains {received} conversations; the maximum is {limit} per call "
            "(setting INGEST_MAX_CONVERSATIONS_PER_CALL). Split it into smaller batches."
        )


def ingest_conversations(schema_name: str | None, items: Sequence[Any]) -> list[IngestResult]:
    """Validate and store conversations in a workspace, in one transaction.

    `schema_name` selects the workspace; None uses the schema the current
    connection is on (never public). `items` are dicts in the ingest JSON shape
    or already validated `ValidConversation` objects. Returns one result per
    item, in input order. Valid items are stored even when others fail, and
    each item is stored whole or not at all. Scoring is enqueued after commit
    for created and updated conversations only.

    Raises TooManyConversations, before touching the database, when `items` is
    over the per-call limit.
    """
    limit = max_conversations_per_call()
    if len(items) > limit:
        raise TooManyConversations(len(items), limit)
    if schema_name is None:
        return _ingest_in_current_schema(items)
    return call_in_schema(schema_name, _ingest_in_current_schema, items)


def _ingest_in_current_schema(items: Sequence[Any]) -> list[IngestResult]:
    schema_name = connection.schema_name
    if not schema_name or schema_name == "public":
        raise ValueError("Conversations must be ingested into a workspace schema, not public.")
    started = time.perf_counter()

    results: list[IngestResult | None] = [None] * len(items)
    valid: list[tuple[int, ValidConversation]] = []
    for index, item in enumerate(items):
        outcome = item if isinstance(item, ValidConversation) else validate_conversation(item)
        if isinstance(outcome, ValidConversation):
            valid.append((index, outcome))
        else:
            results[index] = IngestResult(index, _raw_external_id(item), IngestStatus.FAILED, errors=outcome)

    with transaction.atomic():
        for wave in _waves(valid):
            for result in _store_wave(wave):
                results[result.index] = result
        changed_ids = list(
            dict.fromkeys(
                result.conversation_id
                for result in results
                if result.status in (IngestStatus.CREATED, IngestStatus.UPDATED)
            )
        )
        if changed_ids:
            conversations_changed.send(sender=Conversation, schema_name=schema_name, conversation_ids=changed_ids)
        unscored_ids = [result.conversation_id for result in results if result is not None and result.needs_scoring]
        to_score = changed_ids + [conversation_id for conversation_id in unscored_ids if conversation_id not in changed_ids]
        if to_score:
            # Workers must not see ids before the rows are committed, so enqueue only after commit.
            # robust=True: a broker outage is logged and leaves the rows stored and pending;
            # sending them again queues them again.
            transaction.on_commit(lambda: enqueue_scoring(schema_name, to_score), robust=True)

    counts = {status: 0 for status in IngestStatus}
    for result in results:
        counts[result.status] += 1
    logger.info(
        "Ingested %d conversations into %s in %.0f ms: %d created, %d updated, %d unchanged, %d failed",
        len(items),
        schema_name,
        (time.perf_counter() - started) * 1000,
        counts[IngestStatus.CREATED],
        counts[IngestStatus.UPDATED],
        counts[IngestStatus.UNCHANGED],
        counts[IngestStatus.FAILED],
    )
    return results  # type: ignore[return-value]  # every slot is filled above


def _raw_external_id(item: Any) -> str | None:
    value = item.get("externalId") if isinstance(item, dict) else None
    return value if isinstance(value, str) else None


def _waves(valid: list[tuple[int, ValidConversation]]) -> list[list[tuple[int, ValidConversation]]]:
    """Split items so that no external id repeats within a wave.

    One INSERT ... ON CONFLICT statement cannot touch the same row twice, so
    the second send of an external id in the same call goes into the next
    wave. Waves run in order, so a later item wins, as if sent in a later call.
    """
    waves: list[list[tuple[int, ValidConversation]]] = []
    seen: dict[str, int] = {}
    for index, conversation in valid:
        wave_number = seen.get(conversation.external_id, 0)
        seen[conversation.external_id] = wave_number + 1
        if wave_number == len(waves):
            waves.append([])
        waves[wave_number].append((index, conversation))
    return waves


# The upsert and COPY run on the raw psycopg cursor, which raises psycopg's errors, not Django's.
_DATABASE_ERRORS = (DatabaseError, psycopg.Error)


def _store_wave(wave: list[tuple[int, ValidConversation]]) -> list[IngestResult]:
    """Store a wave in one bulk pass; if the database rejects it, retry item by item.

    Validation should leave nothing for the database to reject, so the
    fallback is a safety net: each retried item gets its own savepoint, so a
    rejected item leaves no rows behind and the others are still stored.
    """
    try:
        with transaction.atomic():
            return _store_bulk(wave)
    except _DATABASE_ERRORS as error:
        logger.warning("Bulk ingest of %d conversations failed, retrying one by one: %s", len(wave), error)

    results = []
    for index, conversation in wave:
        try:
            with transaction.atomic():
                results.extend(_store_bulk([(index, conversation)]))
        except _DATABASE_ERRORS as error:
            logger.warning("Database rejected conversation %r: %s", conversation.external_id, error)
            reason = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
            results.append(
                IngestResult(
                    index,
                    conversation.external_id,
                    IngestStatus.FAILED,
                    errors=[
                        FieldError(
                            ErrorCode.DATABASE_ERROR,
                            [],
                            f"The database rejected this conversation: {reason}. Nothing of it was stored.",
                        )
                    ],
                )
            )
    return results


# Columns the upsert takes from the input, with the PostgreSQL array type each is sent as.
# tags and metadata travel as JSON text because unnest() cannot take a ragged 2-D array.
_INPUT_COLUMNS = (
    ("external_id", "text[]"),
    ("channel", "text[]"),
    ("ai_agent", "text[]"),
    ("started_at", "timestamptz[]"),
    ("ended_at", "timestamptz[]"),
    ("customer_ref", "text[]"),
    ("language", "text[]"),
    ("tags", "jsonb[]"),
    ("metadata", "jsonb[]"),
    ("outcome_hint", "text[]"),
    ("message_count", "integer[]"),
    ("content_hash", "text[]"),
    ("csat_rating", "double precision[]"),
    ("csat_scale", "integer[]"),
    ("csat_comment", "text[]"),
    ("csat_submitted_at", "timestamptz[]"),
)
_MESSAGE_COLUMNS = ("conversation_id", "position", "role", "text", "sent_at", "external_id")


def _input_arrays(conversations: list[ValidConversation]) -> list[list]:
    """Return one list per entry of _INPUT_COLUMNS, each with a value per conversation."""
    rows = []
    for conversation in conversations:
        csat = conversation.csat
        rows.append(
            (
                conversation.external_id,
                conversation.channel.value,
                conversation.ai_agent,
                conversation.started_at,
                conversation.ended_at,
                conversation.customer_ref,
                conversation.language,
                json.dumps(conversation.tags),
                json.dumps(conversation.metadata),
                conversation.outcome_hint.value if conversation.outcome_hint else "",
                len(conversation.messages),
                conversation.content_hash,
                csat.rating if csat else None,
                csat.scale if csat else None,
                csat.comment if csat else "",
                csat.submitted_at if csat else None,
            )
        )
    return [list(column) for column in zip(*rows, strict=True)]


@functools.cache
def _upsert_statement(table_name: str) -> sql.Composed:
    """Build the batch upsert; its parameters are the lists from _input_arrays.

    The unique index on external_id arbitrates concurrent sends: a second
    transaction inserting the same id waits for the first, then takes the
    ON CONFLICT branch. The WHERE clause skips rows whose content_hash is
    unchanged, so RETURNING lists only inserted or changed rows, and
    `xmax = 0` distinguishes an insert from an update. Rows go in external_id order,
    so concurrent calls with overlapping ids lock those rows in the same order
    instead of deadlocking on each other.
    """
    table = sql.Identifier(table_name)
    names = [name for name, _ in _INPUT_COLUMNS]
    selected = [
        sql.SQL("ARRAY(SELECT jsonb_array_elements_text(input.tags))::varchar(100)[]")
        if name == "tags"
        else sql.SQL("input.{}").format(sql.Identifier(name))
        for name in names
    ]
    return sql.SQL(
        "INSERT INTO {table} ({columns}, scoring_status, scoring_error, scoring_failed_at, created_at, updated_at) "
        "SELECT {selected}, {pending}, '', NULL, now(), now() "
        "FROM unnest({arrays}) AS input({columns}) "
        "ORDER BY input.external_id "
        "ON CONFLICT (external_id) DO UPDATE SET {updates}, scoring_status = EXCLUDED.scoring_status, "
        "scoring_error = '', scoring_failed_at = NULL, updated_at = now() "
        "WHERE {table}.content_hash IS DISTINCT FROM EXCLUDED.content_hash "
        "RETURNING id, external_id, (xmax = 0) AS inserted"
    ).format(
        table=table,
        columns=sql.SQL(", ").join(sql.Identifier(name) for name in names),
        selected=sql.SQL(", ").join(selected),
        pending=sql.Literal(ScoringStatus.PENDING.value),
        arrays=sql.SQL(", ").join(
            sql.SQL("{}::{}").format(sql.Placeholder(), sql.SQL(array_type)) for _, array_type in _INPUT_COLUMNS
        ),
        updates=sql.SQL(", ").join(
            sql.SQL("{name} = EXCLUDED.{name}").format(name=sql.Identifier(name))
            for name in names
            if name != "external_id"
        ),
    )


def _store_bulk(items: list[tuple[int, ValidConversation]]) -> list[IngestResult]:
    """Upsert the conversations of `items` (distinct external ids) and replace the messages of changed ones."""
    params = _input_arrays([conversation for _, conversation in items])

    with connection.cursor() as django_cursor:
        # Django's cursor() has set the workspace's search_path; the raw psycopg cursor runs in it.
        cursor = django_cursor.cursor
        cursor.execute(_upsert_statement(Conversation._meta.db_table), params)
        changed = {external_id: (conversation_id, inserted) for conversation_id, external_id, inserted in cursor}

        unchanged_ids: dict[str, int] = {}
        unscored: set[str] = set()
        missing = [conversation.external_id for _, conversation in items if conversation.external_id not in changed]
        if missing:
            cursor.execute(
                sql.SQL(
                    "SELECT external_id, id, scoring_status = 'pending' AND latest_score_id IS NULL "
                    "FROM {} WHERE external_id = ANY(%s)"
                ).format(sql.Identifier(Conversation._meta.db_table)),
                [missing],
            )
            for external_id, conversation_id, never_scored in cursor.fetchall():
                unchanged_ids[external_id] = conversation_id
                if never_scored:
                    unscored.add(external_id)

        updated_ids = [conversation_id for conversation_id, inserted in changed.values() if not inserted]
        if updated_ids:
            # The ORM delete also removes rows that reference messages (per-message sentiments).
            Message.objects.filter(conversation_id__in=updated_ids).delete()

        copy_statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
            sql.Identifier(Message._meta.db_table),
            sql.SQL(", ").join(sql.Identifier(column) for column in _MESSAGE_COLUMNS),
        )
        with cursor.copy(copy_statement) as copy:
            for _, conversation in items:
                if conversation.external_id not in changed:
                    continue
                conversation_id = changed[conversation.external_id][0]
                for position, message in enumerate(conversation.messages):
                    copy.write_row(
                        (conversation_id, position, message.role.value, message.text, message.sent_at, message.external_id)
                    )

    results = []
    for index, conversation in items:
        if conversation.external_id in changed:
            conversation_id, inserted = changed[conversation.external_id]
            status = IngestStatus.CREATED if inserted else IngestStatus.UPDATED
        else:
            conversation_id = unchanged_ids[conversation.external_id]
            status = IngestStatus.UNCHANGED
        results.append(
            IngestResult(
                index,
                conversation.external_id,
                status,
                conversation_id,
                needs_scoring=conversation.external_id in unscored,
            )
        )
    return results
