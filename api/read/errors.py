"""Typed errors of the read API, returned in result unions instead of the top-level errors list."""

from __future__ import annotations

from enum import Enum

import strawberry

from api.errors import Error


@strawberry.enum(description="Why a read API argument was rejected.")
class ReadErrorCode(Enum):
    INVALID = "invalid"
    PAGE_SIZE_TOO_LARGE = "page_size_too_large"
    INVALID_CURSOR = "invalid_cursor"
    RANGE_TOO_LONG = "range_too_long"
    UNKNOWN_TIME_ZONE = "unknown_time_zone"
    TOO_MANY_BUCKETS = "too_many_buckets"


@strawberry.type(description="An argument of a read query was invalid; `field` names it and `message` explains how to fix it.")
class ReadArgumentError(Error):
    code: ReadErrorCode = strawberry.field(description="Machine-readable reason.")
    field: str = strawberry.field(description="The argument at fault, as a dotted path such as `filter.csatMin`.")


def argument_error(field_name: str, message: str, code: ReadErrorCode = ReadErrorCode.INVALID) -> ReadArgumentError:
    return ReadArgumentError(message=message, code=code, field=field_name)


class ArgumentRejected(Exception):
    """Raised inside loaders; the resolver turns it into a ReadArgumentError."""

    def __init__(self, error: ReadArgumentError):
        super().__init__(error.message)
        self.error = error
