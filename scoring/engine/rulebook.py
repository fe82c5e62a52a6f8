"""Load the per-language rule files in `scoring/engine/rules/`.

A rule file holds the phrase lists, extra regular expressions, stopwords and
the rule constants (effects in points, thresholds as fractions). The rules
version is the language code plus the first 12 hex digits of the file's
SHA-256, so any edit to a file changes the version stored with each score.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from scoring.engine.text import compile_phrases

RULES_DIR = Path(__file__).resolve().parent / "rules"
FALLBACK_LANGUAGE = "en"
_LANGUAGE_CODE = re.compile(r"^[a-z]{2,3}$")

PHRASE_CATEGORIES = (
    "customer_confirms_solved",
    "customer_thanks",
    "customer_closing",
    "customer_corrects_ai",
    "customer_asks_human",
    "ai_cannot_help",
    "ai_fallback",
    "ai_clarification",
    "ai_handoff",
    "ai_concrete_answer",
    "ai_asks_for_information",
)


class RulesFileError(ValueError):
    """A rule file is missing a category or constant, or holds a bad pattern."""


@dataclass(frozen=True, slots=True)
class Rulebook:
    """Compiled rules of one language."""

    language: str
    version: str
    matchers: dict[str, tuple[re.Pattern[str], ...]]
    stopwords: frozenset[str]
    constants: dict[str, float]

    def matches(self, category: str, normalized_text: str) -> bool:
        """Return True when any phrase or pattern of `category` occurs in the text."""
        return any(pattern.search(normalized_text) for pattern in self.matchers[category])

    def constant(self, name: str) -> float:
        return self.constants[name]


def base_language(language: str | None) -> str:
    """Return the primary subtag of a language tag: `en-GB` gives `en`."""
    if not language:
        return ""
    return language.strip().replace("_", "-").split("-", 1)[0].casefold()


def get_rulebook(language: str | None) -> Rulebook:
    """Return the rules for `language`, or the English rules when none exist.

    Raises RulesFileError when the file found is malformed.
    """
    code = base_language(language)
    if not _LANGUAGE_CODE.match(code) or not (RULES_DIR / f"{code}.json").is_file():
        code = FALLBACK_LANGUAGE
    return _load_rulebook(code)


@lru_cache(maxsize=16)
def _load_rulebook(code: str) -> Rulebook:
    raw = (RULES_DIR / f"{code}.json").read_bytes()
    data = json.loads(raw)
    phrases = data.get("phrases", {})
    patterns = data.get("patterns", {})

    matchers: dict[str, tuple[re.Pattern[str], ...]] = {}
    for category in PHRASE_CATEGORIES:
        if category not in phrases:
            raise RulesFileError(f"Rules file {code}.json has no phrase list {category!r}. Add one, even if empty.")
        compiled = [compile_phrases(phrases[category])]
        for source in patterns.get(category, []):
            try:
                compiled.append(re.compile(source))
            except re.error as error:
                raise RulesFileError(f"Rules file {code}.json has an invalid pattern {source!r}: {error}.") from error
        matchers[category] = tuple(p for p in compiled if p is not None)

    constants = {name: float(value) for name, value in data.get("constants", {}).items()}
    digest = hashlib.sha256(raw).hexdigest()[:12]
    return Rulebook(
        language=code,
        version=f"{code}-{digest}",
        matchers=matchers,
        stopwords=frozenset(data.get("stopwords", [])),
        constants=constants,
    )
