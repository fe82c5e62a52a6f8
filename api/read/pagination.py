"""Opaque keyset cursors and the shared page-size rule."""

from __future__ import annotations

import base64
import json
from typing import Any

from api.read.errors import ArgumentRejected, ReadErrorCode, argument_error

DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 100


def check_page_size(first: int) -> int:
    """Return `first` when it is within 1..MAX_PAGE_SIZE, else raise ArgumentRejected."""
    if first > MAX_PAGE_SIZE:
        raise ArgumentRejected(
            argument_error(
                "first",
                f"first is {first}; the maximum page size is {MAX_PAGE_SIZE}. Page with `after` instead.",
                ReadErrorCode.PAGE_SIZE_TOO_LARGE,
            )
        )
    if first < 1:
        raise ArgumentRejected(argument_error("first", f"first is {first}; request at least 1 item."))
    return first


def encode_cursor(kind: str, key: Any, row_id: int) -> str:
    payload = json.dumps({"k": kind, "v": key, "i": row_id}, separators=(",", ":"))
    return base64.urlsafe_b64encode(payload.encode()).decode().rstrip("=")


def decode_cursor(cursor: str, kind: str) -> tuple[Any, int]:
    """Return (sort key, id) from a cursor made by encode_cursor for the same `kind` of ordering.

    Raises ArgumentRejected when the cursor is malformed or belongs to another ordering.
    """
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        payload = json.loads(base64.urlsafe_b64decode(padded.encode()).decode())
        cursor_kind, key, row_id = payload["k"], payload["v"], int(payload["i"])
    except (ValueError, KeyError, TypeError, UnicodeDecodeError):
        raise ArgumentRejected(
            argument_error(
                "after", "The cursor is not valid. Pass an `endCursor` from a previous page.", ReadErrorCode.INVALID_CURSOR
            )
        ) from None
    if cursor_kind != kind:
        raise ArgumentRejected(
            argument_error(
                "after",
                f"The cursor was made for ordering {cursor_kind}, not {kind}. Restart paging without `after`.",
                ReadErrorCode.INVALID_CURSOR,
            )
        )
    return key, row_id
