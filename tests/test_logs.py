"""Logging keeps tokens out of every line, tracebacks included, and library loggers stay quiet."""

import logging

import pytest

from bot.app.logs import RedactingFormatter, configure_logging

TOKEN = "987654:AAH-secret_part-that-is-long-enough"


def _format(message: str, *args: object, exc: BaseException | None = None) -> str:
    """Format one record the way the bot's handler does."""
    record = logging.LogRecord("test", logging.ERROR, __file__, 1, message, args, None)
    if exc is not None:
        record.exc_info = (type(exc), exc, exc.__traceback__)
    return RedactingFormatter((TOKEN,), "%(message)s").format(record)


def _fail_with(message: str) -> None:
    """Raise an error with this message, so that it carries a real traceback."""
    raise RuntimeError(message)


def test_the_token_is_redacted_from_messages_and_arguments() -> None:
    """The token in a message or its %-arguments (a request URL, say) is replaced."""
    line = _format("POST %s failed", f"https://api.telegram.org/bot{TOKEN}/getMe")
    assert TOKEN not in line
    assert "secret_part" not in line
    assert "<redacted>" in line


def test_every_secret_given_is_redacted() -> None:
    """A second secret, such as the webhook's, is redacted like the token."""
    record = logging.LogRecord("test", logging.INFO, __file__, 1, "header was %s", ("hook-secret_value",), None)
    line = RedactingFormatter((TOKEN, "hook-secret_value"), "%(message)s").format(record)
    assert "hook-secret_value" not in line


def test_any_token_shape_is_redacted_from_tracebacks() -> None:
    """A traceback carrying some other token-shaped string is redacted too."""
    other = "1234567:ZZZ-another-token-of-enough-length"
    try:
        _fail_with(f"bad url https://x/bot{other}/sendMessage")
    except RuntimeError as error:
        line = _format("failed", exc=error)
    assert other not in line
    assert "Traceback" in line


@pytest.mark.parametrize("level", ["DEBUG", "INFO", "WARNING", "ERROR"])
def test_library_loggers_never_go_below_their_floor(level: str) -> None:
    """Httpx (which logs URLs with the token) stays at WARNING and PTB at INFO, whatever LOG_LEVEL says."""
    root = logging.getLogger()
    saved = (root.level, root.handlers[:])
    try:
        configure_logging(level, TOKEN)
        assert not logging.getLogger("httpx").isEnabledFor(logging.INFO)
        assert not logging.getLogger("telegram.ext.Updater").isEnabledFor(logging.DEBUG)
        assert logging.getLogger("bot").isEnabledFor(logging.getLevelName(level))
    finally:
        root.setLevel(saved[0])
        root.handlers[:] = saved[1]
