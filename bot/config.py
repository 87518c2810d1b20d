"""Settings from the environment and an optional .env file, validated once at start-up by pydantic."""

import hashlib
import re
from collections.abc import Mapping
from datetime import time
from pathlib import Path
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    SecretStr,
    ValidationError,
    model_validator,
)
from pydantic_core import ErrorDetails

from bot.domain.opening_hours import OpeningHours, parse_opening_hours

DEFAULT_API_URL = "https://api.telegram.org"
DATA_DIR = Path(__file__).resolve().parent.parent / "data"
DEFAULT_CONTENT_DIR = DATA_DIR / "content"
DEFAULT_TRIAGE_RULES = DATA_DIR / "triage.toml"
DEFAULT_SEQUENCE = DATA_DIR / "sequence.toml"
DEFAULT_DATABASE_PATH = "data/bot.sqlite3"

_TOKEN = re.compile(r"^\d{1,20}:[A-Za-z0-9_-]{1,100}$")
_WEBHOOK_SECRET = re.compile(r"^[A-Za-z0-9_-]{1,256}$")  # Telegram's rule for secret_token
# Why a required variable is needed, said when it is missing.
_NEEDED_FOR = {
    "TELEGRAM_BOT_TOKEN": "put the token from @BotFather in .env",
    "CLINIC_NAME": "patients are shown it, so the bot will not start without it",
    "CLINIC_PHONE": "patients are shown it, so the bot will not start without it",
    "CLINIC_HOURS": "patients are shown it, so the bot will not start without it",
    "WEBHOOK_URL": "webhook mode needs the public https URL Telegram calls",
    "WEBHOOK_SECRET": "webhook mode needs a secret Telegram sends with every update",
}


class ConfigError(Exception):
    """A setting is missing or malformed; the message names the variable and never shows a secret."""


def _matching(pattern: re.Pattern[str]) -> AfterValidator:
    """Check a secret against a pattern without ever echoing it."""

    def check(secret: SecretStr) -> SecretStr:
        """Return the secret if it matches the pattern."""
        if not pattern.match(secret.get_secret_value()):
            raise ValueError
        return secret

    return AfterValidator(check)


def _clock_time(value: object) -> object:
    """Read a 24-hour time such as 09:30 (pydantic's own time parsing also takes seconds and time zones)."""
    match = re.fullmatch(r"(\d{1,2}):(\d{2})", value) if isinstance(value, str) else None
    if match is None or int(match[1]) > 23 or int(match[2]) > 59:
        raise ValueError
    return time(int(match[1]), int(match[2]))


def _digits(value: object) -> object:
    """Read a whole number written as plain digits, with a minus sign for chat ids ("20.0", "+5" and "1_0" are not)."""
    if isinstance(value, str):
        if re.fullmatch(r"-?\d{1,19}", value) is None:
            raise ValueError
        return int(value)
    return value


# A whole number in a variable: digits only, so that a typo is refused rather than read some lenient way.
Whole = Annotated[int, BeforeValidator(_digits)]


def _comma_list(value: object) -> object:
    """Split a comma-separated list, dropping blanks."""
    return [part.strip() for part in value.split(",") if part.strip()] if isinstance(value, str) else value


def _opening_hours(value: object) -> object:
    """Read a spec like "Mon-Fri 09:00-17:00; Sat 10:00-14:00"; its ValueError names the bad part."""
    return parse_opening_hours(value) if isinstance(value, str) else value


def _variable(name: str, hint: str, default: Any = ..., **constraints: Any) -> Any:
    """Read a field from the variable `name`; `hint` says how to write it when it is malformed."""
    return Field(default, validation_alias=name, description=hint, **constraints)


def _whole_number(name: str, default: int, low: int, high: int) -> Any:
    """Read a whole number within a range, or take the default when unset."""
    return _variable(name, f"use a whole number from {low} to {high}", default, ge=low, le=high)


def _text(name: str) -> Any:
    """Read a required line that patients see."""
    return _variable(name, "keep it to one line of at most 100 characters", max_length=100, pattern=r"^[^\n]*$")


_Upper = BeforeValidator(lambda value: value.upper() if isinstance(value, str) else value)
_Lower = BeforeValidator(lambda value: value.lower() if isinstance(value, str) else value)
_NoTrailingSlash = AfterValidator(lambda url: url.rstrip("/"))


class _Settings(BaseModel):
    """Frozen, typed, read from variables by name; a secret is a SecretStr, kept out of repr."""

    model_config = ConfigDict(frozen=True, extra="ignore")


class WebhookSettings(_Settings):
    """Where Telegram calls the bot in webhook mode, and the secret it sends with every update."""

    url: Annotated[str, _NoTrailingSlash] = _variable(
        "WEBHOOK_URL",
        "use a public https URL such as https://bot.example.com",
        pattern=r"^https://[^\s/?#]+(/[^\s?#]*)?$",
    )
    secret: Annotated[SecretStr, _matching(_WEBHOOK_SECRET)] = _variable(
        "WEBHOOK_SECRET", "use 1 to 256 characters of A-Z, a-z, 0-9, _ and -"
    )
    listen: str = _variable(
        "WEBHOOK_LISTEN", "use an IP address such as 127.0.0.1", "127.0.0.1", pattern=r"^[A-Za-z0-9.:-]{1,253}$"
    )
    port: Whole = _whole_number("WEBHOOK_PORT", 8443, 1, 65535)

    @property
    def path(self) -> str:
        """Return the webhook's URL path: derived from the secret (never the token), and not revealing it."""
        return "telegram/" + hashlib.sha256(self.secret.get_secret_value().encode()).hexdigest()[:32]


