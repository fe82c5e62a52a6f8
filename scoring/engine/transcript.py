"""One pass over a conversation that every rule module reads from.

It normalises each message once, tags it with the phrase categories of its
role, and finds customer repeats and AI loops.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from scoring.engine.config import RuleParameters
from scoring.engine.rulebook import Rulebook
from scoring.engine.text import content_overlap, normalize, similarity, tokens
from scoring.engine.types import ConversationInput, Role

CUSTOMER_CATEGORIES = (
    "customer_confirms_solved",
    "customer_thanks",
    "customer_closing",
    "customer_corrects_ai",
    "customer_asks_human",
)
AI_CATEGORIES = ("ai_cannot_help", "ai_fallback", "ai_clarification", "ai_handoff", "ai_concrete_answer")

# Repeats and loops compare a message with this many earlier messages of the
# same role, which keeps a 1,000-message conversation linear in practice.
COMPARISON_WINDOW = 8


@dataclass(frozen=True, slots=True)
class MessageFacts:
    index: int
    role: Role
    text: str
    has_words: bool
    categories: frozenset[str]
    sent_at: datetime | None

    def has(self, category: str) -> bool:
        return category in self.categories


@dataclass(frozen=True, slots=True)
class Transcript:
    """The tagged messages plus the pairs found by the similarity rules.

    `customer_repeats` and `ai_loops` hold (later index, earlier index) pairs.
    """

    messages: tuple[MessageFacts, ...]
    customer_repeats: tuple[tuple[int, int], ...]
    ai_loops: tuple[tuple[int, int], ...]

    def by_role(self, *roles: Role) -> list[MessageFacts]:
        return [m for m in self.messages if m.role in roles and m.has_words]

    @property
    def customer_messages(self) -> list[MessageFacts]:
        return self.by_role(Role.CUSTOMER)

    @property
    def ai_messages(self) -> list[MessageFacts]:
        return self.by_role(Role.AI)

    @property
    def last_with_words(self) -> MessageFacts | None:
        spoken = [m for m in self.messages if m.has_words and m.role is not Role.SYSTEM]
        return spoken[-1] if spoken else None


def build_transcript(conversation: ConversationInput, rulebook: Rulebook, parameters: RuleParameters) -> Transcript:
    facts = []
    for index, message in enumerate(conversation.messages):
        text = normalize(message.text or "")
        has_words = bool(tokens(text))
        role = Role(message.role)
        if role is Role.CUSTOMER:
            categories = CUSTOMER_CATEGORIES
        elif role is Role.AI:
            categories = AI_CATEGORIES
        else:
            categories = ()
        found = frozenset(c for c in categories if has_words and _matches(rulebook, c, text))
        facts.append(MessageFacts(index, role, text, has_words, found, message.sent_at))

    customer_repeats = _find_customer_repeats(facts, rulebook, parameters)
    ai_loops = _find_similar_pairs(
        [m for m in facts if m.role is Role.AI and m.has_words], parameters.loop_similarity_threshold
    )
    return Transcript(tuple(facts), customer_repeats, ai_loops)


# A sentence ends at ., ! or ? followed by a space or the end of the text.
_SENTENCE = re.compile(r".+?(?:[.!?]+(?=\s|$)|$)")


def _matches(rulebook: Rulebook, category: str, text: str) -> bool:
    """Match a category's phrases, leaving the AI's requests for information out of concrete answers.

    "Could you share your order number?" names an order number but answers
    nothing, while "How about the Golden Wok?" is a concrete suggestion, so
    only questions that ask the customer for information are left out.
    """
    if category != "ai_concrete_answer":
        return rulebook.matches(category, text)
    sentences = [sentence.strip() for sentence in _SENTENCE.findall(text) if sentence.strip()]
    return any(
        rulebook.matches(category, sentence)
        for sentence in sentences
        if not (sentence.endswith("?") and rulebook.matches("ai_asks_for_information", sentence))
    )


def _find_customer_repeats(
    facts: list[MessageFacts], rulebook: Rulebook, parameters: RuleParameters
) -> tuple[tuple[int, int], ...]:
    """Find customer requests that restate an earlier one.

    Courtesy messages (thanks, closing) are skipped, and short messages need
    a near-identical earlier message, because "yes please" twice is not a
    repeated request.
    """
    overlap_threshold = rulebook.constant("repeat_overlap_threshold")
    min_content_words = rulebook.constant("repeat_min_content_words")
    requests = [
        m
        for m in facts
        if m.role is Role.CUSTOMER
        and m.has_words
        and not (m.has("customer_thanks") or m.has("customer_closing") or m.has("customer_confirms_solved"))
    ]
    pairs = []
    for position, message in enumerate(requests):
        content_words = [t for t in tokens(message.text) if t not in rulebook.stopwords]
        for earlier in reversed(requests[max(0, position - COMPARISON_WINDOW) : position]):
            if similarity(message.text, earlier.text) >= parameters.repeat_similarity_threshold or (
                len(content_words) >= min_content_words
                and content_overlap(message.text, earlier.text, rulebook.stopwords) >= overlap_threshold
            ):
                pairs.append((message.index, earlier.index))
                break
    return tuple(pairs)


def _find_similar_pairs(messages: list[MessageFacts], threshold: float) -> tuple[tuple[int, int], ...]:
    pairs = []
    for position, message in enumerate(messages):
        for earlier in reversed(messages[max(0, position - COMPARISON_WINDOW) : position]):
            if similarity(message.text, earlier.text) >= threshold:
                pairs.append((message.index, earlier.index))
                break
    return tuple(pairs)
