"""Write data/reading/known_words.txt: real words that one typo away from a pattern word would be misread.

A word of 6 letters or more that is not a pattern word is corrected to the nearest pattern word one edit away
("feaver": "fever"). Some real words are one edit from a pattern word too ("fervor", "attendent", "unbeatable"):
this lists them, so the reader never corrects them. Run it again after changing the patterns, with word lists
(one word a line) such as Debian's wamerican and wfrench:

    python -m bot.reading.known_words /usr/share/dict/american-english /usr/share/dict/french
"""

import sys
from pathlib import Path

from bot.domain.findings import FindingKind
from bot.reading.patterns import DEFAULT_READING_PATH, KNOWN_WORDS_FILE, load_patterns
from bot.reading.reader import TextReader

BENIGN = frozenset({FindingKind.ITCH, FindingKind.FLAKING, FindingKind.TIGHTNESS, FindingKind.STINGING})


def misread(word_lists: list[Path], folder: Path) -> list[str]:
    """Return the listed words that the reader reads as a finding only because it corrects them."""
    patterns = load_patterns(folder)
    patterns.known.clear()
    corrected, plain = TextReader(patterns), TextReader(patterns, fuzzy=False)
    found = set()
    for path in word_lists:
        for line in path.read_text(encoding="utf-8", errors="ignore").splitlines():
            word = line.strip()
            if not word.isalpha() or not word.islower():
                continue
            added = {f.kind for f in corrected.read(word).findings} - {f.kind for f in plain.read(word).findings}
            if added - BENIGN:
                found.add(word)
    return sorted(found)


def main() -> None:
    """Write the known-words file from the word lists named on the command line."""
    words = misread([Path(argument) for argument in sys.argv[1:]], DEFAULT_READING_PATH)
    header = [
        "# Real words one typo away from a pattern word: the reader never corrects them as typos.",
        "# Written by `python -m bot.reading.known_words WORD_LISTS...` (see that module); do not edit by hand.",
    ]
    (DEFAULT_READING_PATH / KNOWN_WORDS_FILE).write_text("\n".join([*header, *words, ""]), encoding="utf-8")
    sys.stdout.write(f"{len(words)} words\n")


if __name__ == "__main__":
    main()
