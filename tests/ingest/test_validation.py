"""Every validation rule and limit, sent through the ingestConversations mutation."""

from __future__ import annotations

import pytest

from conversations.models import Conversation
from conversations.validation import ErrorCode, ValidConversation, validate_conversation
from tests.ingest.conftest import conversation, only_error


def _with_message(index: int, **fields) -> list[dict]:
    messages = conversation("x")["messages"]
    messages[index] = {**messages[index], **fields}
    return messages


def _many_messages(count: int) -> list[dict]:
    return [{"role": "customer" if i % 2 == 0 else "ai", "text": f"turn {i}"} for i in range(count)]


def _nested(depth: int) -> dict:
    value: dict = {}
    for _ in range(depth - 1):
        value = {"inner": value}
    return value


CASES = [
    # (case id, top-level changes, code, field path, text the message must contain)
    ("blank external id", {"externalId": "   "}, "REQUIRED", ["externalId"], "must not be blank"),
    ("long external id", {"externalId": "e" * 201}, "TOO_LONG", ["externalId"], "maximum is 200"),
    ("NUL in external id", {"externalId": "a\x00b"}, "INVALID_CHARACTER", ["externalId"], "NUL"),
    ("surrogate in external id", {"externalId": "a\ud800b"}, "INVALID_CHARACTER", ["externalId"], "U+D800"),
    ("NUL in ai agent", {"aiAgent": "bot\x00"}, "INVALID_CHARACTER", ["aiAgent"], "NUL"),
    ("long ai agent", {"aiAgent": "b" * 201}, "TOO_LONG", ["aiAgent"], "maximum is 200"),
    ("long customer ref", {"customerRef": "c" * 201}, "TOO_LONG", ["customerRef"], "maximum is 200"),
    ("surrogate in customer ref", {"customerRef": "\udfff"}, "INVALID_CHARACTER", ["customerRef"], "U+DFFF"),
    ("long language", {"language": "l" * 36}, "TOO_LONG", ["language"], "maximum is 35"),
    ("no messages", {"messages": []}, "REQUIRED", ["messages"], "at least one message"),
    ("too many messages", {"messages": _many_messages(1001)}, "TOO_MANY", ["messages"], "maximum is 1000"),
    (
        "long message",
        {"messages": _with_message(1, text="x" * 20_001)},
        "TOO_LONG",
        ["messages", "1", "text"],
        "maximum is 20000",
    ),
    (
        "NUL in message text",
        {"messages": _with_message(2, text="fine\x00not fine")},
        "INVALID_CHARACTER",
        ["messages", "2", "text"],
        "position 4",
    ),
    (
        "surrogate in message text",
        {"messages": _with_message(0, text="smile \ud83d")},
        "INVALID_CHARACTER",
        ["messages", "0", "text"],
        "U+D83D",
    ),
    (
        "NUL in message external id",
        {"messages": _with_message(0, externalId="m\x001")},
        "INVALID_CHARACTER",
        ["messages", "0", "externalId"],
        "NUL",
    ),
    (
        "naive message time",
        {"messages": _with_message(0, sentAt="2026-03-01T09:00:00")},
        "NAIVE_DATETIME",
        ["messages", "0", "sentAt"],
        "no UTC offset",
    ),
    ("naive start time", {"startedAt": "2026-03-01T09:00:00"}, "NAIVE_DATETIME", ["startedAt"], "2026-03-01T09:00:00"),
    ("unparsable start time", {"startedAt": "yesterday"}, "INVALID", ["startedAt"], "not an ISO 8601"),
    ("naive end time", {"endedAt": "2026-03-01T10:00:00"}, "NAIVE_DATETIME", ["endedAt"], "Add the offset"),
    (
        "end before start",
        {"startedAt": "2026-03-01T09:00:00Z", "endedAt": "2026-03-01T09:30:00+01:00"},
        "OUT_OF_RANGE",
        ["endedAt"],
        "before startedAt",
    ),
    ("too many tags", {"tags": [f"t{i}" for i in range(51)]}, "TOO_MANY", ["tags"], "maximum is 50"),
    ("long tag", {"tags": ["ok", "t" * 101]}, "TOO_LONG", ["tags", "1"], "maximum is 100"),
    ("blank tag", {"tags": ["ok", " "]}, "INVALID", ["tags", "1"], "blank"),
    ("NUL in tag", {"tags": ["a\x00"]}, "INVALID_CHARACTER", ["tags", "0"], "NUL"),
    ("metadata not an object", {"metadata": [1, 2]}, "WRONG_TYPE", ["metadata"], "JSON object"),
    ("large metadata", {"metadata": {"blob": "m" * 16_400}}, "TOO_LARGE", ["metadata"], "16384 bytes"),
    (
        "deep metadata",
        {"metadata": _nested(40)},
        "TOO_DEEP",
        ["metadata"] + ["inner"] * 32,
        "maximum is 32",
    ),
    (
        "NUL in metadata key",
        {"metadata": {"outer": {"bad\x00key": 1}}},
        "INVALID_CHARACTER",
        ["metadata", "outer", "bad\x00key"],
        "NUL",
    ),
    (
        "surrogate in metadata value",
        {"metadata": {"list": ["ok", {"deep": "\ud800"}]}},
        "INVALID_CHARACTER",
        ["metadata", "list", "1", "deep"],
        "U+D800",
    ),
    ("rating above scale", {"csat": {"rating": 6}}, "OUT_OF_RANGE", ["csat", "rating"], "between 1 and the scale (5)"),
    ("rating below one", {"csat": {"rating": 0, "scale": 10}}, "OUT_OF_RANGE", ["csat", "rating"], "between 1"),
    ("scale of one", {"csat": {"rating": 1, "scale": 1}}, "OUT_OF_RANGE", ["csat", "scale"], "between 2 and 100"),
    ("NUL in csat comment", {"csat": {"rating": 3, "comment": "\x00"}}, "INVALID_CHARACTER", ["csat", "comment"], "NUL"),
    (
        "naive csat time",
        {"csat": {"rating": 3, "submittedAt": "2026-03-01T09:00:00"}},
        "NAIVE_DATETIME",
        ["csat", "submittedAt"],
        "no UTC offset",
    ),
]


