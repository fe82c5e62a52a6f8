"""Rule files: language fallback, version and phrase matching."""

import re

from scoring.engine import get_rulebook
from scoring.engine.text import compile_phrases, normalize


def test_unknown_language_falls_back_to_english():
    assert get_rulebook("xx").language == "en"
    assert get_rulebook(None).language == "en"
    assert get_rulebook("../../etc/passwd").language == "en"


def test_regional_tag_uses_base_language():
    assert get_rulebook("en-GB").version == get_rulebook("en").version


def test_rules_version_derives_from_content():
    assert re.fullmatch(r"en-[0-9a-f]{12}", get_rulebook("en").version)


def test_phrase_matching_ignores_case_and_apostrophe_style():
    pattern = compile_phrases(["that's all"])

    assert pattern.search(normalize("THAT\u2019S ALL, bye"))
    assert pattern.search(normalize("that`s   all"))


def test_phrase_matching_needs_whole_words():
    pattern = compile_phrases(["ty"])

    assert pattern.search(normalize("ok ty"))
    assert not pattern.search(normalize("empty city"))


def test_normalize_strips_invisible_characters():
    assert normalize("  Th\u200bank\ufeff   YOU ") == "thank you"
