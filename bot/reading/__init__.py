"""Reading typed patient messages into check-in findings (see bot.domain.findings)."""

from bot.reading.patterns import DEFAULT_READING_PATH, ReadingDataError
from bot.reading.reader import TextReader, load_reader

__all__ = ["DEFAULT_READING_PATH", "ReadingDataError", "TextReader", "load_reader"]
