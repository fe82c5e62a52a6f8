"""Workspace phrase and regex signals from the config."""

from scoring.engine import ScoringConfig
from tests.engine.builders import codes, conversation, score, signal

CONV = conversation(
    ("c", "I'd like a REFUND for SKU-1234"),
    ("a", "I have started the refund for SKU-1234."),
    ("c", "Refunds take how long?"),
)


def _config(**signal_fields):
    item = {"code": "refund", "component": "resolution", "effect": -7, "reason": "The customer asked for a refund."}
    item.update(signal_fields)
    return ScoringConfig.from_dict({"custom_signals": [item]})


def test_phrase_signal_matches_case_folded():
    result = score(CONV, config=_config(phrases=["refund"]))

    refund = signal(result, "custom.refund")
    assert refund.effect == -7.0
    assert refund.message_indices == (0,)
    assert refund.reason == "The customer asked for a refund."


def test_phrase_signal_respects_word_boundaries():
    result = score(CONV, config=_config(phrases=["fund"]))

    assert "custom.refund" not in codes(result)


def test_regex_signal_on_ai_messages():
    result = score(CONV, config=_config(regex=r"SKU-\d{4}", role="ai", component="efficiency", effect=3))

    sku = signal(result, "custom.refund")
    assert sku.message_indices == (1,)
    assert sku.component.value == "efficiency"


def test_custom_signal_moves_its_sub_score():
    plain = score(CONV)
    flagged = score(CONV, config=_config(phrases=["refund"]))

    assert flagged.resolution == plain.resolution - 7


def test_role_any_matches_all_messages():
    result = score(CONV, config=_config(phrases=["sku 1234", "sku-1234"], role="any"))

    assert signal(result, "custom.refund").message_indices == (0, 1)
