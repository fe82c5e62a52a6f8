"""Workspace scoring configuration: weights, rating thresholds, rule parameters
and custom phrase signals.

The Django layer stores configurations as plain dicts (one per version) and
calls `validate_config_dict` and `ScoringConfig.from_dict`. GraphQL and the
admin reuse the same validation, so every error carries a dotted field path.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Any

from scoring.engine.types import Component

MAX_CUSTOM_SIGNALS = 20
MAX_PHRASES_PER_SIGNAL = 50
MAX_PHRASE_CHARS = 100
MAX_REGEX_CHARS = 200
MAX_REASON_CHARS = 200
MAX_CUSTOM_EFFECT = 50.0
CUSTOM_ROLES = ("customer", "ai", "any")
_CODE = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
_LANGUAGE = re.compile(r"^[A-Za-z]{2,3}(?:[-_][A-Za-z0-9]{2,8})*$")
# A quantified group that itself contains a quantifier, such as `(a+)+`, can
# backtrack for exponential time on a long message. Python's `re` has no
# timeout, so such patterns are rejected up front.
# NOTE: this catches the common shapes only; overlapping alternatives such as
# `(a|aa)+` can still backtrack badly and pass validation.
_NESTED_QUANTIFIER = re.compile(r"\((?:[^()\\]|\\.)*[+*}](?:[^()\\]|\\.)*\)\s*(?:[+*]|\{\d*,)")


@dataclass(frozen=True, slots=True)
class ConfigError:
    """One problem in a configuration dict.

    `field` is a dotted path such as `weights.sentiment` or
    `custom_signals.0.effect`, and `message` names the bad value and the fix.
    """

    field: str
    message: str


class ConfigValidationError(ValueError):
    """Raised by `ScoringConfig.from_dict` for an invalid dict, with every problem in `errors`."""

    def __init__(self, errors: list[ConfigError]):
        self.errors = errors
        super().__init__("; ".join(f"{e.field}: {e.message}" for e in errors))


@dataclass(frozen=True, slots=True)
class Weights:
    """Relative weights of the sub-scores in the overall score, normalised on use."""

    resolution: float = 0.4
    efficiency: float = 0.3
    sentiment: float = 0.3

    def normalized(self) -> dict[Component, float]:
        """Return each weight divided by their sum. Raises ValueError when the sum is not positive."""
        total = self.resolution + self.efficiency + self.sentiment
        if total <= 0:
            raise ValueError(f"Weights sum to {total}. Give at least one sub-score a positive weight.")
        return {
            Component.RESOLUTION: self.resolution / total,
            Component.EFFICIENCY: self.efficiency / total,
            Component.SENTIMENT: self.sentiment / total,
        }


@dataclass(frozen=True, slots=True)
class Thresholds:
    """Lowest overall score, 0..100, for the `excellent` and `good` ratings."""

    excellent: float = 80.0
    good: float = 60.0


@dataclass(frozen=True, slots=True)
class RuleParameters:
    """Workspace expectations that the efficiency and loop rules compare against."""

    expected_customer_turns: int = 10
    expected_duration_seconds: float = 900.0
    expected_ai_latency_seconds: float = 30.0
    loop_similarity_threshold: float = 0.85
    repeat_similarity_threshold: float = 0.8


@dataclass(frozen=True, slots=True)
class CustomSignal:
    """A workspace phrase rule: when a message of `role` matches, add `effect` points to `component`.

    It matches when any of `phrases` occurs as whole words or when `regex`
    finds a match, both ignoring case. The signal counts once
    per conversation and lists every matching message. Its code in scores is
    `custom.<code>`.
    """

    code: str
    component: Component
    effect: float
    reason: str
    phrases: tuple[str, ...] = ()
    regex: str | None = None
    role: str = "customer"


_SECTION_TYPES = {"weights": Weights, "thresholds": Thresholds, "rules": RuleParameters}
_TOP_LEVEL_KEYS = ("weights", "thresholds", "rules", "custom_signals", "language")
_CUSTOM_KEYS = ("code", "component", "effect", "reason", "phrases", "regex", "role")


@dataclass(frozen=True, slots=True)
class ScoringConfig:
    weights: Weights = field(default_factory=Weights)
    thresholds: Thresholds = field(default_factory=Thresholds)
    rules: RuleParameters = field(default_factory=RuleParameters)
    custom_signals: tuple[CustomSignal, ...] = ()
    language: str = "en"

    @classmethod
    def default(cls) -> ScoringConfig:
        return cls()

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-ready dict that `from_dict` turns back into an equal config."""
        return {
            "weights": _section_to_dict(self.weights),
            "thresholds": _section_to_dict(self.thresholds),
            "rules": _section_to_dict(self.rules),
            "custom_signals": [
                {
                    "code": signal.code,
                    "component": signal.component.value,
                    "effect": signal.effect,
                    "reason": signal.reason,
                    "phrases": list(signal.phrases),
                    "regex": signal.regex,
                    "role": signal.role,
                }
                for signal in self.custom_signals
            ],
            "language": self.language,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ScoringConfig:
        """Build a config from a dict, where missing keys take their defaults.

        Raises ConfigValidationError listing every problem, including unknown keys.
        """
        errors = validate_config_dict(data)
        if errors:
            raise ConfigValidationError(errors)

        sections = {}
        for name, section_type in _SECTION_TYPES.items():
            values = data.get(name, {})
            sections[name] = section_type(**{key: _as_field_type(section_type, key, values[key]) for key in values})

        custom_signals = tuple(
            CustomSignal(
                code=item["code"],
                component=Component(item["component"]),
                effect=float(item["effect"]),
                reason=item["reason"].strip(),
                phrases=tuple(item.get("phrases") or ()),
                regex=item.get("regex") or None,
                role=item.get("role", "customer"),
            )
            for item in data.get("custom_signals", [])
        )
        return cls(**sections, custom_signals=custom_signals, language=data.get("language", "en"))


def validate_config_dict(data: Any) -> list[ConfigError]:
    """Return every problem in a configuration dict. An empty list means the dict is valid."""
    if not isinstance(data, dict):
        return [ConfigError("", f"Expected a JSON object for the configuration, got {type(data).__name__}.")]

    errors: list[ConfigError] = []
    errors += _unknown_keys(data, _TOP_LEVEL_KEYS, "")
    errors += _validate_weights(data.get("weights", {}))
    errors += _validate_thresholds(data.get("thresholds", {}))
    errors += _validate_rules(data.get("rules", {}))
    errors += _validate_custom_signals(data.get("custom_signals", []))

    language = data.get("language", "en")
    if not isinstance(language, str) or not _LANGUAGE.match(language):
        errors.append(ConfigError("language", f"Invalid language {language!r}. Use a language tag such as 'en' or 'en-GB'."))
    return errors


def _section_to_dict(section: Any) -> dict[str, Any]:
    return {name: getattr(section, name) for name in section.__dataclass_fields__}


def _as_field_type(section_type: type, key: str, value: Any) -> Any:
    default = getattr(section_type(), key)
    return int(value) if isinstance(default, int) else float(value)


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _unknown_keys(data: dict[str, Any], allowed: tuple[str, ...], prefix: str) -> list[ConfigError]:
    return [
        ConfigError(f"{prefix}{key}", f"Unknown key {key!r}. Allowed keys are {', '.join(allowed)}.")
        for key in sorted(map(str, data))
        if key not in allowed
    ]


def _section(data: Any, name: str) -> tuple[dict[str, Any], list[ConfigError]]:
    if not isinstance(data, dict):
        return {}, [ConfigError(name, f"Expected an object for {name}, got {type(data).__name__}.")]
    allowed = tuple(_SECTION_TYPES[name].__dataclass_fields__)
    return data, _unknown_keys(data, allowed, f"{name}.")


def _validate_weights(data: Any) -> list[ConfigError]:
    values, errors = _section(data, "weights")
    merged = _section_to_dict(Weights())
    for key in Weights.__dataclass_fields__:
        if key not in values:
            continue
        value = values[key]
        if not _is_number(value) or value < 0:
            errors.append(ConfigError(f"weights.{key}", f"Invalid weight {value!r}. Use a number of 0 or more."))
        else:
            merged[key] = value
    if not errors and sum(merged.values()) <= 0:
        errors.append(ConfigError("weights", "All weights are 0. Give at least one sub-score a positive weight."))
    return errors


def _validate_thresholds(data: Any) -> list[ConfigError]:
    values, errors = _section(data, "thresholds")
    merged = _section_to_dict(Thresholds())
    valid = True
    for key in Thresholds.__dataclass_fields__:
        if key not in values:
            continue
        value = values[key]
        if not _is_number(value) or not 0 <= value <= 100:
            errors.append(ConfigError(f"thresholds.{key}", f"Invalid threshold {value!r}. Use a number from 0 to 100."))
            valid = False
        else:
            merged[key] = value
    if valid and merged["excellent"] <= merged["good"]:
        errors.append(
            ConfigError(
                "thresholds.excellent",
                f"The excellent threshold {merged['excellent']!r} must be above the good threshold {merged['good']!r}. "
                "Raise excellent or lower good.",
            )
        )
    return errors


def _validate_rules(data: Any) -> list[ConfigError]:
    values, errors = _section(data, "rules")
    for key in RuleParameters.__dataclass_fields__:
        if key not in values:
            continue
        value = values[key]
        path = f"rules.{key}"
        if key.endswith("_similarity_threshold"):
            if not _is_number(value) or not 0 < value <= 1:
                errors.append(ConfigError(path, f"Invalid similarity threshold {value!r}. Use a number above 0 and at most 1."))
        elif key == "expected_customer_turns":
            if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= 1000:
                errors.append(ConfigError(path, f"Invalid turn count {value!r}. Use a whole number from 1 to 1000."))
        elif not _is_number(value) or value <= 0:
            errors.append(ConfigError(path, f"Invalid duration {value!r}. Use a positive number of seconds."))
    return errors


def _validate_custom_signals(data: Any) -> list[ConfigError]:
    if not isinstance(data, list):
        return [ConfigError("custom_signals", f"Expected a list of custom signals, got {type(data).__name__}.")]
    errors: list[ConfigError] = []
    if len(data) > MAX_CUSTOM_SIGNALS:
        errors.append(
            ConfigError("custom_signals", f"{len(data)} custom signals given. Remove some to keep at most {MAX_CUSTOM_SIGNALS}.")
        )
    seen_codes: set[str] = set()
    for index, item in enumerate(data):
        errors += _validate_custom_signal(item, f"custom_signals.{index}", seen_codes)
    return errors


def _validate_custom_signal(item: Any, prefix: str, seen_codes: set[str]) -> list[ConfigError]:
    if not isinstance(item, dict):
        return [ConfigError(prefix, f"Expected an object for a custom signal, got {type(item).__name__}.")]
    errors = _unknown_keys(item, _CUSTOM_KEYS, f"{prefix}.")

    code = item.get("code")
    if not isinstance(code, str) or not _CODE.match(code):
        errors.append(
            ConfigError(
                f"{prefix}.code",
                f"Invalid code {code!r}. Use 1 to 40 lowercase letters, digits or underscores, starting with a letter.",
            )
        )
    elif code in seen_codes:
        errors.append(ConfigError(f"{prefix}.code", f"Duplicate code {code!r}. Give each custom signal its own code."))
    else:
        seen_codes.add(code)

    component = item.get("component")
    allowed_components = [c.value for c in Component]
    if component not in allowed_components:
        errors.append(
            ConfigError(f"{prefix}.component", f"Invalid component {component!r}. Use one of {', '.join(allowed_components)}.")
        )

    effect = item.get("effect")
    if not _is_number(effect) or not -MAX_CUSTOM_EFFECT <= effect <= MAX_CUSTOM_EFFECT or effect == 0:
        errors.append(
            ConfigError(
                f"{prefix}.effect",
                f"Invalid effect {effect!r}. Use a non-zero number of points from {-MAX_CUSTOM_EFFECT:g} to {MAX_CUSTOM_EFFECT:g}.",
            )
        )

    reason = item.get("reason")
    if not isinstance(reason, str) or not reason.strip() or len(reason) > MAX_REASON_CHARS:
        errors.append(
            ConfigError(f"{prefix}.reason", f"Invalid reason {reason!r}. Write one line of 1 to {MAX_REASON_CHARS} characters.")
        )

    role = item.get("role", "customer")
    if role not in CUSTOM_ROLES:
        errors.append(ConfigError(f"{prefix}.role", f"Invalid role {role!r}. Use one of {', '.join(CUSTOM_ROLES)}."))

    errors += _validate_matchers(item, prefix)
    return errors


def _validate_matchers(item: dict[str, Any], prefix: str) -> list[ConfigError]:
    errors: list[ConfigError] = []
    phrases = item.get("phrases", [])
    regex = item.get("regex")

    if not isinstance(phrases, list):
        errors.append(ConfigError(f"{prefix}.phrases", f"Expected a list of phrases, got {type(phrases).__name__}."))
        phrases = []
    if len(phrases) > MAX_PHRASES_PER_SIGNAL:
        errors.append(
            ConfigError(f"{prefix}.phrases", f"{len(phrases)} phrases given. Keep at most {MAX_PHRASES_PER_SIGNAL}.")
        )
    for index, phrase in enumerate(phrases):
        if not isinstance(phrase, str) or not phrase.strip() or len(phrase) > MAX_PHRASE_CHARS:
            errors.append(
                ConfigError(
                    f"{prefix}.phrases.{index}",
                    f"Invalid phrase {phrase!r}. Use 1 to {MAX_PHRASE_CHARS} characters of text.",
                )
            )

    if regex is not None:
        errors += _validate_regex(regex, f"{prefix}.regex")
    if not phrases and not regex:
        errors.append(ConfigError(f"{prefix}.phrases", "No phrases and no regex given. Add at least one phrase or a regex."))
    return errors


def _validate_regex(regex: Any, path: str) -> list[ConfigError]:
    if not isinstance(regex, str) or not regex or len(regex) > MAX_REGEX_CHARS:
        return [ConfigError(path, f"Invalid regex {regex!r}. Use a pattern of 1 to {MAX_REGEX_CHARS} characters or null.")]
    try:
        compiled = re.compile(regex)
    except re.error as error:
        return [ConfigError(path, f"Invalid regex {regex!r}: {error}. Fix the pattern syntax.")]
    if _NESTED_QUANTIFIER.search(regex):
        return [
            ConfigError(
                path,
                f"Regex {regex!r} repeats a group that contains a repetition, which can take exponential time. "
                "Remove the inner or outer quantifier.",
            )
        ]
    if compiled.search(""):
        return [ConfigError(path, f"Regex {regex!r} matches empty text, so it would match every message. Make it require text.")]
    return []