@pytest.mark.parametrize(("changes", "code", "field", "fragment"), [case[1:] for case in CASES], ids=[c[0] for c in CASES])
def test_rule_rejected_with_code_and_field(ingest, changes, code, field, fragment):
    external_id = changes.get("externalId", "rule-case")

    payload = ingest([conversation("rule-case", **changes) | {"externalId": external_id}])

    error = only_error(payload)
    assert error["code"] == code
    assert error["field"] == field
    assert fragment in error["message"]
    assert Conversation.objects.count() == 0


def test_values_at_the_limits_accepted(ingest, acme):
    from tenants.context import call_in_schema

    payload = ingest(
        [
            conversation(
                "e" * 200,
                tags=[f"{i:02d}" + "t" * 98 for i in range(50)],
                metadata={"blob": "m" * (16 * 1024 - len('{"blob":""}'))},
                messages=_many_messages(999) + [{"role": "customer", "text": "x" * 20_000}],
                csat={"rating": 10, "scale": 10},
            )
        ]
    )

    assert payload["created"] == 1, payload["results"]
    stored = call_in_schema(acme.slug, lambda: Conversation.objects.get(external_id="e" * 200))
    assert stored.message_count == 1000
    assert len(stored.tags) == 50
    assert stored.csat_rating == 10


def test_blank_customer_text_is_stored(ingest, acme):
    from tenants.context import call_in_schema

    payload = ingest([conversation("blank-text", messages=[{"role": "customer", "text": "  "}, {"role": "ai", "text": ""}])])

    assert payload["created"] == 1
    texts = call_in_schema(
        acme.slug, lambda: list(Conversation.objects.get(external_id="blank-text").messages.values_list("text", flat=True))
    )
    assert texts == ["  ", ""]


def test_all_errors_of_a_conversation_reported(ingest):
    payload = ingest([conversation("several", aiAgent="\x00", tags=["t" * 101], csat={"rating": 9})])

    [result] = payload["results"]
    assert {(error["code"], tuple(error["field"])) for error in result["errors"]} == {
        ("INVALID_CHARACTER", ("aiAgent",)),
        ("TOO_LONG", ("tags", "0")),
        ("OUT_OF_RANGE", ("csat", "rating")),
    }


def test_offsets_normalised_to_utc(ingest, acme):
    from tenants.context import call_in_schema

    ingest([conversation("offsets", startedAt="2026-03-01T10:00:00+01:00", endedAt="2026-03-01T09:30:00Z")])

    stored = call_in_schema(acme.slug, lambda: Conversation.objects.get(external_id="offsets"))
    assert stored.started_at.isoformat() == "2026-03-01T09:00:00+00:00"


def test_invalid_enum_rejected_by_graphql(gql, acme):
    from tests.ingest.conftest import INGEST_MUTATION, graphql_variables

    item = graphql_variables(conversation("enum")) | {"channel": "fax"}
    response = gql(acme.keys["ingest"]).post(INGEST_MUTATION, {"input": [item]})

    assert "fax" in response.json()["errors"][0]["message"]


