"""Settings from the environment and an optional .env file, validated once at start-up."""

import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.domain.opening_hours import OpeningHours, parse_opening_hours

DEFAULT_API_URL = "https://api.telegram.org"
DATA_DIR = Path(__file__).resolve().parent.parent / "data"
DEFAULT_CONTENT_DIR = DATA_DIR / "content"
DEFAULT_TRIAGE_RULES = DATA_DIR / "triage.toml"
DEFAULT_SEQUENCE = DATA_DIR / "sequence.toml"
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")
DEFAULT_DATABASE_PATH = "data/bot.sqlite3"
BOT_MODES = ("polling", "webhook")

_TOKEN = re.compile(r"^\d{1,20}:[A-Za-z0-9_-]{1,100}$")
_WEBHOOK_SECRET = re.compile(r"^[A-Za-z0-9_-]{1,256}$")  # Telegram's rule for secret_token


class ConfigError(Exception):
    """A setting is missing or malformed; the message names the variable and never shows a secret."""


@dataclass(frozen=True)
class Settings:
    """Everything the bot reads from its environment."""

    telegram_bot_token: str = field(repr=False)
    telegram_api_url: str
    database_path: Path
    clinic_timezone: ZoneInfo
    clinic_name: str
    clinic_phone: str
    clinic_hours: str
    staff_user_ids: frozenset[int]
    staff_chat_id: int | None
    log_level: str
    content_dir: Path
    triage_rules_path: Path
    clinic_opening_hours: OpeningHours | None
    reminder_time: time
    reminder_last_day: int
    checkin_timeout_minutes: int
    alert_resend_minutes: int
    broadcast_rate: int  # bulk messages per second, at most; Telegram allows 30 in all, so replies keep 5 or more
    sequence_path: Path
    flood_max_updates: int  # updates one user may send within flood_window_seconds before being slowed
    flood_window_seconds: int
    retention_days: int  # days after the recovery window ends before a patient's check-ins are purged
    bot_mode: str  # "polling" (the default) or "webhook"
    webhook_url: str  # the public https URL Telegram calls, without the path; empty when polling
    webhook_secret: str = field(repr=False)  # Telegram's secret_token; empty when polling
    webhook_listen: str
    webhook_port: int

    @property
    def api_base_url(self) -> str:
        """Return the Bot API method base, as Telegram's own local Bot API server lays it out."""
        return f"{self.telegram_api_url}/bot"

    @property
    def api_file_url(self) -> str:
        """Return the Bot API file base."""
        return f"{self.telegram_api_url}/file/bot"

    @property
    def webhook_path(self) -> str:
        """Return the webhook's URL path: derived from the secret (never the token), and not revealing it."""
        return "telegram/" + hashlib.sha256(self.webhook_secret.encode()).hexdigest()[:32]


def load_settings(environ: Mapping[str, str]) -> Settings:
    """Build Settings from a mapping of variables, raising ConfigError for the first bad one."""
    values = {key: value.strip() for key, value in environ.items()}
    return Settings(
        telegram_bot_token=_token(values.get("TELEGRAM_BOT_TOKEN", "")),
        telegram_api_url=_url(values.get("TELEGRAM_API_URL") or DEFAULT_API_URL),
        database_path=Path(values.get("DATABASE_PATH") or DEFAULT_DATABASE_PATH),
        clinic_timezone=_timezone(values.get("CLINIC_TIMEZONE") or "America/Toronto"),
        clinic_name=_required_text(values, "CLINIC_NAME"),
        clinic_phone=_required_text(values, "CLINIC_PHONE"),
        clinic_hours=_required_text(values, "CLINIC_HOURS"),
        staff_user_ids=_user_ids(values.get("STAFF_USER_IDS", "")),
        staff_chat_id=_optional_chat_id(values.get("STAFF_CHAT_ID", "")),
        log_level=_log_level(values.get("LOG_LEVEL") or "INFO"),
        content_dir=Path(values.get("CONTENT_DIR") or DEFAULT_CONTENT_DIR),
        triage_rules_path=Path(values.get("TRIAGE_RULES") or DEFAULT_TRIAGE_RULES),
        clinic_opening_hours=_opening_hours(values.get("CLINIC_OPENING_HOURS", "")),
        reminder_time=_clock_time(values.get("REMINDER_TIME") or "10:00", "REMINDER_TIME"),
        reminder_last_day=_whole_number(values, "REMINDER_LAST_DAY", 14, 1, 90),
        checkin_timeout_minutes=_whole_number(values, "CHECKIN_TIMEOUT_MINUTES", 360, 5, 24 * 60),
        alert_resend_minutes=_whole_number(values, "ALERT_RESEND_MINUTES", 30, 5, 24 * 60),
        broadcast_rate=_whole_number(values, "BROADCAST_RATE", 20, 1, 25),
        sequence_path=Path(values.get("SEQUENCE_FILE") or DEFAULT_SEQUENCE),
        flood_max_updates=_whole_number(values, "FLOOD_MAX_UPDATES", 20, 1, 1000),
        flood_window_seconds=_whole_number(values, "FLOOD_WINDOW_SECONDS", 10, 1, 3600),
        retention_days=_whole_number(values, "RETENTION_DAYS", 365, 1, 36500),
        **_webhook_settings(values),
    )


