"""Scoring configuration through GraphQL: reading, versioning and typed validation errors."""

from __future__ import annotations

import pytest

from scoring.models import ScoringConfigVersion
from tests.pipeline.conftest import in_schema

CONFIG_FIELDS = """
  version createdAt createdBy language
  weights { resolution efficiency sentiment }
  thresholds { excellent good }
  rules { expectedCustomerTurns expectedDurationSeconds loopSimilarityThreshold }
  customSignals { code component effect reason phrases regex role }
"""

READ_CONFIG = f"""
query Config($version: Int) {{
  scoringConfig(version: $version) {{
    __typename
    ... on ScoringConfiguration {{ {CONFIG_FIELDS} }}
    ... on Error {{ message }}
  }}
}}
"""

LIST_VERSIONS = """
query { scoringConfigVersions(first: 10) { ... on ScoringConfigVersionList { versions { version weights { sentiment } } } } }
"""

UPDATE_CONFIG = f"""
mutation Update($input: ScoringConfigInput!) {{
  updateScoringConfig(input: $input) {{
    config {{ {CONFIG_FIELDS} }}
    errors {{
      __typename
      ... on Error {{ message }}
      ... on ScoringConfigError {{ code field }}
      ... on ScopeMissingError {{ requiredScope }}
    }}
  }}
}}
"""


def _update(gql, secret: str, changes: dict) -> dict:
    return gql(secret).execute(UPDATE_CONFIG, {"input": changes})["updateScoringConfig"]


def test_defaults_are_version_zero(gql, acme):
    config = gql(acme.keys["read"]).execute(READ_CONFIG)["scoringConfig"]

    assert config["__typename"] == "ScoringConfiguration"
    assert config["version"] == 0
    assert config["createdAt"] is None
    assert config["weights"] == {"resolution": 0.4, "efficiency": 0.3, "sentiment": 0.3}
    assert config["customSignals"] == []


def test_update_creates_new_version(gql, acme):
    payload = _update(gql, acme.keys["config"], {"weights": {"sentiment": 0.6}, "thresholds": {"good": 55}})

    assert payload["errors"] == []
    config = payload["config"]
    assert config["version"] == 1
    assert config["weights"] == pytest.approx({"resolution": 0.3077, "efficiency": 0.2308, "sentiment": 0.4615}, abs=1e-4)
    assert sum(config["weights"].values()) == pytest.approx(1.0)
    assert config["thresholds"] == {"excellent": 80.0, "good": 55.0}
    assert config["createdBy"].startswith("api key ")


def test_old_versions_stay_readable(gql, acme):
    _update(gql, acme.keys["config"], {"thresholds": {"good": 50}})
    _update(gql, acme.keys["config"], {"thresholds": {"good": 65}})

    reader = gql(acme.keys["read"])
    current = reader.execute(READ_CONFIG)["scoringConfig"]
    first = reader.execute(READ_CONFIG, {"version": 1})["scoringConfig"]
    defaults = reader.execute(READ_CONFIG, {"version": 0})["scoringConfig"]
    versions = reader.execute(LIST_VERSIONS)["scoringConfigVersions"]["versions"]

    assert (current["version"], current["thresholds"]["good"]) == (2, 65.0)
    assert (first["version"], first["thresholds"]["good"]) == (1, 50.0)
    assert defaults["thresholds"]["good"] == 60.0
    assert [v["version"] for v in versions] == [2, 1]


def test_partial_update_keeps_other_values(gql, acme):
    signal = {"code": "refund", "component": "RESOLUTION", "effect": 5, "reason": "Refund issued.", "phrases": ["refund"]}
    _update(gql, acme.keys["config"], {"customSignals": [signal], "rules": {"expectedCustomerTurns": 6}})

    config = _update(gql, acme.keys["config"], {"language": "en-GB"})["config"]

    assert config["version"] == 2
    assert config["language"] == "en-GB"
    assert config["rules"]["expectedCustomerTurns"] == 6
    assert config["customSignals"] == [
        {
            "code": "refund",
            "component": "RESOLUTION",
            "effect": 5.0,
            "reason": "Refund issued.",
            "phrases": ["refund"],
            "regex": None,
            "role": "CUSTOMER",
        }
    ]


