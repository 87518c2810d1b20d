"""Turning what a patient typed on a phone into tokens that patterns can match: case, accents, apostrophes, typos."""

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass

# Hard boundaries end a sentence; soft ones (a comma, a colon) end a clause for most context rules.
SENTENCE_ENDS = frozenset({".", "!", "?", ";", "\n"})
CLAUSE_ENDS = SENTENCE_ENDS | {",", ":"}
QUESTION = "?"

_LIGATURES = str.maketrans({"œ": "oe", "æ": "ae", "ß": "ss", "\u2019": "'", "\u2018": "'", "`": "'", "´": "'"})
# French elision: "l'œil", "j'ai", "qu'il" become two words; other apostrophes vanish ("can't" -> "cant").
_ELISION = re.compile(r"\b(l|d|j|m|t|s|n|c|qu)'", re.IGNORECASE)
_TOKEN = re.compile(r"\d+(?:[.,]\d+)?|[^\W\d_]+|[.!?;,:/°%\n]")
_REPEATS = re.compile(r"(.)\1+")


@dataclass(frozen=True)
class Token:
    """One word, number or punctuation mark of a message, with the forms patterns compare against."""

    text: str  # case folded, accents removed
    skeleton: str  # repeated letters collapsed: "sooo" -> "so", "swollen" and "swolen" -> "swolen"

    @property
    def is_word(self) -> bool:
        """Tell whether the token is a word or a number rather than punctuation."""
        return self.text[0].isalnum()

    @property
    def is_number(self) -> bool:
        """Tell whether the token is a number (digits, with a decimal point or comma)."""
        return self.text[0].isdigit()


def skeleton(word: str) -> str:
    """Collapse repeated letters, so that doubled or stretched letters do not hide a word."""
    return _REPEATS.sub(r"\1", word)


def fold(text: str) -> str:
    """Fold case, ligatures, accents and apostrophes the same way for messages and for patterns."""
    text = text.casefold().translate(_LIGATURES)
    if "'" in text:
        text = _ELISION.sub(r"\1 ", text)
    if text.isascii():  # nothing to decompose: most messages, and every English pattern (start-up reads ~9,000)
        return text.replace("'", "")
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).replace("'", "")


def tokenise(text: str, aliases: Mapping[str, str], emoji: Mapping[str, str]) -> tuple[Token, ...]:
    """Split a message into tokens, after replacing emoji with words and short forms ("r") with full ones."""
    for symbol, word in emoji.items():
        text = text.replace(symbol, f" {word} ")
    tokens: list[Token] = []
    for raw in _TOKEN.findall(fold(text)):
        for part in aliases.get(raw, raw).split():
            tokens.append(Token(part, skeleton(part)))
    return tuple(tokens)
