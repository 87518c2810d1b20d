"""Spotting warning signs in free text."""

import pytest

from bot.domain.red_flags import RedFlagLevel, classify, normalise

EMERGENCY = ("can't breathe", "red streaks", "swollen eye")
URGENT = ("pus", "fever", "spreading", "puss")


@pytest.mark.parametrize(
    ("text", "level"),
    [
        ("I think there is PUS on my cheek", RedFlagLevel.URGENT),
        ("puss coming out", RedFlagLevel.URGENT),
        ("fever since last night!!", RedFlagLevel.URGENT),
        ("the redness is spreading", RedFlagLevel.URGENT),
        ("I can’t breathe well", RedFlagLevel.EMERGENCY),  # a typographic apostrophe from a phone keyboard
        ("i cant breathe", RedFlagLevel.NONE),  # not in this test's list: each spelling must be listed
        ("Red   streaks on my neck", RedFlagLevel.EMERGENCY),
        ("fever and a swollen eye", RedFlagLevel.EMERGENCY),  # the most urgent level wins
        ("no pus at all", RedFlagLevel.URGENT),  # negations are not trusted: conservative on purpose
        ("my skin feels tight", RedFlagLevel.NONE),
        ("pushing through the day", RedFlagLevel.NONE),  # whole words only: "pus" is not in "pushing"
        ("", RedFlagLevel.NONE),
    ],
)
def test_classify(text: str, level: RedFlagLevel) -> None:
    """Listed words and phrases are found as whole words, whatever the case, spacing or apostrophes."""
    assert classify(text, EMERGENCY, URGENT) is level


def test_normalise_folds_accents_and_punctuation() -> None:
    """Accents, case and punctuation do not hide a word."""
    assert normalise("FIÈVRE... très   forte!") == "fievre tres forte"
