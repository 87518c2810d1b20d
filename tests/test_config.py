"""Settings: defaults, and one clear error per bad value that never shows the token."""

from pathlib import Path

import pytest

from bot.config import DEFAULT_API_URL, ConfigError, load_settings

TOKEN = "123456:TEST-not-a-real-token"
VALID = {
    "TELEGRAM_BOT_TOKEN": TOKEN,
    "CLINIC_NAME": "Example Skin Clinic",
    "CLINIC_PHONE": "416-555-0100",
    "CLINIC_HOURS": "Mon-Fri 9-5",
}


def test_defaults_fill_everything_optional() -> None:
    """With only the required values, every other setting takes its documented default."""
    settings = load_settings(VALID)
    assert settings.telegram_api_url == DEFAULT_API_URL
    assert settings.api_base_url == f"{DEFAULT_API_URL}/bot"
    assert settings.api_file_url == f"{DEFAULT_API_URL}/file/bot"
    assert settings.database_path == Path("data/bot.sqlite3")
    assert settings.clinic_timezone.key == "America/Toronto"
    assert settings.staff_user_ids == frozenset()
    assert settings.staff_chat_id is None
    assert settings.log_level == "INFO"


def test_every_setting_is_read() -> None:
    """Each variable reaches its field, with list and number parsing and a trailing slash dropped."""
    settings = load_settings(
        {
            **VALID,
            "TELEGRAM_API_URL": "http://127.0.0.1:8081/",
            "DATABASE_PATH": "/tmp/x.sqlite3",  # noqa: S108 - only parsed, never opened
            "CLINIC_TIMEZONE": "America/Vancouver",
            "STAFF_USER_IDS": " 11, 22 ,33",
            "STAFF_CHAT_ID": "-100123",
            "LOG_LEVEL": "debug",
        }
    )
    assert settings.api_base_url == "http://127.0.0.1:8081/bot"
    assert settings.database_path == Path("/tmp/x.sqlite3")  # noqa: S108
    assert settings.clinic_timezone.key == "America/Vancouver"
    assert settings.staff_user_ids == frozenset({11, 22, 33})
    assert settings.staff_chat_id == -100123
    assert settings.log_level == "DEBUG"


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("TELEGRAM_BOT_TOKEN", ""),
        ("TELEGRAM_BOT_TOKEN", "not a token"),
        ("TELEGRAM_API_URL", "ftp://example"),
        ("CLINIC_TIMEZONE", "Mars/Olympus"),
        ("CLINIC_NAME", ""),
        ("CLINIC_PHONE", "x" * 101),
        ("CLINIC_HOURS", ""),
        ("STAFF_USER_IDS", "12,abc"),
        ("STAFF_CHAT_ID", "staff"),
        ("LOG_LEVEL", "LOUD"),
        # Whole numbers are plain digits: what a lenient parser would read some way is refused as a likely typo.
        ("BROADCAST_RATE", "20.0"),
        ("BROADCAST_RATE", "+5"),
        ("REMINDER_LAST_DAY", "1_0"),
        ("STAFF_CHAT_ID", "-100_500"),
        ("STAFF_USER_IDS", "12,+13"),
    ],
)
def test_a_bad_value_names_its_variable(name: str, value: str) -> None:
    """Each missing or malformed value is reported with the variable's name."""
    with pytest.raises(ConfigError, match=f"^{name} is (missing|malformed)"):
        load_settings({**VALID, name: value})


def test_the_token_never_shows() -> None:
    """Neither the settings' repr nor an error about a near-miss token shows the secret."""
    assert TOKEN not in repr(load_settings(VALID))
    near_miss = TOKEN + " "
    with pytest.raises(ConfigError) as caught:
        load_settings({**VALID, "TELEGRAM_BOT_TOKEN": near_miss + "x"})
    assert "TEST-not-a-real-token" not in str(caught.value)
