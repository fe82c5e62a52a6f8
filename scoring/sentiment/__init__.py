"""Sentiment of customer messages, scored with a Flair text classifier.

Importing this package is cheap: Flair and torch load on the first
`get_analyzer()` call.
"""

from scoring.sentiment.analyzer import SentimentAnalyzer
from scoring.sentiment.errors import SentimentModelError
from scoring.sentiment.loading import get_analyzer, model_version

__all__ = ["SentimentAnalyzer", "SentimentModelError", "get_analyzer", "model_version"]
