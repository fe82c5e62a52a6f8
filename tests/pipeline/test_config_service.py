"""The configuration service used by the API and the admin."""

from __future__ import annotations

from scoring import services
from scoring.engine import ScoringConfig
from tests.pipeline.conftest import in_schema


def test_current_config_defaults(db, acme):
    version, config = in_schema(acme.slug, services.current_config)

    assert version == 0
    assert config == ScoringConfig.default()


def test_replace_resets_missing_keys(db, acme):
    in_schema(acme.slug, services.update_config, {"thresholds": {"good": 40}})

    result = in_schema(acme.slug, services.update_config, {"language": "de"}, "admin", replace=True)

    assert result.errors == []
    assert result.version.version == 2
    assert result.version.config.thresholds.good == 60.0
    assert result.version.config.language == "de"


def test_non_object_changes_rejected(db, acme):
    result = in_schema(acme.slug, services.update_config, ["weights"])

    assert result.version is None
    assert result.errors[0].field == ""


def test_unknown_key_error_path(db, acme):
    result = in_schema(acme.slug, services.update_config, {"weights": {"speed": 1}})

    assert [error.field for error in result.errors] == ["weights.speed"]
