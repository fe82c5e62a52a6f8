"""Sending conversations through the `ingestConversations` mutation."""

from __future__ import annotations

from dataclasses import dataclass, field

from conversations.validation import CONVERSATION_FIELDS, CSAT_FIELDS, MESSAGE_FIELDS
from demo.graphql_client import GraphQLClient, GraphQLErrorsReturned
from scoring.engine.types import Channel, OutcomeHint, Role

INGEST_MUTATION = """
mutation DemoIngest($input: [ConversationInput!]!) {
  ingestConversations(input: $input) {
    results { index externalId status conversationId errors { code field message } }
    errors { __typename ... on Error { message } }
  }
}
"""

# Keys and values of the ingest JSON shape, from the validation the import command uses.
# GraphQL rejects a whole call over one unknown input field, so the demo checks them first.
CONVERSATION_KEYS = set(CONVERSATION_FIELDS)
MESSAGE_KEYS = set(MESSAGE_FIELDS)
CSAT_KEYS = set(CSAT_FIELDS)
CHANNELS = {channel.value for channel in Channel}
ROLES = {role.value for role in Role}
OUTCOME_HINTS = {hint.value for hint in OutcomeHint}


@dataclass
class Rejected:
    external_id: str | None
    line: int
    reason: str


@dataclass
class BatchOutcome:
    # conversation id -> ingest status ("created", "updated" or "unchanged")
    accepted: dict[str, str] = field(default_factory=dict)
    external_ids: dict[str, str] = field(default_factory=dict)  # conversation id -> external id
    rejected: list[Rejected] = field(default_factory=list)


def to_graphql_input(item: dict) -> dict | str:
    """Convert one conversation from the ingest JSON shape to `ConversationInput` variables.

    GraphQL enums travel by name (`CHAT`), the JSON shape uses values (`chat`).
    Returns the reason instead when the item would make GraphQL reject the whole
    call: an unknown key, an unknown enum value or wrong nesting. The server's
    validation checks every other rule.
    """
    unknown = sorted(set(item) - CONVERSATION_KEYS)
    if unknown:
        return f"unknown field {unknown[0]!r}"
    if "tags" in item and not isinstance(item["tags"], list):
        return "tags must be a list of strings"
    converted = dict(item)
    problem = _convert_enum(converted, "channel", CHANNELS) or _convert_enum(converted, "outcomeHint", OUTCOME_HINTS)
    if problem:
        return problem
    messages = item.get("messages")
    if not isinstance(messages, list):
        return "messages must be a list"
    converted_messages = []
    for position, message in enumerate(messages):
        if not isinstance(message, dict):
            return f"messages[{position}] must be an object"
        unknown = sorted(set(message) - MESSAGE_KEYS)
        if unknown:
            return f"messages[{position}]: unknown field {unknown[0]!r}"
        message = dict(message)
        problem = _convert_enum(message, "role", ROLES, required=True)
        if problem:
            return f"messages[{position}]: {problem}"
        converted_messages.append(message)
    converted["messages"] = converted_messages
    csat = item.get("csat")
    if csat is not None:
        if not isinstance(csat, dict):
            return "csat must be an object"
        unknown = sorted(set(csat) - CSAT_KEYS)
        if unknown:
            return f"csat: unknown field {unknown[0]!r}"
    return converted


def _convert_enum(data: dict, key: str, allowed: set[str], required: bool = False) -> str | None:
    value = data.get(key)
    if value is None:
        return f"{key} is missing" if required else None
    # Exact values, as `manage.py import_conversations` requires: the demo accepts the same files.
    if not isinstance(value, str) or value not in allowed:
        return f"{key} {value!r} is not one of {', '.join(sorted(allowed))}"
    data[key] = value.upper()
    return None


def send_batch(client: GraphQLClient, conversations: list[tuple[int, dict]], converted: bool = False) -> BatchOutcome:
    """Send one batch of (line number, conversation); return which were stored and which were rejected, and why.

    With `converted` set, the items are already GraphQL input variables. Raises
    GraphQLRequestFailed when the call itself failed (HTTP error, server down).
    """
    outcome = BatchOutcome()
    to_send: list[tuple[int, dict]] = []
    for line, item in conversations:
        if converted:
            to_send.append((line, item))
            continue
        converted_item = to_graphql_input(item)
        if isinstance(converted_item, str):
            outcome.rejected.append(Rejected(_external_id(item), line, converted_item))
        else:
            to_send.append((line, converted_item))
    if not to_send:
        return outcome

    try:
        data = client.execute(INGEST_MUTATION, {"input": [item for _, item in to_send]})
    except GraphQLErrorsReturned as error:
        # GraphQL rejects the whole call when one item has the wrong type (a
        # missing externalId, a rating sent as a string), so send them one by
        # one to store the good ones and name the bad lines.
        if len(to_send) == 1:
            line, item = to_send[0]
            outcome.rejected.append(Rejected(_external_id(item), line, str(error)))
            return outcome
        for line, item in to_send:
            single = send_batch(client, [(line, item)], converted=True)
            outcome.accepted.update(single.accepted)
            outcome.external_ids.update(single.external_ids)
            outcome.rejected.extend(single.rejected)
        return outcome
    payload = data["ingestConversations"]
    call_errors = payload.get("errors") or []
    if call_errors:
        reason = "; ".join(f"{error.get('__typename')}: {error.get('message')}" for error in call_errors)
        outcome.rejected.extend(Rejected(_external_id(item), line, reason) for line, item in to_send)
        return outcome
    for result in payload["results"]:
        line, item = to_send[result["index"]]
        status = result["status"].lower()
        if status == "failed" or not result.get("conversationId"):
            reasons = "; ".join(
                f"{'.'.join(error['field']) or 'conversation'}: {error['message']}" for error in result["errors"]
            )
            outcome.rejected.append(Rejected(result.get("externalId") or _external_id(item), line, reasons))
            continue
        conversation_id = str(result["conversationId"])
        outcome.accepted[conversation_id] = status
        outcome.external_ids[conversation_id] = result.get("externalId") or _external_id(item) or ""
    return outcome


def _external_id(item: dict) -> str | None:
    value = item.get("externalId")
    return value if isinstance(value, str) else None
