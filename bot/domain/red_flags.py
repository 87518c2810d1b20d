"""Spotting warning signs in free text a patient typed, with conservative, word-list matching."""

import re
import unicodedata
from collections.abc import Iterable
from enum import IntEnum


class RedFlagLevel(IntEnum):
    """How urgent the words in a message sound; higher is more urgent."""

    NONE = 0
    URGENT = 1
    EMERGENCY = 2


def normalise(text: str) -> str:
    """Fold case, accents, apostrophes and spacing so that word lists match what people type."""
    folded = unicodedata.normalize("NFKD", text.casefold())
    without_marks = "".join(ch for ch in folded if not unicodedata.combining(ch))
    unified = without_marks.replace("\u2019", "'").replace("\u2018", "'").replace("`", "'")
    return " ".join(re.sub(r"[^\w']+", " ", unified).split())


def mentions_any(text: str, phrases: Iterable[str]) -> bool:
    """Tell whether any phrase appears in the text as whole words (a phrase may span several words)."""
    padded = f" {normalise(text)} "
    return any(f" {normalise(phrase)} " in padded for phrase in phrases)


def classify(text: str, emergency: Iterable[str], urgent: Iterable[str]) -> RedFlagLevel:
    """Return the most urgent level whose words the text mentions; negations are not trusted, on purpose."""
    if mentions_any(text, emergency):
        return RedFlagLevel.EMERGENCY
    if mentions_any(text, urgent):
        return RedFlagLevel.URGENT
    return RedFlagLevel.NONE
