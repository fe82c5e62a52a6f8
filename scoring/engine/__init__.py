"""Scoring core: turns a conversation, a configuration and per-message
sentiment into a Score with its explanation.

Plain Python: nothing here imports Django, GraphQL or Dramatiq.
"""

from scoring.engine.config import (
    ConfigError,
    ConfigValidationError,
    CustomSignal,
    RuleParameters,
    ScoringConfig,
    Thresholds,
    Weights,
    validate_config_dict,
)
from scoring.engine.rulebook import get_rulebook
from scoring.engine.scorer import SCORER_VERSION, score_conversation

__all__ = [
    "SCORER_VERSION",
    "ConfigError",
    "ConfigValidationError",
    "CustomSignal",
    "RuleParameters",
    "ScoringConfig",
    "Thresholds",
    "Weights",
    "get_rulebook",
    "score_conversation",
    "validate_config_dict",
]
