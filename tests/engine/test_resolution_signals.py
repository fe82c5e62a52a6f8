"""One test per resolution signal, on conversations written for the purpose."""

from datetime import UTC, datetime

from tests.engine.builders import codes, conversation, score, signal

ENDED = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)


def test_customer_confirms_solved():
    result = score(conversation(
        ("c", "My invoice shows the wrong address."),
        ("a", "You can change it under Settings > Billing, then click Save."),
        ("c", "That fixed it, thanks!"),
    ))

    confirm = signal(result, "resolution.customer_confirms_solved")
    assert confirm.effect > 0
    assert confirm.message_indices == (2,)
    assert "resolution.customer_thanks_after_answer" not in codes(result)


def test_thanks_after_concrete_answer():
    result = score(conversation(
        ("c", "When does my plan renew?"),
        ("a", "Your plan renews on 14 March at 09:00."),
        ("c", "Thanks."),
    ))

    thanks = signal(result, "resolution.customer_thanks_after_answer")
    assert thanks.effect > 0
    assert thanks.message_indices == (2,)


def test_thanks_without_concrete_answer_is_no_signal():
    result = score(conversation(
        ("c", "Hello there"),
        ("a", "Hi, what can I do for you today?"),
        ("c", "Thanks."),
    ))

    assert "resolution.customer_thanks_after_answer" not in codes(result)


def test_ai_concrete_answer():
    result = score(conversation(
        ("c", "How do I reset my password?"),
        ("a", "Follow these steps:\n1. Open the login page\n2. Click 'Forgot password'"),
    ))

    concrete = signal(result, "resolution.ai_concrete_answer")
    assert concrete.effect > 0
    assert concrete.message_indices == (1,)


def test_request_for_information_is_no_concrete_answer():
    result = score(conversation(
        ("c", "I returned a jacket and have no refund yet."),
        ("a", "Could you please share your order number so I can look into it?"),
        ("c", "Order 55310."),
        ("a", "Thanks! Could you please share your order number?"),
    ))

    assert "resolution.ai_concrete_answer" not in codes(result)


def test_suggestion_phrased_as_question_is_concrete():
    result = score(conversation(
        ("c", "I need a cheap restaurant in the centre."),
        ("a", "How about the Golden Wok on Market Street?"),
    ))

    assert signal(result, "resolution.ai_concrete_answer").message_indices == (1,)


def test_customer_repeats_request():
    result = score(conversation(
        ("c", "I need a refund for order 5521 please"),
        ("a", "Could you tell me more about the issue?"),
        ("c", "I need a refund for order 5521"),
    ))

    repeat = signal(result, "resolution.customer_repeats_request")
    assert repeat.effect < 0
    assert repeat.message_indices == (2,)


def test_rephrased_request_counts_as_repeat():
    result = score(conversation(
        ("c", "Cancel my premium subscription"),
        ("a", "Sure, which plan do you have?"),
        ("c", "The premium subscription, cancel it"),
    ))

    assert "resolution.customer_repeats_request" in codes(result)


def test_different_requests_are_no_repeat():
    result = score(conversation(
        ("c", "Where is my parcel?"),
        ("a", "It arrives on 3 May."),
        ("c", "Can I change the delivery address?"),
    ))

    assert "resolution.customer_repeats_request" not in codes(result)


def test_customer_corrects_ai_with_curly_apostrophe():
    result = score(conversation(
        ("c", "Book a table for two"),
        ("a", "I have booked a table for four."),
        ("c", "No, I said two. That\u2019s not what I asked"),
    ))

    correction = signal(result, "resolution.customer_corrects_ai")
    assert correction.effect < 0
    assert correction.message_indices == (2,)


def test_ai_cannot_help():
    result = score(conversation(
        ("c", "Can you change my flight?"),
        ("a", "I'm sorry, I can't help with flight changes."),
    ))

    assert signal(result, "resolution.ai_cannot_help").effect < 0


def test_ai_did_not_understand():
    result = score(conversation(
        ("c", "blorp the thing"),
        ("a", "Sorry, I didn't understand that. Could you rephrase?"),
    ))

    assert signal(result, "resolution.ai_did_not_understand").effect < 0


def test_customer_asks_human():
    result = score(conversation(
        ("c", "This is useless, let me speak to a human"),
        ("a", "I understand."),
    ))

    asks = signal(result, "resolution.customer_asks_human")
    assert asks.effect < 0
    assert asks.message_indices == (0,)


def test_ai_hands_over():
    result = score(conversation(
        ("c", "My account was charged twice"),
        ("a", "I'm transferring you to a human agent now."),
    ))

    assert signal(result, "resolution.handed_over").message_indices == (1,)


def test_human_agent_joins():
    result = score(conversation(
        ("c", "My account was charged twice"),
        ("a", "Let me check."),
        ("h", "Hi, Dana from billing here."),
    ))

    assert signal(result, "resolution.handed_over").message_indices == (2,)


def test_unanswered_last_message_when_ended():
    result = score(conversation(
        ("c", "My card was declined"),
        ("a", "Which card type do you use?"),
        ("c", "A Visa debit card"),
        ended_at=ENDED,
    ))

    unanswered = signal(result, "resolution.unanswered_last_message")
    assert unanswered.effect < 0
    assert unanswered.message_indices == (2,)


def test_goodbye_at_end_is_not_unanswered():
    result = score(conversation(
        ("c", "Where do I find my invoices?"),
        ("a", "Go to Billing > Invoices."),
        ("c", "Got it, bye"),
        ended_at=ENDED,
    ))

    assert "resolution.unanswered_last_message" not in codes(result)


def test_customer_silent_on_open_question():
    result = score(conversation(
        ("c", "The app crashes on start"),
        ("a", "Which version of the app do you have?"),
    ))

    silent = signal(result, "resolution.customer_silent_open_issue")
    assert silent.effect < 0
    assert silent.message_indices == (1,)
