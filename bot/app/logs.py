"""Logging that never carries a token: library loggers kept quiet, secrets redacted from every line."""

import logging
import re

_TOKEN_IN_TEXT = re.compile(r"\d{1,20}:[A-Za-z0-9_-]{20,}")

# Loggers of libraries that log request URLs (with the token) or payloads (with patients' words) below
# these levels; they never go lower, whatever LOG_LEVEL says.
_LIBRARY_FLOORS = {
    "httpx": logging.WARNING,
    "httpcore": logging.WARNING,
    "telegram": logging.INFO,
    "apscheduler": logging.WARNING,
    "aiosqlite": logging.INFO,
}


class RedactingFormatter(logging.Formatter):
    """A formatter that removes the bot token, and anything shaped like a token, from the whole line."""

    def __init__(self, secrets: tuple[str, ...], fmt: str) -> None:
        super().__init__(fmt)
        self._secrets = tuple(secret for secret in secrets if secret)

    def format(self, record: logging.LogRecord) -> str:
        """Format the record, traceback included, then redact it."""
        line = super().format(record)
        for secret in self._secrets:
            line = line.replace(secret, "<redacted>")
        return _TOKEN_IN_TEXT.sub("<redacted>", line)


def configure_logging(level: str, *secrets: str) -> None:
    """Send logs to stderr at the given level, with the secrets (token, webhook secret) and payloads kept out."""
    handler = logging.StreamHandler()
    handler.setFormatter(RedactingFormatter(secrets, "%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for name, floor in _LIBRARY_FLOORS.items():
        logging.getLogger(name).setLevel(max(floor, logging.getLevelName(level)))
