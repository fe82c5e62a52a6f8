"""The `conversation` and `conversations` queries."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import strawberry
from django.db.models import F, Q, QuerySet
from strawberry.types import Info

from api.errors import NotFoundError, ScopeMissingError
from api.permissions import missing_scope
from api.read.errors import ArgumentRejected, ReadArgumentError, ReadErrorCode, argument_error
from api.read.filters import ORDER_KEYS, ConversationFilter, ConversationOrder, apply_conversation_filter
from api.read.loading import conversations_queryset, selected_names
from api.read.pagination import DEFAULT_PAGE_SIZE, check_page_size, decode_cursor, encode_cursor
from api.read.types import ConversationType
from conversations.models import Conversation
from tenants.context import run_in_schema


@strawberry.type(name="ConversationEdge", description="One conversation in a page, with its cursor.")
class ConversationEdge:
    node: ConversationType = strawberry.field(description="The conversation.")
    cursor: str = strawberry.field(description="Opaque cursor; pass it as `after` to continue after this item.")


@strawberry.type(description="Where a page sits in the whole list.")
class PageInfo:
    has_next_page: bool = strawberry.field(description="True when more items follow this page.")
    end_cursor: str | None = strawberry.field(description="Cursor of the last item; null on an empty page.")


@strawberry.type(description="A page of conversations (Relay-style connection).")
class ConversationConnection:
    edges: list[ConversationEdge] = strawberry.field(description="The conversations of this page, in order.")
    page_info: PageInfo = strawberry.field(description="Paging state.")
    total_count: int | None = strawberry.field(
        description="Number of conversations matching the filter; computed only when `withTotalCount` is true."
    )


ConversationResult = Annotated[
    ConversationType | NotFoundError | ScopeMissingError | ReadArgumentError,
    strawberry.union("ConversationResult", description="A conversation, or why it cannot be returned."),
]
ConversationsResult = Annotated[
    ConversationConnection | ScopeMissingError | ReadArgumentError,
    strawberry.union("ConversationsResult", description="A page of conversations, or why it cannot be returned."),
]


def _cursor_value(value):
    return value.isoformat() if isinstance(value, datetime) else value


def _parse_cursor_value(key_path: str, value):
    """Return the cursor's sort value as the key's type; raise ArgumentRejected when it does not fit."""
    if value is None:
        return None
    if key_path.endswith("overall"):
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return value
    elif isinstance(value, str):
        try:
            return datetime.fromisoformat(value)
        except ValueError:
            pass
    raise ArgumentRejected(
        argument_error(
            "after", "The cursor is not valid. Pass an `endCursor` from a previous page.", ReadErrorCode.INVALID_CURSOR
        )
    )


NULLABLE_KEYS = {"started_at", "latest_score__overall"}


def _keyset_rows(queryset: QuerySet, key_path: str, descending: bool, after, limit: int) -> list[tuple[int, object]]:
    """Return up to `limit` (id, sort value) pairs after the cursor, rows without a sort value last.

    Rows with a value and rows without one are read by separate queries. That keeps the first
    ORDER BY free of NULLS LAST, so PostgreSQL can walk the (started_at, id) index backwards
    for the default newest-first order instead of sorting every match.
    """
    beyond = "lt" if descending else "gt"
    after_value, after_id = after if after is not None else (None, None)
    rows: list[tuple[int, object]] = []
    if after_id is None or after_value is not None:
        with_value = queryset.filter(**{f"{key_path}__isnull": False})
        if after_id is not None:
            # The redundant `<=` / `>=` bound gives the planner an index condition the OR alone does not.
            with_value = with_value.filter(
                Q(**{f"{key_path}__{beyond}e": after_value})
                & (Q(**{f"{key_path}__{beyond}": after_value}) | Q(**{key_path: after_value, f"id__{beyond}": after_id}))
            )
        ordering = (F(key_path).desc(), "-id") if descending else (F(key_path).asc(), "id")
        rows = list(with_value.order_by(*ordering).values_list("id", key_path)[:limit])
    if len(rows) < limit and key_path in NULLABLE_KEYS:
        without_value = queryset.filter(**{f"{key_path}__isnull": True})
        if after_id is not None and after_value is None:
            without_value = without_value.filter(**{f"id__{beyond}": after_id})
        remaining = limit - len(rows)
        rows += list(without_value.order_by("-id" if descending else "id").values_list("id", key_path)[:remaining])
    return rows


def page_conversations(
    names: set[str],
    filter_value: ConversationFilter | None,
    order: ConversationOrder,
    first: int,
    after: str | None,
    with_total_count: bool,
) -> ConversationConnection:
    """Load one keyset page in the current schema; raise ArgumentRejected for invalid arguments.

    Runs one or two keyset queries for ids, one for the rows and one per prefetched relation.
    """
    check_page_size(first)
    key_path, descending = ORDER_KEYS[order]
    matching: QuerySet = apply_conversation_filter(Conversation.objects.all(), filter_value)
    total = matching.count() if with_total_count else None
    cursor = None
    if after:
        value, row_id = decode_cursor(after, order.value)
        cursor = (_parse_cursor_value(key_path, value), row_id)
    keys = _keyset_rows(matching, key_path, descending, cursor, first + 1)
    has_next = len(keys) > first
    keys = keys[:first]
    loaded = {row.pk: row for row in conversations_queryset(names).filter(pk__in=[pk for pk, _ in keys]).order_by()}
    edges = [
        ConversationEdge(
            node=ConversationType.from_model(loaded[pk]),
            cursor=encode_cursor(order.value, _cursor_value(sort_value), pk),
        )
        for pk, sort_value in keys
        if pk in loaded
    ]
    return ConversationConnection(
        edges=edges,
        page_info=PageInfo(has_next_page=has_next, end_cursor=edges[-1].cursor if edges else None),
        total_count=total,
    )


def load_conversation(names: set[str], conversation_id: str | None, external_id: str | None):
    queryset = conversations_queryset(names)
    if conversation_id is not None:
        if not conversation_id.isdigit():
            return None
        return queryset.filter(pk=int(conversation_id)).first()
    return queryset.filter(external_id=external_id).first()


@strawberry.type
class ConversationQueries:
    @strawberry.field(
        description=(
            "One conversation by `id` or `externalId` (give exactly one), with transcript, sentiment, latest "
            "score and its signals, score history, CSAT and QA reviews. Needs the `read` scope. Another "
            "workspace's conversation is not found."
        )
    )
    async def conversation(
        self,
        info: Info,
        id: Annotated[strawberry.ID | None, strawberry.argument(description="The conversation's id.")] = None,
        external_id: Annotated[str | None, strawberry.argument(description="The support platform's id.")] = None,
    ) -> ConversationResult:
        if error := missing_scope(info, "read"):
            return error
        if (id is None) == (external_id is None):
            return argument_error("id", "Give exactly one of `id` and `externalId`.")
        names = selected_names(info.selected_fields)
        row = await run_in_schema(info.context.schema_name, load_conversation, names, id, external_id)
        if row is None:
            looked_up = id if id is not None else external_id
            return NotFoundError(
                message=f"No conversation with {'id' if id is not None else 'external id'} '{looked_up}' "
                "exists in this workspace.",
                id=looked_up,
            )
        return ConversationType.from_model(row)

    @strawberry.field(
        description=(
            "A page of conversations matching `filter`, sorted by `orderBy`, with keyset cursors. "
            "Needs the `read` scope."
        )
    )
    async def conversations(
        self,
        info: Info,
        filter: Annotated[ConversationFilter | None, strawberry.argument(description="Conditions to match.")] = None,
        order_by: Annotated[ConversationOrder, strawberry.argument(description="Sort order.")] = ConversationOrder.STARTED_AT_DESC,
        first: Annotated[int, strawberry.argument(description="Page size, at most 100.")] = DEFAULT_PAGE_SIZE,
        after: Annotated[str | None, strawberry.argument(description="`endCursor` of the previous page.")] = None,
        with_total_count: Annotated[bool, strawberry.argument(description="Also count all matches (one more query); fills `totalCount`.")] = False,
    ) -> ConversationsResult:
        if error := missing_scope(info, "read"):
            return error
        names = selected_names(info.selected_fields)
        try:
            return await run_in_schema(
                info.context.schema_name, page_conversations, names, filter, order_by, first, after, with_total_count
            )
        except ArgumentRejected as rejected:
            return rejected.error
