"""The builtin analyzer as the scoring pipeline calls it."""

import pytest

from scoring.engine.types import SentimentLabel, SentimentResult

CLEAR_CASES = [
    ("Thank you so much, that fixed it!", SentimentLabel.POSITIVE),
    ("This is useless, I've asked three times", SentimentLabel.NEGATIVE),
    ("My order number is 12345", SentimentLabel.NEUTRAL),
]

HOSTILE_TEXTS = [
    "",
    "    ",
    "\u200b\u200b",
    "\U0001f984\U0001f984",
    "\x00\x01\x02",
    "hello \ud800 world",
    "Спасибо! 谢谢 شكرا thanks a lot",
    "a" * 5000,
    "\U0001f621" * 300,
    "refund\x00\x00 now!!!",
    "https://example.com/orders/123?x=%00%ff",
    "<script>alert(1)</script>",
    "''''''\"\"\"\"",
]


@pytest.mark.parametrize(("text", "expected"), CLEAR_CASES)
def test_clear_case_labels(analyzer, text, expected):
    [result] = analyzer.analyze([text])

    assert result.label == expected
    assert result.scorable is True
    assert result.truncated is False


def test_value_sign_follows_label(analyzer):
    positive, negative = analyzer.analyze([CLEAR_CASES[0][0], CLEAR_CASES[1][0]])

    assert positive.value > 0
    assert negative.value < 0


def test_results_in_documented_ranges(analyzer):
    results = analyzer.analyze([text for text, _ in CLEAR_CASES] + HOSTILE_TEXTS)

    for result in results:
        assert isinstance(result, SentimentResult)
        assert -1.0 <= result.value <= 1.0
        assert 0.0 <= result.confidence <= 1.0


def test_hostile_texts_never_fail_batch(analyzer):
    texts = HOSTILE_TEXTS + ["Thank you so much, that fixed it!"]

    results = analyzer.analyze(texts)

    assert len(results) == len(texts)
    assert results[-1].label == SentimentLabel.POSITIVE


@pytest.mark.parametrize("text", ["", "   ", "\u200b\u200b", "\U0001f984\U0001f984", "\x00\x01\x02", None])
def test_unusable_text_neutral_not_scorable(analyzer, text):
    [result] = analyzer.analyze([text])

    assert result.scorable is False
    assert result.label == SentimentLabel.NEUTRAL
    assert result.value == 0.0


def test_zero_width_characters_ignored(analyzer):
    clean, hidden = analyzer.analyze(["Thank you so much", "Tha\u200bnk you\u200d so much\ufeff"])

    assert hidden == clean


def test_common_emoji_scored(analyzer):
    [angry] = analyzer.analyze(["\U0001f621\U0001f621"])

    assert angry.scorable is True
    assert angry.label == SentimentLabel.NEGATIVE


def test_batch_alignment(analyzer):
    texts = [
        "Thank you so much, that fixed it!",
        "",
        "This is useless, I've asked three times",
        "   ",
        "My order number is 12345",
        "word " * 800,
    ]

    batch = analyzer.analyze(texts)
    single = [analyzer.analyze([text])[0] for text in texts]

    assert batch == single


def test_same_text_same_output(analyzer):
    text = "The app keeps crashing when I open my invoices"
    others = [f"question number {n} about my account settings and billing" for n in range(40)]

    alone = analyzer.analyze([text])[0]
    again = analyzer.analyze([text])[0]
    among_others = analyzer.analyze(others + [text])[-1]

    assert again == alone
    assert among_others == alone


def test_long_text_truncated(analyzer):
    limit = analyzer.max_subword_tokens
    long_text = "my package has not arrived yet " * limit

    short, long = analyzer.analyze(["my package has not arrived yet", long_text])

    assert limit == 510
    assert long.truncated is True
    assert long.scorable is True
    assert short.truncated is False


def test_text_at_token_limit_not_truncated(analyzer):
    # Each "word" is one WordPiece token, so this is exactly at the limit.
    [result] = analyzer.analyze(["word " * analyzer.max_subword_tokens])

    assert result.truncated is False


def test_empty_batch(analyzer):
    assert analyzer.analyze([]) == []


def test_version_names_builtin_head(analyzer):
    assert analyzer.version.startswith("builtin-")
    assert len(analyzer.version) == len("builtin-") + 12


def test_analyzer_cached_per_process(analyzer, monkeypatch):
    from scoring.sentiment import get_analyzer

    monkeypatch.delenv("SENTIMENT_MODEL", raising=False)

    assert get_analyzer() is analyzer
    assert get_analyzer("builtin") is analyzer
