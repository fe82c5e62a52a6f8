"""Errors raised by the sentiment stage."""


class SentimentModelError(Exception):
    """The configured sentiment model cannot be loaded or used.

    The error is permanent for the given setting: retrying with the same
    setting fails the same way. The message names the setting and what to do.
    """

    def __init__(self, setting: str, message: str) -> None:
        super().__init__(f"SENTIMENT_MODEL={setting!r}: {message}")
        self.setting = setting
