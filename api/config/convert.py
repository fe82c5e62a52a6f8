"""Conversions between the configuration services' values and the GraphQL types."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import strawberry

from api.config import types
from api.config.inputs import ScoringConfigInput
from scoring.engine import ConfigError
from scoring.engine.config import CustomSignal, RuleParameters, Thresholds, Weights
from scoring.models import RescoreRun
from scoring.services import ConfigVersionView

_SECTION_KEYS = {
    "weights": set(Weights.__dataclass_fields__),
    "thresholds": set(Thresholds.__dataclass_fields__),
    "rules": set(RuleParameters.__dataclass_fields__),
}
_CUSTOM_SIGNAL_KEYS = set(CustomSignal.__dataclass_fields__)
_TOP_LEVEL_KEYS = {*_SECTION_KEYS, "custom_signals", "language"}


def camel_case(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(word.capitalize() for word in rest)


def error_path(field: str) -> list[str]:
    """Turn the engine's `custom_signals.0.effect` into `["customSignals", "0", "effect"]`."""
    return [camel_case(part) for part in field.split(".")] if field else []


def is_unknown_field(field: str) -> bool:
    """Return True when a dotted path names a key the configuration does not have."""
    parts = field.split(".") if field else []
    if not parts:
        return False
    if parts[0] not in _TOP_LEVEL_KEYS:
        return True
    if parts[0] in _SECTION_KEYS and len(parts) == 2:
        return parts[1] not in _SECTION_KEYS[parts[0]]
    if parts[0] == "custom_signals" and len(parts) == 3:
        return parts[2] not in _CUSTOM_SIGNAL_KEYS
    return False


def config_error(error: ConfigError) -> types.ScoringConfigError:
    if is_unknown_field(error.field):
        code = types.ScoringConfigErrorCode.UNKNOWN_FIELD
    else:
        code = types.ScoringConfigErrorCode.INVALID_VALUE
    return types.ScoringConfigError(code=code, field=error_path(error.field), message=error.message)


def _given(value: Any) -> bool:
    return value is not strawberry.UNSET and value is not None


def _section_changes(section: Any) -> dict[str, Any]:
    return {name: value for name, value in vars(section).items() if _given(value)}


def changes_from_input(data: ScoringConfigInput) -> dict[str, Any]:
    """Return the engine's partial config dict for the fields the caller set."""
    changes: dict[str, Any] = {}
    for name in ("weights", "thresholds", "rules"):
        section = getattr(data, name)
        if _given(section):
            changes[name] = _section_changes(section)
    if _given(data.custom_signals):
        changes["custom_signals"] = [
            {
                "code": signal.code,
                "component": signal.component.value,
                "effect": signal.effect,
                "reason": signal.reason,
                "phrases": list(signal.phrases),
                "regex": signal.regex,
                "role": signal.role.value,
            }
            for signal in data.custom_signals
        ]
    if _given(data.language):
        changes["language"] = data.language
    return changes


def configuration(view: ConfigVersionView) -> types.ScoringConfiguration:
    config = view.config
    return types.ScoringConfiguration(
        version=view.version,
        created_at=view.created_at,
        created_by=view.created_by,
        weights=types.ScoringWeights(
            resolution=config.weights.resolution,
            efficiency=config.weights.efficiency,
            sentiment=config.weights.sentiment,
        ),
        thresholds=types.ScoringThresholds(excellent=config.thresholds.excellent, good=config.thresholds.good),
        rules=types.ScoringRuleParameters(
            expected_customer_turns=config.rules.expected_customer_turns,
            expected_duration_seconds=config.rules.expected_duration_seconds,
            expected_ai_latency_seconds=config.rules.expected_ai_latency_seconds,
            loop_similarity_threshold=config.rules.loop_similarity_threshold,
            repeat_similarity_threshold=config.rules.repeat_similarity_threshold,
        ),
        custom_signals=[
            types.CustomPhraseSignal(
                code=signal.code,
                component=signal.component,
                effect=signal.effect,
                reason=signal.reason,
                phrases=list(signal.phrases),
                regex=signal.regex,
                role=types.CustomSignalRole(signal.role),
            )
            for signal in config.custom_signals
        ],
        language=config.language,
    )


def _parse_time(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def rescore_run(run: RescoreRun) -> types.RescoreRun:
    filters = run.filters or {}
    return types.RescoreRun(
        id=strawberry.ID(str(run.id)),
        status=types.RescoreRunStatus(run.status),
        config_version=run.config_version,
        since=_parse_time(filters.get("since")),
        until=_parse_time(filters.get("until")),
        all=bool(filters.get("all")),
        total=run.total,
        done=run.done,
        failed=run.failed,
        pending=run.pending,
        created_at=run.created_at,
        finished_at=run.finished_at,
    )
