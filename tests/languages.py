"""Checks on the language a patient is written to in: whether English reached a French-speaking patient."""

import html
import re

from bot.content.packs import LanguagePack

_BETWEEN = re.compile(r"\{[^}]*\}|<[^>]+>|\n|[.!?:;•]")


def english_runs(en: LanguagePack) -> set[str]:
    """Return every run of five or more words of the English texts, between placeholders, tags and stops."""
    templates = [*en.messages.values(), *(screen.text for screen in en.screens.values())]
    pieces = (piece.split() for template in templates for piece in _BETWEEN.split(html.unescape(template)))
    return {" ".join(words) for words in pieces if len(words) >= 5}


def english_in(texts: list[str], en: LanguagePack) -> list[str]:
    """Return the English runs found in any of the texts a patient received."""
    received = [" ".join(html.unescape(text).split()) for text in texts]
    return sorted(run for run in english_runs(en) if any(run in text for text in received))
