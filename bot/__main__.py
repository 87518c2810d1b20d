"""`python -m bot`: read the settings, set up logging, and run the bot until SIGINT or SIGTERM.

Or a task: `backup PATH`, `triage-report [--out PATH]` (the triage rules as a sheet to sign off), or `playground
[--port N] [--data DIR]` (the real bot on a local stand-in for Telegram, in the browser), which is also what runs
when no token is configured at all (no .env file, no TELEGRAM_BOT_TOKEN in the environment).
"""

import os
import sys
from pathlib import Path

from dotenv import dotenv_values
from telegram.error import InvalidToken, NetworkError

from bot.app.logs import configure_logging
from bot.app.parts import PART_ERRORS, load_parts
from bot.app.root import BotApplication, build_bot
from bot.config import ConfigError, Settings, load_settings
from bot.reports.triage_report import run_triage_report
from bot.storage import DatabaseError
from bot.storage.backup import run_backup


def main() -> int:
    """Start the bot; a bad setting, content file or database stops it with one clear line and status 2."""
    # Opt in to the library's coming default: durations such as RetryAfter.retry_after as timedelta objects. PTB
    # reads the variable each time it hands out a duration, so setting it here, before the bot is built, is enough.
    os.environ.setdefault("PTB_TIMEDELTA", "true")
    file_values = {key: value for key, value in dotenv_values(Path(".env")).items() if value is not None}
    if sys.argv[1:2] == ["backup"]:
        return run_backup(sys.argv[2:], {**file_values, **os.environ})
    if sys.argv[1:2] == ["triage-report"]:
        return run_triage_report(sys.argv[2:], {**file_values, **os.environ})
    if sys.argv[1:2] == ["playground"]:
        return _playground(sys.argv[2:], {**file_values, **os.environ})
    if not Path(".env").exists() and "TELEGRAM_BOT_TOKEN" not in os.environ:  # nothing configured: try it out
        return _playground(sys.argv[1:], dict(os.environ), fallback=True)
    try:
        settings = load_settings({**file_values, **os.environ})
        parts = load_parts(settings)
    except (ConfigError, *PART_ERRORS) as error:
        return _refuse(str(error))
    secrets = [settings.telegram_bot_token] + ([settings.webhook.secret] if settings.webhook else [])
    configure_logging(settings.log_level, *(secret.get_secret_value() for secret in secrets))
    application = build_bot(settings, parts.content, parts.rules, parts.reader, sequence=parts.sequence).application
    try:
        _run(application, settings)
    except DatabaseError as error:
        return _refuse(f"the database at {settings.database_path} cannot be used: {error}")
    except InvalidToken:
        return _refuse("TELEGRAM_BOT_TOKEN was refused by Telegram: check it with @BotFather")
    except NetworkError as error:
        return _refuse(f"the Bot API at {settings.telegram_api_url} cannot be reached ({type(error).__name__})")
    return 0


def _playground(arguments: list[str], values: dict[str, str], *, fallback: bool = False) -> int:
    """Run the playground, imported only here: the bot on Telegram never loads its web server (aiohttp, ~0.2 s)."""
    # Imported here on purpose, not at the top: a start on Telegram is the bot's most common and most timed.
    from bot.playground.command import run_playground

    return run_playground(arguments, values, fallback=fallback)


def _run(application: BotApplication, settings: Settings) -> None:
    """Run until stopped: long polling by default, or a webhook server that checks Telegram's secret header."""
    webhook = settings.webhook
    if webhook is None:
        application.run_polling()
    else:
        application.run_webhook(
            listen=webhook.listen,
            port=webhook.port,
            url_path=webhook.path,
            webhook_url=f"{webhook.url}/{webhook.path}",
            secret_token=webhook.secret.get_secret_value(),
        )


def _refuse(reason: str) -> int:
    """Say in one line why the bot cannot run, and return the exit status for a bad setup."""
    sys.stderr.write(f"aftercare bot cannot start: {reason}\n")
    return 2


if __name__ == "__main__":
    sys.exit(main())
