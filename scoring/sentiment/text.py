"""Clean customer text before it reaches the model.

The rules, in order:

1. A value that is not a string, or is empty after cleaning, is not scorable.
2. Unicode is normalised with NFKC, so full-width letters and compatibility
   forms become their plain equivalents.
3. Format characters (zero-width space and joiners, byte order marks,
   bidirectional marks), lone surrogates and private-use characters are
   removed. Control characters become spaces.
4. A small table of common emoji and emoticons becomes sentiment words
   (for example a thumbs-up becomes "good"), because the encoder's vocabulary
   has no emoji and would read them as unknown tokens. Every other emoji or
   pictographic symbol is removed.
5. Runs of whitespace collapse to one space.
6. Text without a single letter or digit left (for example "???" or an emoji
   that is not in the table) is not scorable.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

# Emoji and emoticons that carry sentiment, mapped to a word in the encoder's vocabulary.
# Skin-tone modifiers and variation selectors are removed before lookup.
EMOJI_WORDS: dict[str, str] = {
    "\U0001f44d": "good",  # thumbs up
    "\U0001f44e": "bad",  # thumbs down
    "\U0001f64f": "thanks",  # folded hands
    "\U0001f44f": "great",  # clapping hands
    "\U0001f600": "happy",
    "\U0001f603": "happy",
    "\U0001f604": "happy",
    "\U0001f601": "happy",
    "\U0001f642": "happy",
    "\U0001f60a": "happy",
    "\U0001f970": "love",
    "\U0001f60d": "love",
    "\u2764": "love",  # red heart
    "\U0001f389": "great",  # party popper
    "\u2705": "done",  # check mark button
    "\U0001f525": "great",  # fire
    "\U0001f602": "funny",
    "\U0001f923": "funny",
    "\U0001f615": "confused",
    "\U0001f914": "confused",
    "\U0001f610": "meh",
    "\U0001f611": "meh",
    "\U0001f612": "annoyed",
    "\U0001f644": "annoyed",
    "\U0001f624": "frustrated",
    "\U0001f620": "angry",
    "\U0001f621": "angry",
    "\U0001f92c": "angry",
    "\U0001f622": "sad",
    "\U0001f62d": "sad",
    "\U0001f61e": "disappointed",
    "\U0001f614": "disappointed",
    "\U0001f629": "frustrated",
    "\U0001f62b": "frustrated",
    "\U0001f926": "frustrated",  # face palm
    "\U0001f937": "confused",  # shrug
    "\U0001f44c": "good",  # OK hand
    "\U0001f4af": "great",  # hundred points
    "\U0001f609": "happy",  # winking face
    "\U0001f480": "terrible",  # skull
    "\U0001f4a9": "terrible",  # pile of poo
}

EMOTICON_WORDS: dict[str, str] = {
    ":)": "happy",
    ":-)": "happy",
    ":D": "happy",
    ":-D": "happy",
    ";)": "happy",
    ":(": "sad",
    ":-(": "sad",
    ":'(": "sad",
    ">:(": "angry",
    ":/": "annoyed",
    ":-/": "annoyed",
}

_EMOTICON_PATTERN = re.compile(
    r"(?<!\S)(" + "|".join(re.escape(e) for e in sorted(EMOTICON_WORDS, key=len, reverse=True)) + r")(?!\S)"
)
_WHITESPACE = re.compile(r"\s+")
# Skin tones, variation selectors, the combining enclosing keycap and tag characters.
_EMOJI_MODIFIERS = re.compile("[\U0001f3fb-\U0001f3ff\ufe00-\ufe0f\u20e3\U000e0020-\U000e007f]")


@dataclass(frozen=True, slots=True)
class CleanText:
    """Text ready for the model, or the reason it is not scorable."""

    text: str
    scorable: bool


def clean_text(raw: object) -> CleanText:
    """Apply the cleaning rules of this module to one message."""
    if not isinstance(raw, str):
        return CleanText("", False)

    text = unicodedata.normalize("NFKC", raw)
    text = _EMOJI_MODIFIERS.sub("", text)
    text = _EMOTICON_PATTERN.sub(lambda match: f" {EMOTICON_WORDS[match.group(1)]} ", text)

    characters: list[str] = []
    for character in text:
        word = EMOJI_WORDS.get(character)
        if word is not None:
            characters.append(f" {word} ")
            continue

        category = unicodedata.category(character)
        if category in ("Cf", "Cs", "Co", "Cn"):
            continue
        if category == "Cc" or category == "So":
            # Controls split words like whitespace does; other symbols (emoji
            # not in the table, dingbats) carry nothing the encoder can read.
            characters.append(" ")
            continue
        characters.append(character)

    text = _WHITESPACE.sub(" ", "".join(characters)).strip()
    scorable = any(character.isalnum() for character in text)
    return CleanText(text if scorable else "", scorable)
