"""Versions of a workspace's scoring configuration.

Functions here run in the schema the connection is on; callers enter the
workspace with `tenants.context.call_in_schema`. Versions are never edited:
each change stores a new version, so every score can name the configuration
that produced it.
"""

from __future__ import annotations

import copy
import logging
from dataclasses import dataclass, field
from typing import Any

from django.db import connection, transaction
from django.db.models import Max
from psycopg import sql

from scoring.engine import ConfigError, ScoringConfig, validate_config_dict
from scoring.models import ScoringConfigVersion

logger = logging.getLogger(__name__)

# The version number of the built-in defaults, used before a workspace saves its first version.
DEFAULT_VERSION = 0
# Normalised weights are rounded so that stored values stay readable.
WEIGHT_DECIMALS = 6
# Sections whose keys merge one by one; other top-level keys are replaced whole.
MERGED_SECTIONS = ("weights", "thresholds", "rules")


@dataclass(frozen=True)
class ConfigVersionView:
    """One configuration version as callers read it; `created_at` is None for the defaults (version 0)."""

    version: int
    config: ScoringConfig
    values: dict[str, Any]
    created_at: Any = None
    created_by: str = ""


@dataclass(frozen=True)
class ConfigUpdateResult:
    """Outcome of `update_config`: the new version, or every validation error.

    `unchanged` is True when the changes left the configuration as it was;
    then `version` is the current one and nothing was stored, so existing
    scores do not count as outdated.
    """

    version: ConfigVersionView | None = None
    errors: list[ConfigError] = field(default_factory=list)
    unchanged: bool = False


def default_version() -> ConfigVersionView:
    config = ScoringConfig.default()
    return ConfigVersionView(version=DEFAULT_VERSION, config=config, values=config.to_dict())


def _view(row: ScoringConfigVersion) -> ConfigVersionView:
    return ConfigVersionView(
        version=row.version,
        config=ScoringConfig.from_dict(row.values),
        values=row.values,
        created_at=row.created_at,
        created_by=row.created_by,
    )


def current_version() -> ConfigVersionView:
    """Return the newest saved version, or the defaults as version 0 when none is saved."""
    row = ScoringConfigVersion.objects.order_by("-version").first()
    return _view(row) if row is not None else default_version()


def current_config() -> tuple[int, ScoringConfig]:
    """Return `(version, config)` of the configuration new scores use."""
    view = current_version()
    return view.version, view.config


def get_config_version(version: int) -> ConfigVersionView | None:
    """Return one version (0 is the defaults), or None when it does not exist."""
    if version == DEFAULT_VERSION:
        return default_version()
    row = ScoringConfigVersion.objects.filter(version=version).first()
    return _view(row) if row is not None else None


def list_config_versions(first: int) -> list[ConfigVersionView]:
    """Return the newest `first` saved versions, newest first (the defaults are not listed)."""
    return [_view(row) for row in ScoringConfigVersion.objects.order_by("-version")[:first]]


def merge_changes(current: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    """Apply partial `changes` to a config dict.

    Keys of `weights`, `thresholds` and `rules` merge one by one; other keys
    (`custom_signals`, `language`) replace the current value. A section that
    is not an object is passed through so validation reports it.
    """
    merged = copy.deepcopy(current)
    for key, value in changes.items():
        if key in MERGED_SECTIONS and isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = {**merged[key], **value}
        else:
            merged[key] = copy.deepcopy(value)
    return merged


def normalize_weights(values: dict[str, Any]) -> dict[str, Any]:
    """Scale the weights of a valid config dict so that they sum to 1."""
    weights = values["weights"]
    total = sum(weights.values())
    normalized = {key: round(weight / total, WEIGHT_DECIMALS) for key, weight in weights.items()}
    return {**values, "weights": normalized}


def update_config(changes: Any, author: str = "", *, replace: bool = False) -> ConfigUpdateResult:
    """Validate `changes` and store them as a new version.

    `changes` is partial and merges into the current version (see
    `merge_changes`), or, with `replace`, is the whole configuration and
    missing keys take their defaults. Returns the new version, or every
    problem (dotted field paths in the engine's snake_case keys) and nothing
    stored. Weights are stored normalised to a sum of 1.
    """
    if not isinstance(changes, dict):
        return ConfigUpdateResult(
            errors=[ConfigError("", f"Expected a JSON object of changes, got {type(changes).__name__}.")]
        )

    with transaction.atomic():
        # Serialise writers so that two concurrent updates get consecutive
        # version numbers and the second one merges into the first.
        table = sql.Identifier(ScoringConfigVersion._meta.db_table)
        with connection.cursor() as cursor:
            cursor.execute(sql.SQL("LOCK TABLE {} IN SHARE ROW EXCLUSIVE MODE").format(table))

        current = current_version()
        merged = changes if replace else merge_changes(current.values, changes)
        errors = validate_config_dict(merged)
        if errors:
            return ConfigUpdateResult(errors=errors)

        values = normalize_weights(ScoringConfig.from_dict(merged).to_dict())
        if values == normalize_weights(ScoringConfig.from_dict(current.values).to_dict()):
            return ConfigUpdateResult(version=current, unchanged=True)
        latest = ScoringConfigVersion.objects.aggregate(latest=Max("version"))["latest"] or DEFAULT_VERSION
        row = ScoringConfigVersion.objects.create(version=latest + 1, values=values, created_by=author[:200])

    logger.info("Scoring configuration v%d saved in %s by %s", row.version, connection.schema_name, author or "-")
    return ConfigUpdateResult(version=_view(row))
