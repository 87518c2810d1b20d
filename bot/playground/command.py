"""`python -m bot playground [--port N] [--data DIR]`: the playground's settings, start-up, and its one line."""

import argparse
import asyncio
import logging
import signal
import sys
from collections.abc import Mapping
from pathlib import Path

from aiohttp import web

from bot.app.logs import configure_logging
from bot.app.parts import PART_ERRORS, BotParts, load_parts
from bot.config import ConfigError, Settings, load_settings
from bot.playground.session import STAFF_CHAT, STAFF_ID, Playground
from bot.playground.web import PlaygroundWeb
from bot.storage import DatabaseError

logger = logging.getLogger(__name__)

DEFAULT_PORT = 8080
DEFAULT_FOLDER = Path("data/playground")
# The local Bot API takes any token of the right shape; this one is no secret and works nowhere else.
PLAYGROUND_TOKEN = "100000:playground-not-a-telegram-token"  # noqa: S105
# The clinic as the demo shows it, unless .env or the environment names one.
DEMO_CLINIC = {
    "CLINIC_NAME": "Maple Skin Clinic",
    "CLINIC_PHONE": "416-555-0199",
    "CLINIC_HOURS": "Mon-Fri 9:00-17:00",
    "CLINIC_OPENING_HOURS": "Mon-Fri 09:00-17:00",
}
GO_LIVE = "to go live, copy .env.example to .env and put in the token from @BotFather"


def _arguments(argv: list[str]) -> argparse.Namespace:
    """Read --port and --data."""
    parser = argparse.ArgumentParser(prog="python -m bot playground", description="Try the bot without Telegram.")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, help="the page's port on 127.0.0.1 (0: any free)")
    parser.add_argument("--data", type=Path, default=DEFAULT_FOLDER, help="the playground's own folder")
    return parser.parse_args(argv)


def playground_settings(environ: Mapping[str, str], folder: Path) -> Settings:
    """Return the bot's settings in the playground: the clinic's own where given, the playground's for the rest."""
    configured = load_settings({**DEMO_CLINIC, "TELEGRAM_BOT_TOKEN": PLAYGROUND_TOKEN, **environ})
    database = folder / "bot.sqlite3"
    if database.resolve() == configured.database_path.resolve():
        raise ConfigError(f"--data {folder}: its bot.sqlite3 is DATABASE_PATH's; give the playground its own folder")
    overrides = {
        "TELEGRAM_BOT_TOKEN": PLAYGROUND_TOKEN,
        "TELEGRAM_API_URL": "http://127.0.0.1:9",  # the local Bot API's, once it has a port
        "DATABASE_PATH": str(database),
        "STAFF_USER_IDS": str(STAFF_ID),
        "STAFF_CHAT_ID": str(STAFF_CHAT),
        "BOT_MODE": "polling",
        # Whatever .env says: the demo taps through three onboardings and check-ins faster than any patient could.
        "FLOOD_MAX_UPDATES": "200",
        "FLOOD_WINDOW_SECONDS": "10",
        "LOG_LEVEL": environ.get("LOG_LEVEL", "WARNING"),
    }
    return load_settings({**DEMO_CLINIC, **environ, **overrides})


def run_playground(argv: list[str], environ: Mapping[str, str], *, fallback: bool = False) -> int:
    """Run the playground until SIGINT or SIGTERM; a bad setting or a busy port stops it with one line and status 2."""
    arguments = _arguments(argv)
    try:
        settings = playground_settings(environ, arguments.data)
        parts = load_parts(settings)
    except (ConfigError, *PART_ERRORS) as error:
        return _refuse(str(error))
    configure_logging(settings.log_level, PLAYGROUND_TOKEN)
    arguments.data.mkdir(parents=True, exist_ok=True)
    try:
        asyncio.run(_serve(settings, parts, arguments.data, arguments.port, fallback=fallback))
    except DatabaseError as error:
        return _refuse(f"the playground's database at {settings.database_path} cannot be used: {error}")
    except OSError as error:
        return _refuse(
            f"port {arguments.port} on 127.0.0.1 cannot be used ({error.strerror}): pick another with --port"
        )
    return 0


async def _serve(settings: Settings, parts: BotParts, folder: Path, port: int, *, fallback: bool) -> None:
    """Start the playground and its page, say where in one line, and stop both on a signal."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    playground = Playground(settings, parts, folder)
    page = PlaygroundWeb(playground)
    runner = web.AppRunner(page.app(), access_log=None, shutdown_timeout=5.0)
    await runner.setup()
    try:
        try:
            await web.TCPSite(runner, "127.0.0.1", port).start()
        except OSError:
            if not fallback:
                raise
            await web.TCPSite(runner, "127.0.0.1", 0).start()  # a first try should not fail on a busy 8080
        await playground.start()
        url = "http://{}:{}".format(*runner.addresses[0][:2])
        if fallback:
            line = f"no Telegram token is configured, so this is the playground: {url} (nothing here talks to Telegram)"
            sys.stderr.write(f"{line}; {GO_LIVE}\n")
        else:
            sys.stderr.write(f"playground ready at {url} (nothing here talks to Telegram)\n")
        sys.stderr.flush()
        await stop.wait()
    finally:
        page.close()
        await runner.cleanup()
        await playground.stop()


def _refuse(reason: str) -> int:
    """Say in one line why the playground cannot run, and return the exit status for a bad setup."""
    sys.stderr.write(f"aftercare playground cannot start: {reason}\n")
    return 2
