"""Scoring settings."""

from config.env import env_str

# `builtin`, `flair:<name>` or a path to a Flair model file.
SENTIMENT_MODEL = env_str("SENTIMENT_MODEL", "builtin")