def _webhook_settings(values: Mapping[str, str]) -> dict[str, Any]:
    """Read BOT_MODE and, in webhook mode, the webhook's URL, secret, listen address and port."""
    mode = (values.get("BOT_MODE") or "polling").lower()
    if mode not in BOT_MODES:
        raise ConfigError(f"BOT_MODE is malformed: use one of {', '.join(BOT_MODES)}")
    if mode == "polling":
        return {"bot_mode": mode, "webhook_url": "", "webhook_secret": "", "webhook_listen": "", "webhook_port": 0}
    url = values.get("WEBHOOK_URL", "")
    if not url:
        raise ConfigError("WEBHOOK_URL is missing: webhook mode needs the public https URL Telegram calls")
    if not re.match(r"^https://[^\s/?#]+(/[^\s?#]*)?$", url):
        raise ConfigError("WEBHOOK_URL is malformed: use a public https URL such as https://bot.example.com")
    secret = values.get("WEBHOOK_SECRET", "")
    if not secret:
        raise ConfigError("WEBHOOK_SECRET is missing: webhook mode needs a secret Telegram sends with every update")
    if not _WEBHOOK_SECRET.match(secret):
        raise ConfigError("WEBHOOK_SECRET is malformed: use 1 to 256 characters of A-Z, a-z, 0-9, _ and -")
    listen = values.get("WEBHOOK_LISTEN") or "127.0.0.1"
    if not re.match(r"^[A-Za-z0-9.:-]{1,253}$", listen):
        raise ConfigError("WEBHOOK_LISTEN is malformed: use an IP address such as 127.0.0.1")
    return {
        "bot_mode": mode,
        "webhook_url": url.rstrip("/"),
        "webhook_secret": secret,
        "webhook_listen": listen,
        "webhook_port": _whole_number(values, "WEBHOOK_PORT", 8443, 1, 65535),
    }


def _token(value: str) -> str:
    """Accept a token shaped like BotFather's, without ever echoing it."""
    if not value:
        raise ConfigError("TELEGRAM_BOT_TOKEN is missing: put the token from @BotFather in .env")
    if not _TOKEN.match(value):
        raise ConfigError("TELEGRAM_BOT_TOKEN is malformed: it should look like 123456789:AAH... from @BotFather")
    return value


def _url(value: str) -> str:
    """Accept an http(s) URL and drop a trailing slash."""
    if not re.match(r"^https?://[^\s/]+(/\S*)?$", value):
        raise ConfigError(f"TELEGRAM_API_URL is malformed: {value!r} is not an http(s) URL")
    return value.rstrip("/")


def _timezone(value: str) -> ZoneInfo:
    """Accept an IANA time zone name such as America/Toronto."""
    try:
        return ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise ConfigError(f"CLINIC_TIMEZONE is malformed: {value!r} is not a time zone name") from error


def _required_text(values: Mapping[str, str], name: str) -> str:
    """Accept a non-empty line of at most 100 characters: patients see it."""
    value = values.get(name, "")
    if not value:
        raise ConfigError(f"{name} is missing: patients are shown it, so the bot will not start without it")
    if len(value) > 100 or "\n" in value:
        raise ConfigError(f"{name} is malformed: keep it to one line of at most 100 characters")
    return value


def _user_ids(value: str) -> frozenset[int]:
    """Accept a comma-separated list of positive Telegram user ids, possibly empty."""
    parts = [part.strip() for part in value.split(",") if part.strip()]
    if not all(part.isdigit() for part in parts):
        raise ConfigError("STAFF_USER_IDS is malformed: use Telegram user ids separated by commas, like 123,456")
    return frozenset(int(part) for part in parts)


def _optional_chat_id(value: str) -> int | None:
    """Accept an empty value or a Telegram chat id (negative for groups)."""
    if not value:
        return None
    if not re.match(r"^-?\d{1,20}$", value):
        raise ConfigError("STAFF_CHAT_ID is malformed: use the numeric chat id, like -1001234567890")
    return int(value)


def _log_level(value: str) -> str:
    """Accept one of the log levels we ship."""
    level = value.upper()
    if level not in LOG_LEVELS:
        raise ConfigError(f"LOG_LEVEL is malformed: use one of {', '.join(LOG_LEVELS)}")
    return level


def _opening_hours(value: str) -> OpeningHours | None:
    """Accept an empty value (open hours unknown) or a spec like "Mon-Fri 09:00-17:00; Sat 10:00-14:00"."""
    if not value:
        return None
    try:
        return parse_opening_hours(value)
    except ValueError as error:
        raise ConfigError(f"CLINIC_OPENING_HOURS is malformed: {error}") from error


def _clock_time(value: str, name: str) -> time:
    """Accept a 24-hour time such as 09:30."""
    match = re.fullmatch(r"(\d{1,2}):(\d{2})", value)
    if not match or int(match[1]) > 23 or int(match[2]) > 59:
        raise ConfigError(f"{name} is malformed: use a 24-hour time like 10:00")
    return time(int(match[1]), int(match[2]))


def _whole_number(values: Mapping[str, str], name: str, default: int, low: int, high: int) -> int:
    """Accept a whole number within a range, or take the default when unset."""
    value = values.get(name, "")
    if not value:
        return default
    if not value.isdigit() or not low <= int(value) <= high:
        raise ConfigError(f"{name} is malformed: use a whole number from {low} to {high}")
    return int(value)
