"""Unusual text never crashes the scorer."""

import pytest

from tests.engine.builders import conversation, score

HOSTILE_TEXTS = [
    "",
    "   \n\t  ",
    "\U0001f600\U0001f621\U0001f44d",
    "\u200b\u200c\u200d\ufeff",
    "thanks\u200b that fixed it",
    "Привет, мне нужна помощь with my заказ 123",
    "مرحبا I need help",
    "こんにちは、注文について",
    "a" * 200_000,
    "refund " * 30_000,
    "(((((((((((((((((((",
    "\x00\x01\x02 control",
    "\ud800 lone surrogate",
]


@pytest.mark.parametrize("text", HOSTILE_TEXTS, ids=range(len(HOSTILE_TEXTS)))
def test_hostile_customer_text_scores(text):
    result = score(conversation(("c", text), ("a", text), ("c", text)))

    assert result.summary
    assert result.insufficient_data == (result.overall is None)


def test_zero_width_characters_do_not_hide_phrases():
    result = score(conversation(("c", "Fix my invoice"), ("a", "Done: invoice 4411 updated."), ("c", "tha\u200bnks!")))

    assert "resolution.customer_thanks_after_answer" in {s.code for s in result.signals}


def test_emoji_only_customer_is_insufficient():
    result = score(conversation(("c", "\U0001f621\U0001f621"), ("a", "How can I help?")))

    assert result.insufficient_data is True