def test_invalid_values_return_typed_errors(gql, acme):
    payload = _update(
        gql,
        acme.keys["config"],
        {
            "weights": {"sentiment": -1},
            "thresholds": {"excellent": 150},
            "rules": {"loopSimilarityThreshold": 0},
            "customSignals": [{"code": "Bad Code", "component": "SENTIMENT", "effect": 0, "reason": "x", "regex": "(a+)+"}],
        },
    )

    assert payload["config"] is None
    errors = {tuple(error["field"]): error for error in payload["errors"]}
    assert set(errors) == {
        ("weights", "sentiment"),
        ("thresholds", "excellent"),
        ("rules", "loopSimilarityThreshold"),
        ("customSignals", "0", "code"),
        ("customSignals", "0", "effect"),
        ("customSignals", "0", "regex"),
    }
    assert all(error["__typename"] == "ScoringConfigError" for error in errors.values())
    assert all(error["code"] == "INVALID_VALUE" for error in errors.values())
    assert "-1" in errors[("weights", "sentiment")]["message"]
    assert in_schema(acme.slug, ScoringConfigVersion.objects.count) == 0


def test_inconsistent_thresholds_rejected(gql, acme):
    payload = _update(gql, acme.keys["config"], {"thresholds": {"good": 90}})

    [error] = payload["errors"]
    assert error["field"] == ["thresholds", "excellent"]
    assert "above the good threshold" in error["message"]


def test_update_needs_config_scope(gql, acme):
    payload = _update(gql, acme.keys["read"], {"thresholds": {"good": 50}})

    assert payload["config"] is None
    assert payload["errors"] == [
        {
            "__typename": "ScopeMissingError",
            "message": "This operation needs an API key with the 'config' scope. Create a key with that scope.",
            "requiredScope": "config",
        }
    ]
    assert in_schema(acme.slug, ScoringConfigVersion.objects.count) == 0


def test_unknown_version_not_found(gql, acme):
    result = gql(acme.keys["read"]).execute(READ_CONFIG, {"version": 7})["scoringConfig"]

    assert result["__typename"] == "NotFoundError"
    assert "7" in result["message"]


def test_versions_are_per_workspace(gql, acme, globex):
    _update(gql, acme.keys["config"], {"thresholds": {"good": 50}})

    other = gql(globex.keys["read"]).execute(READ_CONFIG)["scoringConfig"]

    assert other["version"] == 0
    assert other["thresholds"]["good"] == 60.0


def test_update_without_change_saves_no_version(gql, acme):
    first = _update(gql, acme.keys["config"], {"thresholds": {"good": 58}})

    again = gql(acme.keys["config"]).execute(
        UPDATE_CONFIG.replace("errors {", "unchanged errors {"), {"input": {"thresholds": {"good": 58}}}
    )["updateScoringConfig"]

    assert again["errors"] == []
    assert again["unchanged"] is True
    assert again["config"]["version"] == first["config"]["version"]
    assert in_schema(acme.slug, ScoringConfigVersion.objects.count) == 1


@pytest.mark.parametrize("first", [0, -5, 1000])
def test_versions_page_size_out_of_range_rejected(gql, acme, first):
    result = gql(acme.keys["read"]).execute(
        "query($first: Int!) { scoringConfigVersions(first: $first) {"
        " __typename ... on ScoringConfigError { code field message } } }",
        {"first": first},
    )["scoringConfigVersions"]

    assert result["__typename"] == "ScoringConfigError"
    assert result["field"] == ["first"]
    assert str(first) in result["message"]


def test_scope_error_names_every_accepted_scope(gql, acme):
    result = gql(acme.keys["ingest"]).execute(
        "{ scoringConfig { __typename ... on ScopeMissingError { message requiredScope } } }"
    )["scoringConfig"]

    assert result["__typename"] == "ScopeMissingError"
    assert "'read' or 'config'" in result["message"]
