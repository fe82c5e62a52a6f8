"""Validation of incoming conversations, shared by every way of ingesting them.

`validate_conversation(data)` takes one conversation in the ingest JSON shape
(a plain dict with camelCase keys, as in the GraphQL input and the JSONL bulk
files) and returns either a `ValidConversation` or a list of `FieldError`.
The GraphQL mutation, the `import_conversations` command and any future
ingestion path call it, so a rule changes in one place.

The ingest limits live here too, except the number of conversations per call,
which is the setting `INGEST_MAX_CONVERSATIONS_PER_CALL`.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from django.conf import settings

from scoring.engine.types import Channel, OutcomeHint, Role

MAX_EXTERNAL_ID_CHARS = 200
MAX_SHORT_TEXT_CHARS = 200  # aiAgent, customerRef, message externalId
MAX_LANGUAGE_CHARS = 35  # the longest BCP 47 tags in practical use fit
MAX_MESSAGES_PER_CONVERSATION = 1_000
MAX_MESSAGE_CHARS = 20_000
MAX_CSAT_COMMENT_CHARS = 20_000
MAX_TAGS = 50
MAX_TAG_CHARS = 100
MAX_METADATA_BYTES = 16 * 1024  # UTF-8 bytes of the compact JSON serialisation
MAX_METADATA_DEPTH = 32
MIN_CSAT_SCALE = 2
MAX_CSAT_SCALE = 100
DEFAULT_CSAT_SCALE = 5


def max_conversations_per_call() -> int:
    """Return the maximum number of conversations one ingest call may carry."""
    return settings.INGEST_MAX_CONVERSATIONS_PER_CALL


class ErrorCode(StrEnum):
    REQUIRED = "required"
    WRONG_TYPE = "wrong_type"
    INVALID = "invalid"
    TOO_LONG = "too_long"
    TOO_MANY = "too_many"
    TOO_LARGE = "too_large"
    TOO_DEEP = "too_deep"
    NAIVE_DATETIME = "naive_datetime"
    INVALID_CHARACTER = "invalid_character"
    OUT_OF_RANGE = "out_of_range"
    UNKNOWN_FIELD = "unknown_field"
    DATABASE_ERROR = "database_error"


FieldPath = list[str | int]


@dataclass(frozen=True, slots=True)
class FieldError:
    """One rule an input broke: the error code, where (a path of keys and list indexes) and a readable message."""

    code: ErrorCode
    field: FieldPath
    message: str


@dataclass(frozen=True, slots=True)
class ValidMessage:
    role: Role
    text: str
    sent_at: datetime | None
    external_id: str


@dataclass(frozen=True, slots=True)
class ValidCsat:
    rating: float
    scale: int
    comment: str
    submitted_at: datetime | None


@dataclass(frozen=True, slots=True)
class ValidConversation:
    """A conversation that passed every rule, normalised (UTC datetimes, defaults filled in)."""

    external_id: str
    channel: Channel
    ai_agent: str
    started_at: datetime | None
    ended_at: datetime | None
    customer_ref: str
    language: str
    tags: tuple[str, ...]
    metadata: dict[str, Any]
    outcome_hint: OutcomeHint | None
    messages: tuple[ValidMessage, ...]
    csat: ValidCsat | None
    # SHA-256 of the canonical JSON of everything above; equal hashes mean equal content.
    content_hash: str


CONVERSATION_FIELDS = (
    "externalId",
    "channel",
    "aiAgent",
    "startedAt",
    "endedAt",
    "customerRef",
    "language",
    "tags",
    "metadata",
    "outcomeHint",
    "messages",
    "csat",
)
MESSAGE_FIELDS = ("role", "text", "sentAt", "externalId")
CSAT_FIELDS = ("rating", "scale", "comment", "submittedAt")

# PostgreSQL cannot store U+0000 in text or jsonb, and a lone UTF-16 surrogate has no UTF-8 encoding.
_FORBIDDEN_CHARACTER = re.compile("[\x00\ud800-\udfff]")


def format_path(path: FieldPath) -> str:
    """Render ["messages", 3, "text"] as `messages[3].text`."""
    rendered = ""
    for part in path:
        if isinstance(part, int):
            rendered += f"[{part}]"
        else:
            rendered += f".{part}" if rendered else part
    return rendered


def _type_name(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict):
        return "object"
    return type(value).__name__


def _preview(value: str, limit: int = 40) -> str:
    shown = value if len(value) <= limit else value[:limit] + "…"
    return json.dumps(shown, ensure_ascii=True)


class _Checker:
    """Collects errors while one conversation is checked."""

    def __init__(self) -> None:
        self.errors: list[FieldError] = []

    def add(self, code: ErrorCode, path: FieldPath, message: str) -> None:
        self.errors.append(FieldError(code, list(path), message))

    def check_characters(self, value: str, path: FieldPath) -> bool:
        match = _FORBIDDEN_CHARACTER.search(value)
        if match is None:
            return True
        character = match.group()
        where = format_path(path)
        if character == "\x00":
            self.add(
                ErrorCode.INVALID_CHARACTER,
                path,
                f"{where} contains a NUL character (U+0000) at position {match.start()}, which PostgreSQL "
                "cannot store. Remove it.",
            )
        else:
            self.add(
                ErrorCode.INVALID_CHARACTER,
                path,
                f"{where} contains a lone UTF-16 surrogate U+{ord(character):04X} at position {match.start()}, "
                "which has no UTF-8 encoding. Send valid Unicode (a complete surrogate pair or the character itself).",
            )
        return False

    def string(
        self,
        data: dict,
        key: str,
        path: FieldPath,
        max_chars: int,
        required: bool = False,
        allow_blank: bool = True,
    ) -> str | None:
        """Check an optional or required string field; return it, or None when absent or invalid."""
        value = data.get(key)
        # Fast path for the common valid case; the checks below build the error messages.
        if (
            type(value) is str
            and len(value) <= max_chars
            and (allow_blank or value.strip() != "")
            and _FORBIDDEN_CHARACTER.search(value) is None
        ):
            return value
        if value is None and not required:
            return None

        field_path = [*path, key]
        where = format_path(field_path)
        if value is None:
            if required:
                self.add(ErrorCode.REQUIRED, field_path, f"{where} is required but missing. Send a string.")
            return None
        if not isinstance(value, str):
            self.add(ErrorCode.WRONG_TYPE, field_path, f"{where} must be a string, got {_type_name(value)}.")
            return None
        if not allow_blank and not value.strip():
            self.add(ErrorCode.REQUIRED, field_path, f"{where} is required and must not be blank.")
            return None
        if len(value) > max_chars:
            self.add(
                ErrorCode.TOO_LONG,
                field_path,
                f"{where} has {len(value)} characters; the maximum is {max_chars}. Shorten it.",
            )
            return None
        if not self.check_characters(value, field_path):
            return None
        return value

    def choice(
        self,
        data: dict,
        key: str,
        path: FieldPath,
        enum: type[StrEnum],
        default: StrEnum | None,
        required: bool = False,
    ):
        value = data.get(key)
        if isinstance(value, str):
            try:
                return enum(value)
            except ValueError:
                pass  # reported below
        field_path = [*path, key]
        where = format_path(field_path)
        if value is None:
            if required:
                self.add(ErrorCode.REQUIRED, field_path, f"{where} is required. Use one of: {_choices(enum)}.")
            return default
        if not isinstance(value, str):
            self.add(ErrorCode.WRONG_TYPE, field_path, f"{where} must be a string, got {_type_name(value)}.")
            return None
        self.add(
            ErrorCode.INVALID,
            field_path,
            f"{where} is {_preview(value)}, which is not a valid value. Use one of: {_choices(enum)}.",
        )
        return None

    def timestamp(self, data: dict, key: str, path: FieldPath) -> datetime | None:
        value = data.get(key)
        if value is None:
            return None
        if isinstance(value, str):
            try:
                parsed = datetime.fromisoformat(value)
            except ValueError:
                pass  # reported below
            else:
                if parsed.utcoffset() is not None:
                    return parsed.astimezone(UTC)

        field_path = [*path, key]
        where = format_path(field_path)
        if not isinstance(value, str):
            self.add(
                ErrorCode.WRONG_TYPE,
                field_path,
                f"{where} must be an ISO 8601 string with a UTC offset, got {_type_name(value)}.",
            )
            return None
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            self.add(
                ErrorCode.INVALID,
                field_path,
                f"{where} is {_preview(value)}, which is not an ISO 8601 date and time. "
                "Use a form like 2024-05-01T10:00:00Z.",
            )
            return None
        if parsed.tzinfo is None or parsed.utcoffset() is None:
            self.add(
                ErrorCode.NAIVE_DATETIME,
                field_path,
                f"{where} is {_preview(value)}, which has no UTC offset, so its instant is unknown. "
                "Add the offset, for example 2024-05-01T10:00:00Z or 2024-05-01T12:00:00+02:00.",
            )
            return None
        return parsed.astimezone(UTC)

    def reject_unknown(self, data: dict, allowed: tuple[str, ...], path: FieldPath) -> None:
        for key in data:
            if key not in allowed:
                field_path = [*path, key]
                self.add(
                    ErrorCode.UNKNOWN_FIELD,
                    field_path,
                    f"{format_path(field_path)} is not a known field. Remove it or use one of: {', '.join(allowed)}.",
                )


def _choices(enum: type[StrEnum]) -> str:
    return ", ".join(member.value for member in enum)


def validate_conversation(data: Any) -> ValidConversation | list[FieldError]:
    """Check one conversation in the ingest JSON shape.

    Returns the normalised conversation, or every error found (never an empty list).
    """
    checker = _Checker()
    if not isinstance(data, dict):
        checker.add(ErrorCode.WRONG_TYPE, [], f"A conversation must be a JSON object, got {_type_name(data)}.")
        return checker.errors

    checker.reject_unknown(data, CONVERSATION_FIELDS, [])
    external_id = checker.string(data, "externalId", [], MAX_EXTERNAL_ID_CHARS, required=True, allow_blank=False)
    channel = checker.choice(data, "channel", [], Channel, Channel.CHAT)
    ai_agent = checker.string(data, "aiAgent", [], MAX_SHORT_TEXT_CHARS)
    customer_ref = checker.string(data, "customerRef", [], MAX_SHORT_TEXT_CHARS)
    language = checker.string(data, "language", [], MAX_LANGUAGE_CHARS)
    outcome_hint = checker.choice(data, "outcomeHint", [], OutcomeHint, None)
    started_at = checker.timestamp(data, "startedAt", [])
    ended_at = checker.timestamp(data, "endedAt", [])
    if started_at and ended_at and ended_at < started_at:
        checker.add(
            ErrorCode.OUT_OF_RANGE,
            ["endedAt"],
            f"endedAt ({ended_at.isoformat()}) is before startedAt ({started_at.isoformat()}). "
            "Send an end time at or after the start time.",
        )
    tags = _validate_tags(checker, data.get("tags"))
    metadata = _validate_metadata(checker, data.get("metadata"))
    messages = _validate_messages(checker, data.get("messages"))
    csat = _validate_csat(checker, data.get("csat"))

    if checker.errors:
        return checker.errors
    values = dict(
        external_id=external_id,
        channel=channel,
        ai_agent=ai_agent or "",
        started_at=started_at,
        ended_at=ended_at,
        customer_ref=customer_ref or "",
        language=language or "",
        tags=tags,
        metadata=metadata,
        outcome_hint=outcome_hint,
        messages=messages,
        csat=csat,
    )
    return ValidConversation(**values, content_hash=content_hash(values))


def _validate_tags(checker: _Checker, value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list):
        checker.add(ErrorCode.WRONG_TYPE, ["tags"], f"tags must be an array of strings, got {_type_name(value)}.")
        return ()
    if len(value) > MAX_TAGS:
        checker.add(
            ErrorCode.TOO_MANY,
            ["tags"],
            f"tags has {len(value)} entries; the maximum is {MAX_TAGS}. Send fewer tags.",
        )
        return ()
    tags = []
    for index, tag in enumerate(value):
        if isinstance(tag, str) and tag.strip() and len(tag) <= MAX_TAG_CHARS and not _FORBIDDEN_CHARACTER.search(tag):
            tags.append(tag)
            continue
        path: FieldPath = ["tags", index]
        where = format_path(path)
        if not isinstance(tag, str):
            checker.add(ErrorCode.WRONG_TYPE, path, f"{where} must be a string, got {_type_name(tag)}.")
        elif not tag.strip():
            checker.add(ErrorCode.INVALID, path, f"{where} is blank. Remove empty tags.")
        elif len(tag) > MAX_TAG_CHARS:
            checker.add(
                ErrorCode.TOO_LONG,
                path,
                f"{where} has {len(tag)} characters; the maximum is {MAX_TAG_CHARS}. Shorten it.",
            )
        else:
            checker.check_characters(tag, path)
    return tuple(tags)


def _validate_metadata(checker: _Checker, value: Any) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        checker.add(
            ErrorCode.WRONG_TYPE, ["metadata"], f"metadata must be a JSON object, got {_type_name(value)}."
        )
        return {}
    error_count = len(checker.errors)
    # Walk iteratively, because a recursive walk (or json.dumps) could exceed Python's recursion
    # limit on deep nesting before the depth limit is reported.
    stack: list[tuple[Any, FieldPath, int]] = [(value, ["metadata"], 1)]
    while stack:
        node, path, depth = stack.pop()
        if isinstance(node, (dict, list)) and depth > MAX_METADATA_DEPTH:
            checker.add(
                ErrorCode.TOO_DEEP,
                path,
                f"{format_path(path)} is nested {depth} levels deep; the maximum is {MAX_METADATA_DEPTH}. "
                "Flatten the metadata.",
            )
            return {}
        if isinstance(node, dict):
            for key, child in node.items():
                child_path = [*path, key]
                if not isinstance(key, str):
                    checker.add(ErrorCode.WRONG_TYPE, child_path, f"{format_path(child_path)}: keys must be strings.")
                    continue
                checker.check_characters(key, child_path)
                stack.append((child, child_path, depth + 1))
        elif isinstance(node, list):
            stack.extend((child, [*path, index], depth + 1) for index, child in enumerate(node))
        elif isinstance(node, str):
            checker.check_characters(node, path)
        elif isinstance(node, float) and not math.isfinite(node):
            checker.add(
                ErrorCode.INVALID,
                path,
                f"{format_path(path)} is {node}, which JSON and PostgreSQL cannot store. Send a finite number.",
            )
        elif node is not None and not isinstance(node, (bool, int, float)):
            checker.add(
                ErrorCode.WRONG_TYPE,
                path,
                f"{format_path(path)} has type {_type_name(node)}, which is not a JSON value.",
            )
    if len(checker.errors) > error_count:
        return {}
    size_bytes = len(json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode())
    if size_bytes > MAX_METADATA_BYTES:
        checker.add(
            ErrorCode.TOO_LARGE,
            ["metadata"],
            f"metadata is {size_bytes} bytes as compact JSON; the maximum is {MAX_METADATA_BYTES} bytes "
            "(16 KB). Move large values elsewhere and keep a reference.",
        )
        return {}
    return value


def _validate_messages(checker: _Checker, value: Any) -> tuple[ValidMessage, ...]:
    if value is None or value == []:
        checker.add(ErrorCode.REQUIRED, ["messages"], "messages is required and needs at least one message.")
        return ()
    if not isinstance(value, list):
        checker.add(
            ErrorCode.WRONG_TYPE, ["messages"], f"messages must be an array of objects, got {_type_name(value)}."
        )
        return ()
    if len(value) > MAX_MESSAGES_PER_CONVERSATION:
        checker.add(
            ErrorCode.TOO_MANY,
            ["messages"],
            f"messages has {len(value)} entries; the maximum is {MAX_MESSAGES_PER_CONVERSATION} per conversation. "
            "Split the transcript or drop system noise.",
        )
        return ()
    messages = []
    for index, item in enumerate(value):
        path: FieldPath = ["messages", index]
        if not isinstance(item, dict):
            checker.add(
                ErrorCode.WRONG_TYPE, path, f"{format_path(path)} must be an object, got {_type_name(item)}."
            )
            continue
        checker.reject_unknown(item, MESSAGE_FIELDS, path)
        role = checker.choice(item, "role", path, Role, None, required=True)
        # Empty or whitespace-only text is kept: the sentiment stage marks it not scorable.
        text = checker.string(item, "text", path, MAX_MESSAGE_CHARS, required=True)
        sent_at = checker.timestamp(item, "sentAt", path)
        external_id = checker.string(item, "externalId", path, MAX_SHORT_TEXT_CHARS)
        if role is not None and text is not None:
            messages.append(ValidMessage(role=role, text=text, sent_at=sent_at, external_id=external_id or ""))
    return tuple(messages)


def _validate_csat(checker: _Checker, value: Any) -> ValidCsat | None:
    if value is None:
        return None
    if not isinstance(value, dict):
        checker.add(ErrorCode.WRONG_TYPE, ["csat"], f"csat must be an object, got {_type_name(value)}.")
        return None
    error_count = len(checker.errors)
    checker.reject_unknown(value, CSAT_FIELDS, ["csat"])

    scale = value.get("scale")
    if scale is None:
        scale = DEFAULT_CSAT_SCALE
    elif not _is_number(scale) or scale != int(scale):
        checker.add(ErrorCode.WRONG_TYPE, ["csat", "scale"], f"csat.scale must be an integer, got {scale!r}.")
        scale = None
    elif not MIN_CSAT_SCALE <= scale <= MAX_CSAT_SCALE:
        checker.add(
            ErrorCode.OUT_OF_RANGE,
            ["csat", "scale"],
            f"csat.scale is {scale}; it must lie between {MIN_CSAT_SCALE} and {MAX_CSAT_SCALE}.",
        )
        scale = None

    rating = value.get("rating")
    if rating is None:
        checker.add(ErrorCode.REQUIRED, ["csat", "rating"], "csat.rating is required when csat is sent.")
    elif not _is_number(rating):
        checker.add(ErrorCode.WRONG_TYPE, ["csat", "rating"], f"csat.rating must be a number, got {rating!r}.")
    elif scale is not None and not 1 <= rating <= scale:
        checker.add(
            ErrorCode.OUT_OF_RANGE,
            ["csat", "rating"],
            f"csat.rating is {rating}; it must lie between 1 and the scale ({int(scale)}). "
            "Send the rating on the 1..scale range, or set csat.scale.",
        )

    comment = checker.string(value, "comment", ["csat"], MAX_CSAT_COMMENT_CHARS)
    submitted_at = checker.timestamp(value, "submittedAt", ["csat"])
    if len(checker.errors) > error_count:
        return None
    return ValidCsat(rating=float(rating), scale=int(scale), comment=comment or "", submitted_at=submitted_at)


def _is_number(value: Any) -> bool:
    """Return True for a finite int or float (bool is an int subclass in Python, so it is excluded)."""
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def content_hash(values: dict[str, Any]) -> str:
    """Return the SHA-256 hex digest of the canonical JSON of validated conversation values.

    The canonical form has every field with defaults filled in, times in UTC and
    sorted keys, so two sends that mean the same conversation hash the same.
    """
    csat = values["csat"]
    canonical = {
        **{name: values[name] for name in ("external_id", "channel", "ai_agent", "customer_ref", "language")},
        "outcome_hint": values["outcome_hint"],
        "started_at": _iso(values["started_at"]),
        "ended_at": _iso(values["ended_at"]),
        "tags": values["tags"],
        "metadata": values["metadata"],
        "messages": [
            [message.role, message.text, _iso(message.sent_at), message.external_id] for message in values["messages"]
        ],
        "csat": None
        if csat is None
        else [csat.rating, csat.scale, csat.comment, _iso(csat.submitted_at)],
    }
    text = json.dumps(canonical, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


