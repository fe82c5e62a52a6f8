"""Cleaning rules applied to every message before it reaches the model."""

import pytest

from scoring.sentiment.text import clean_text


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "   \n\t ",
        "\u200b\u200c\u200d\ufeff",
        "\x00\x07\x1b",
        "???!!!",
        "\U0001f984",  # unicorn: an emoji outside the word table
        None,
        42,
    ],
)
def test_unusable_text_not_scorable(raw):
    cleaned = clean_text(raw)

    assert cleaned.scorable is False
    assert cleaned.text == ""


def test_zero_width_characters_removed():
    assert clean_text("Tha\u200bnk\u200d you\ufeff").text == "Thank you"


def test_control_characters_split_words():
    assert clean_text("refund\x00please\x1bnow").text == "refund please now"


def test_common_emoji_become_words():
    assert clean_text("\U0001f44d").text == "good"
    assert clean_text("still broken \U0001f621\U0001f3fb").text == "still broken angry"
    assert clean_text("ok :(").text == "ok sad"


def test_full_width_letters_normalised():
    assert clean_text("\uff28\uff45\uff4c\uff4c\uff4f").text == "Hello"


def test_lone_surrogate_removed():
    assert clean_text("hello \ud800 there").text == "hello there"


def test_mixed_scripts_kept():
    cleaned = clean_text("Спасибо, thanks 谢谢")

    assert cleaned.scorable is True
    assert cleaned.text == "Спасибо, thanks 谢谢"
