"""The shipped texts of the aftercare sequence: short, with the brief's facts for their day, deferring to the clinic."""

import re

import pytest

from bot.content.keys import MESSAGE_PLACEHOLDERS, REQUIRED_PLACEHOLDERS, as_key, home_file
from bot.content.packs import Content, LanguagePack
from bot.content.sequence_rules import DEFAULT_SEQUENCE_PATH, load_sequence
from bot.content.validation import check_sendable, telegram_length

CLINIC = {"clinic_name": "Maple Skin Clinic", "clinic_phone": "416-555-0199", "clinic_hours": "Mon-Fri 9:00-17:00"}
PHONE_SCREEN = 800  # characters a patient reads without tags: about one phone screen
# What each day's message must get across, as words the patient reads.
MUST_SAY = {
    "day0_evening": ("pillowcase", "makeup", "sunburn", "911", "clinic's instructions"),
    "day1": (
        *("cleanser", "moisturizer", "sunscreen", "SPF 30", "pimples", "pick", "clinic's instructions"),
        *("416-555-0199", "Health811 at 811", "Call 911"),
    ),
    "day3": (
        *("settled", "pimples", "check-in", "Call the clinic today", "within a day"),
        *("416-555-0199", "Health811 at 811", "Call 911"),
    ),
    "day7": ("cleared", "book a check", "416-555-0199", "811", "911"),
    "day14": ("sunscreen", "thank", "darker patches", "416-555-0199"),
}
_TAG = re.compile(r"<[^>]+>")


def plain(en: LanguagePack, key: str) -> str:
    """Return a step's text as the patient reads it, with the clinic's details filled in."""
    return _TAG.sub("", en.text(as_key(f"sequence.{key}"), **CLINIC))


def test_each_shipped_step_has_a_text_in_the_catalogue_and_clinic_toml(content: Content) -> None:
    """The schedule's texts are catalogued in clinic.toml and use only the clinic's details; day 7 gives the phone."""
    for step in load_sequence(DEFAULT_SEQUENCE_PATH, content).steps:
        assert MESSAGE_PLACEHOLDERS[as_key(step.text)] == frozenset(CLINIC), step.key
        assert home_file(step.text) == "clinic.toml"
        assert content.pack("en").message_files[step.text] == "clinic.toml"
    for key in ("sequence.day1", "sequence.day3", "sequence.day7"):
        assert REQUIRED_PLACEHOLDERS[key] == frozenset({"clinic_phone"}), key


@pytest.mark.parametrize("key", list(MUST_SAY))
def test_each_text_is_short_and_says_what_its_day_needs(en: LanguagePack, key: str) -> None:
    """About a phone screen at most, valid HTML with the longest clinic details, and the day's facts in it."""
    text = plain(en, key)
    assert telegram_length(text) <= PHONE_SCREEN, (key, telegram_length(text))
    wide = dict.fromkeys(CLINIC, "W" * 100)
    check_sendable(key, en.text(as_key(f"sequence.{key}"), **wide))
    for phrase in MUST_SAY[key]:
        assert phrase.lower() in text.lower(), (key, phrase)
    assert "diagnos" not in text.lower(), key
    assert "good morning" not in text.lower(), key  # a missed message may go out later in the day


def test_the_texts_give_the_safe_end_of_the_brief_ranges(en: LanguagePack) -> None:
    """Makeup at least 2 days, sun 2 weeks, strong products 7 days: the safe end of the clinic sheets' ranges."""
    assert "at least 2 days" in plain(en, "day0_evening")
    day1 = plain(en, "day1")
    assert "2 weeks" in day1
    assert "7 days" in day1
    assert "mineral sunscreen" in day1
