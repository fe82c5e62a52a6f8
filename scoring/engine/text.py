"""Text normalisation, phrase matching and message similarity for the rules.

Every function here accepts any string, including empty, emoji-only or very
long text, and returns a value instead of raising.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from difflib import SequenceMatcher

# Characters that render as nothing but split words for a regex: zero-width
# space, joiners, word joiner, byte order mark and soft hyphen.
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"), None)
_APOSTROPHES = dict.fromkeys(map(ord, "\u2018\u2019\u201b\u02bc\u0060\u00b4\u2032"), "'")
_WHITESPACE = re.compile(r"\s+")
_TOKEN = re.compile(r"[^\W_]+(?:'[^\W_]+)*")

# Phrase rules look at this many characters of a message. Longer messages are
# rare in chat support and the cap bounds the work per message.
MAX_MATCH_CHARS = 20_000
# Similarity compares at most this many tokens per message, because difflib
# is quadratic in the worst case.
MAX_SIMILARITY_TOKENS = 200


def normalize(text: str) -> str:
    """Return `text` case-folded, NFKC-normalised, with one apostrophe form.

    Invisible characters are removed and runs of whitespace become one space.
    """
    if not text:
        return ""
    text = text[:MAX_MATCH_CHARS]
    text = unicodedata.normalize("NFKC", text).translate(_INVISIBLE).translate(_APOSTROPHES)
    return _WHITESPACE.sub(" ", text.casefold()).strip()


def tokens(text: str) -> list[str]:
    """Return the word tokens of already normalised text."""
    return _TOKEN.findall(text)


def has_words(text: str) -> bool:
    """Return True when `text` contains at least one letter or digit."""
    return bool(tokens(normalize(text)))


def compile_phrases(phrases: Iterable[str]) -> re.Pattern[str] | None:
    """Compile phrases into one case-folded pattern that matches whole words.

    A phrase matches only where it is not part of a longer word, and any run
    of whitespace inside it matches any whitespace in the text. Phrases are
    sorted longest first so the alternation is deterministic. Returns None for
    an empty list.
    """
    cleaned = sorted({normalize(p) for p in phrases if normalize(p)}, key=lambda p: (-len(p), p))
    if not cleaned:
        return None
    parts = [r"\s+".join(re.escape(word) for word in phrase.split(" ")) for phrase in cleaned]
    return re.compile(r"(?<!\w)(?:" + "|".join(parts) + r")(?!\w)")


def similarity(first: str, second: str) -> float:
    """Return the token-sequence similarity of two normalised texts, 0..1.

    Uses difflib's ratio on word tokens, so punctuation, case and spacing do
    not count. Two texts without words have similarity 0.
    """
    first_tokens = tokens(first)[:MAX_SIMILARITY_TOKENS]
    second_tokens = tokens(second)[:MAX_SIMILARITY_TOKENS]
    if not first_tokens or not second_tokens:
        return 0.0
    return SequenceMatcher(None, first_tokens, second_tokens, autojunk=False).ratio()


def content_overlap(first: str, second: str, stopwords: frozenset[str]) -> float:
    """Return the Jaccard overlap of the content words of two normalised texts.

    Content words are tokens not in `stopwords`. Returns 0 when either text
    has no content word.
    """
    first_words = {t for t in tokens(first) if t not in stopwords}
    second_words = {t for t in tokens(second) if t not in stopwords}
    if not first_words or not second_words:
        return 0.0
    return len(first_words & second_words) / len(first_words | second_words)
