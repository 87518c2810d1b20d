"""The bot's data files, loaded and checked once at start-up, for `python -m bot` and the playground alike."""

from dataclasses import dataclass

from bot.config import Settings
from bot.content.packs import Content, ContentError, load_content
from bot.content.sequence_rules import SequenceError, load_sequence
from bot.content.triage_rules import RulesError, load_triage_rules
from bot.domain.sequence import AftercareSequence
from bot.domain.triage import TriageRules
from bot.reading import DEFAULT_READING_PATH, ReadingDataError, TextReader, load_reader

# What a broken data file raises; each message names the file and the key.
PART_ERRORS = (ContentError, RulesError, SequenceError, ReadingDataError)


@dataclass(frozen=True)
class BotParts:
    """The content, triage rules, aftercare sequence and reader the bot is built from."""

    content: Content
    rules: TriageRules
    sequence: AftercareSequence
    reader: TextReader


def load_parts(settings: Settings) -> BotParts:
    """Load the data files the settings name; raise one of PART_ERRORS for a broken one or a missing language."""
    rules = load_triage_rules(settings.triage_rules_path)
    content = load_content(settings.content_dir, rules)  # the texts show the thresholds triage uses
    if settings.clinic_language not in content.languages:
        raise ContentError(
            f"CLINIC_LANGUAGE={settings.clinic_language}: there is no {settings.content_dir}/"
            f"{settings.clinic_language} folder (use one of {', '.join(sorted(content.languages))})"
        )
    sequence = load_sequence(settings.sequence_path, content)
    return BotParts(content, rules, sequence, load_reader(DEFAULT_READING_PATH))