# Rules that GraphQL input coercion enforces before validation runs, checked on the JSON shape
# (the shape of JSONL import lines).
JSON_CASES = [
    ("unknown field", {"priority": "high"}, ErrorCode.UNKNOWN_FIELD, ["priority"], "priority is not a known field"),
    (
        "unknown message field",
        {"messages": [{"role": "ai", "text": "hi", "author": "bot"}]},
        ErrorCode.UNKNOWN_FIELD,
        ["messages", 0, "author"],
        "use one of: role, text, sentAt, externalId",
    ),
    ("unknown csat field", {"csat": {"rating": 3, "stars": 3}}, ErrorCode.UNKNOWN_FIELD, ["csat", "stars"], "stars"),
    ("missing external id", {"externalId": None}, ErrorCode.REQUIRED, ["externalId"], "required"),
    ("numeric external id", {"externalId": 17}, ErrorCode.WRONG_TYPE, ["externalId"], "got number"),
    ("unknown channel", {"channel": "fax"}, ErrorCode.INVALID, ["channel"], "chat, email, messaging, voice, other"),
    ("unknown outcome hint", {"outcomeHint": "solved"}, ErrorCode.INVALID, ["outcomeHint"], "handed_off"),
    ("messages not a list", {"messages": "hello"}, ErrorCode.WRONG_TYPE, ["messages"], "array"),
    ("message not an object", {"messages": ["hello"]}, ErrorCode.WRONG_TYPE, ["messages", 0], "object"),
    ("missing role", {"messages": [{"text": "hi"}]}, ErrorCode.REQUIRED, ["messages", 0, "role"], "customer, ai"),
    ("unknown role", {"messages": [{"role": "bot", "text": "hi"}]}, ErrorCode.INVALID, ["messages", 0, "role"], "bot"),
    ("missing text", {"messages": [{"role": "ai"}]}, ErrorCode.REQUIRED, ["messages", 0, "text"], "required"),
    ("numeric time", {"startedAt": 1700000000}, ErrorCode.WRONG_TYPE, ["startedAt"], "ISO 8601"),
    ("unparsable time", {"startedAt": "yesterday"}, ErrorCode.INVALID, ["startedAt"], "2024-05-01T10:00:00Z"),
    ("date without time", {"startedAt": "2026-03-01"}, ErrorCode.NAIVE_DATETIME, ["startedAt"], "no UTC offset"),
    ("tags not a list", {"tags": "a,b"}, ErrorCode.WRONG_TYPE, ["tags"], "array of strings"),
    ("numeric tag", {"tags": [5]}, ErrorCode.WRONG_TYPE, ["tags", 0], "string"),
    ("NaN in metadata", {"metadata": {"x": float("nan")}}, ErrorCode.INVALID, ["metadata", "x"], "finite number"),
    ("missing rating", {"csat": {"scale": 5}}, ErrorCode.REQUIRED, ["csat", "rating"], "required"),
    ("boolean rating", {"csat": {"rating": True}}, ErrorCode.WRONG_TYPE, ["csat", "rating"], "number"),
    ("fractional scale", {"csat": {"rating": 2, "scale": 4.5}}, ErrorCode.WRONG_TYPE, ["csat", "scale"], "integer"),
    ("csat not an object", {"csat": 4}, ErrorCode.WRONG_TYPE, ["csat"], "object"),
]


@pytest.mark.parametrize(("changes", "code", "field", "fragment"), [c[1:] for c in JSON_CASES], ids=[c[0] for c in JSON_CASES])
def test_json_rule_rejected(changes, code, field, fragment):
    data = {key: value for key, value in (conversation("json-case") | changes).items() if value is not None}

    errors = validate_conversation(data)

    assert isinstance(errors, list), errors
    assert [(error.code, error.field) for error in errors] == [(code, field)]
    assert fragment in errors[0].message


def test_non_object_line_rejected():
    errors = validate_conversation(["not", "an", "object"])

    assert [error.code for error in errors] == [ErrorCode.WRONG_TYPE]


def test_defaults_filled_in():
    valid = validate_conversation({"externalId": "minimal", "messages": [{"role": "customer", "text": "hi"}]})

    assert isinstance(valid, ValidConversation)
    assert valid.channel == "chat"
    assert valid.tags == ()
    assert valid.metadata == {}
    assert valid.csat is None


def test_csat_scale_defaults_to_five():
    valid = validate_conversation(conversation("scale", csat={"rating": 5}))

    assert valid.csat.scale == 5
