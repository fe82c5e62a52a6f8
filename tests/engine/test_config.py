"""ScoringConfig dict round trip and validation errors."""

import pytest

from scoring.engine import (
    ConfigError,
    ConfigValidationError,
    CustomSignal,
    ScoringConfig,
    validate_config_dict,
)
from scoring.engine.config import MAX_CUSTOM_SIGNALS
from scoring.engine.types import Component

VALID_SIGNAL = {"code": "refund", "component": "resolution", "effect": -5, "reason": "Refund mentioned.", "phrases": ["refund"]}


def _fields(data) -> list[str]:
    return [error.field for error in validate_config_dict(data)]


def test_default_round_trips():
    config = ScoringConfig.default()

    assert ScoringConfig.from_dict(config.to_dict()) == config


def test_custom_config_round_trips():
    config = ScoringConfig(
        custom_signals=(
            CustomSignal(code="refund", component=Component.RESOLUTION, effect=-5.0, reason="Refund.", phrases=("refund",)),
            CustomSignal(code="sku", component=Component.EFFICIENCY, effect=2.0, reason="SKU.", regex=r"sku-\d+", role="any"),
        ),
        language="de",
    )

    assert ScoringConfig.from_dict(config.to_dict()) == config


def test_default_dict_is_valid():
    assert validate_config_dict(ScoringConfig.default().to_dict()) == []


def test_empty_dict_gives_defaults():
    assert ScoringConfig.from_dict({}) == ScoringConfig.default()


def test_unknown_keys_rejected():
    assert _fields({"colour": "red", "weights": {"speed": 1}}) == ["colour", "weights.speed"]


def test_from_dict_raises_with_all_errors():
    with pytest.raises(ConfigValidationError) as caught:
        ScoringConfig.from_dict({"weights": {"sentiment": -1}, "thresholds": {"good": 120}})

    assert [e.field for e in caught.value.errors] == ["weights.sentiment", "thresholds.good"]


def test_negative_weight_message_names_value_and_fix():
    errors = validate_config_dict({"weights": {"sentiment": -0.5}})

    assert errors == [ConfigError("weights.sentiment", "Invalid weight -0.5. Use a number of 0 or more.")]


def test_all_zero_weights_rejected():
    assert _fields({"weights": {"resolution": 0, "efficiency": 0, "sentiment": 0}}) == ["weights"]


def test_boolean_weight_rejected():
    assert _fields({"weights": {"resolution": True}}) == ["weights.resolution"]


def test_excellent_must_be_above_good():
    errors = validate_config_dict({"thresholds": {"excellent": 60, "good": 70}})

    assert [e.field for e in errors] == ["thresholds.excellent"]
    assert "60" in errors[0].message
    assert "70" in errors[0].message


def test_thresholds_within_range():
    assert _fields({"thresholds": {"excellent": 101}}) == ["thresholds.excellent"]


@pytest.mark.parametrize(
    "rules, field",
    [
        ({"expected_customer_turns": 0}, "rules.expected_customer_turns"),
        ({"expected_customer_turns": 2.5}, "rules.expected_customer_turns"),
        ({"expected_duration_seconds": -10}, "rules.expected_duration_seconds"),
        ({"expected_ai_latency_seconds": 0}, "rules.expected_ai_latency_seconds"),
        ({"loop_similarity_threshold": 1.5}, "rules.loop_similarity_threshold"),
        ({"repeat_similarity_threshold": 0}, "rules.repeat_similarity_threshold"),
    ],
)
def test_rule_parameters_must_be_positive(rules, field):
    assert _fields({"rules": rules}) == [field]


def test_custom_signal_component_validated():
    errors = validate_config_dict({"custom_signals": [{**VALID_SIGNAL, "component": "speed"}]})

    assert [e.field for e in errors] == ["custom_signals.0.component"]
    assert "'speed'" in errors[0].message
    assert "resolution, efficiency, sentiment" in errors[0].message


@pytest.mark.parametrize("effect", [-51, 51, 0, "5", None])
def test_custom_signal_effect_bounded(effect):
    assert _fields({"custom_signals": [{**VALID_SIGNAL, "effect": effect}]}) == ["custom_signals.0.effect"]


def test_custom_signal_phrase_length_limited():
    signal = {**VALID_SIGNAL, "phrases": ["ok", "x" * 101]}

    assert _fields({"custom_signals": [signal]}) == ["custom_signals.0.phrases.1"]


def test_custom_signal_needs_phrase_or_regex():
    signal = {**VALID_SIGNAL, "phrases": []}

    assert _fields({"custom_signals": [signal]}) == ["custom_signals.0.phrases"]


def test_custom_signal_count_limited():
    signals = [{**VALID_SIGNAL, "code": f"s{i}"} for i in range(MAX_CUSTOM_SIGNALS + 1)]

    assert _fields({"custom_signals": signals}) == ["custom_signals"]


def test_duplicate_custom_codes_rejected():
    assert _fields({"custom_signals": [VALID_SIGNAL, VALID_SIGNAL]}) == ["custom_signals.1.code"]


@pytest.mark.parametrize("regex", ["(unclosed", "(a+)+$", "x*", "a" * 201])
def test_bad_regex_rejected(regex):
    signal = {**VALID_SIGNAL, "phrases": [], "regex": regex}

    assert _fields({"custom_signals": [signal]}) == ["custom_signals.0.regex"]


def test_invalid_role_and_language_rejected():
    data = {"custom_signals": [{**VALID_SIGNAL, "role": "bot"}], "language": "english please"}

    assert _fields(data) == ["custom_signals.0.role", "language"]


def test_non_object_config_rejected():
    assert _fields(["weights"]) == [""]