class Settings(_Settings):
    """Everything the bot reads from its environment."""

    telegram_bot_token: Annotated[SecretStr, _matching(_TOKEN)] = _variable(
        "TELEGRAM_BOT_TOKEN", "it should look like 123456789:AAH... from @BotFather"
    )
    telegram_api_url: Annotated[str, _NoTrailingSlash] = _variable(
        "TELEGRAM_API_URL",
        "use an http(s) URL such as https://api.telegram.org",
        DEFAULT_API_URL,
        pattern=r"^https?://[^\s/]+(/\S*)?$",
    )
    database_path: Path = _variable("DATABASE_PATH", "use a file path", Path(DEFAULT_DATABASE_PATH))
    clinic_timezone: ZoneInfo = _variable(
        "CLINIC_TIMEZONE", "use a time zone name such as America/Toronto", ZoneInfo("America/Toronto")
    )
    clinic_name: str = _text("CLINIC_NAME")
    clinic_phone: str = _text("CLINIC_PHONE")
    clinic_hours: str = _text("CLINIC_HOURS")
    staff_user_ids: Annotated[frozenset[Annotated[Whole, Field(ge=0)]], BeforeValidator(_comma_list)] = _variable(
        "STAFF_USER_IDS", "use Telegram user ids separated by commas, like 123,456", frozenset()
    )
    staff_chat_id: Whole | None = _variable("STAFF_CHAT_ID", "use the numeric chat id, like -1001234567890", None)
    log_level: Annotated[Literal["DEBUG", "INFO", "WARNING", "ERROR"], _Upper] = _variable(
        "LOG_LEVEL", "use one of DEBUG, INFO, WARNING, ERROR", "INFO"
    )
    content_dir: Path = _variable("CONTENT_DIR", "use a folder path", DEFAULT_CONTENT_DIR)
    # The language staff read the bot in (alerts, reports, broadcasts): a folder of data/content, such as en or fr.
    clinic_language: Annotated[str, _Lower] = _variable(
        "CLINIC_LANGUAGE", "use the code of a folder of data/content, such as en or fr", "en", pattern=r"^[a-z]{2,3}$"
    )
    triage_rules_path: Path = _variable("TRIAGE_RULES", "use a file path", DEFAULT_TRIAGE_RULES)
    clinic_opening_hours: Annotated[OpeningHours | None, BeforeValidator(_opening_hours)] = _variable(
        "CLINIC_OPENING_HOURS", "write them like Mon-Fri 09:00-17:00; Sat 10:00-14:00", None
    )
    reminder_time: Annotated[time, BeforeValidator(_clock_time)] = _variable(
        "REMINDER_TIME", "use a 24-hour time like 10:00", time(10, 0)
    )
    reminder_last_day: Whole = _whole_number("REMINDER_LAST_DAY", 14, 1, 90)
    checkin_timeout_minutes: Whole = _whole_number("CHECKIN_TIMEOUT_MINUTES", 360, 5, 24 * 60)
    alert_resend_minutes: Whole = _whole_number("ALERT_RESEND_MINUTES", 30, 5, 24 * 60)
    # Bulk messages per second, at most; Telegram allows 30 in all, so replies keep 5 or more.
    broadcast_rate: Whole = _whole_number("BROADCAST_RATE", 20, 1, 25)
    sequence_path: Path = _variable("SEQUENCE_FILE", "use a file path", DEFAULT_SEQUENCE)
    # Updates one user may send within flood_window_seconds before being slowed.
    flood_max_updates: Whole = _whole_number("FLOOD_MAX_UPDATES", 20, 1, 1000)
    flood_window_seconds: Whole = _whole_number("FLOOD_WINDOW_SECONDS", 10, 1, 3600)
    # Days after the recovery window ends before a patient's check-ins are purged.
    retention_days: Whole = _whole_number("RETENTION_DAYS", 365, 1, 36500)
    bot_mode: Annotated[Literal["polling", "webhook"], _Lower] = _variable(
        "BOT_MODE", "use one of polling, webhook", "polling"
    )
    webhook: WebhookSettings | None = None  # present in webhook mode only

    @model_validator(mode="before")
    @classmethod
    def _webhook_in_webhook_mode(cls, variables: Any) -> Any:
        """Read the WEBHOOK_* variables into `webhook` in webhook mode; in polling mode there is none."""
        in_webhook_mode = str(variables.get("BOT_MODE", "")).lower() == "webhook"
        return {**variables, "webhook": variables if in_webhook_mode else None}

    @property
    def api_base_url(self) -> str:
        """Return the Bot API method base, as Telegram's own local Bot API server lays it out."""
        return f"{self.telegram_api_url}/bot"

    @property
    def api_file_url(self) -> str:
        """Return the Bot API file base."""
        return f"{self.telegram_api_url}/file/bot"


def load_settings(environ: Mapping[str, str]) -> Settings:
    """Build Settings from a mapping of variables (blank ones unset), raising ConfigError for the first bad one."""
    variables = {key: value.strip() for key, value in environ.items() if value.strip()}
    try:
        return Settings.model_validate(variables)
    except ValidationError as error:
        raise ConfigError(_explain(error.errors(include_input=False)[0])) from None


def _explain(error: ErrorDetails) -> str:
    """Say in one line which variable is missing or malformed and how to write it, never echoing its value."""
    name = [part for part in error["loc"] if isinstance(part, str)][-1]
    if error["type"] == "missing":
        return f"{name} is missing: {_NEEDED_FOR[name]}"
    reason = str(error.get("ctx", {}).get("error", ""))  # what our own validators found, when they say
    return f"{name} is malformed: {reason or _HINTS[name]}"


_HINTS = {
    str(field.validation_alias): str(field.description)
    for model in (Settings, WebhookSettings)
    for field in model.model_fields.values()
}
