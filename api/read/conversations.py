"""The `conversation` and `conversations` queries."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import strawberry
from django.db.models import F, Q, QuerySet
from strawberry.types import Info

from api.errors import NotFoundError, ScopeMissingError
from api.permissions import missing_scope
from api.read.errors import ArgumentRejected, ReadArgumentError, argument_error
from api.read.filters import ORDER_KEYS, ConversationFilter, ConversationOrder, apply_conversation_filter
from api.read.loading import conversations_queryset, selected_names
from api.read.pagination import DEFAULT_PAGE_SIZE, check_page_size, decode_cursor, encode_cursor
from api.read.types import ConversationType
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
    if value is None or key_path.endswith("overall"):
        return value
    try:
        return datetime.fromisoformat(value)
    except (TypeError, ValueError):
        raise ArgumentRejected(argument_error("after", "The cursor is not valid. Pass an `endCursor` from a previous page."))


def _after_condition(key_path: str, descending: bool, value, row_id: int) -> Q:
    """Rows after (value, id) in ORDER BY key [DESC] NULLS LAST, id [DESC]."""
    beyond = "lt" if descending else "gt"
    if value is None:
        return Q(**{f"{key_path}__isnull": True, f"id__{beyond}": row_id})
    return (
        Q(**{f"{key_path}__{beyond}": value})
        | Q(**{key_path: value, f"id__{beyond}": row_id})
        | Q(**{f"{key_path}__isnull": True})
    )


def page_conversations(
    names: set[str],
    filter_value: ConversationFilter | None,
    order: ConversationOrder,
    first: int,
    after: str | None,
    with_total_count: bool,
) -> ConversationConnection:
    """Load one keyset page in the current schema; raise ArgumentRejected for invalid arguments."""
    check_page_size(first)
    key_path, descending = ORDER_KEYS[order]
    queryset: QuerySet = apply_conversation_filter(conversations_queryset(names), filter_value)
    total = queryset.count() if with_total_count else None
    if after:
        value, row_id = decode_cursor(after, order.value)
        value = _parse_cursor_value(key_path, value)
        queryset = queryset.filter(_after_condition(key_path, descending, value, row_id))
    key = F(key_path)
    ordering = (key.desc(nulls_last=True), "-id") if descending else (key.asc(nulls_last=True), "id")
    rows = list(queryset.order_by(*ordering)[: first + 1])
    has_next = len(rows) > first
    rows = rows[:first]
    edges = []
    for row in rows:
        sort_value = _sort_value(row, key_path)
        edges.append(
            ConversationEdge(
                node=ConversationType.from_model(row), cursor=encode_cursor(order.value, _cursor_value(sort_value), row.pk)
            )
        )
    return ConversationConnection(
        edges=edges,
        page_info=PageInfo(has_next_page=has_next, end_cursor=edges[-1].cursor if edges else None),
        total_count=total,
    )


def _sort_value(row, key_path: str):
    if key_path == "latest_score__overall":
        # The score orderings always select_related latest_score, so this reads no extra row.
        return row.latest_score.overall if row.latest_score_id else None
    return getattr(row, key_path)


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
        if order_by in (ConversationOrder.SCORE_ASC, ConversationOrder.SCORE_DESC):
            names.add("latestScore")
        try:
            return await run_in_schema(
                info.context.schema_name, page_conversations, names, filter, order_by, first, after, with_total_count
            )
        except ArgumentRejected as rejected:
            return rejected.error
