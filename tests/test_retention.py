"""Retention: check-ins and logs of patients whose recovery window ended over RETENTION_DAYS ago are purged daily."""

import logging
from datetime import UTC, date, datetime, timedelta

import pytest

from bot.config import ConfigError, load_settings
from bot.content.packs import LanguagePack
from bot.domain.retention import is_expired, purge_cutoff, window_end
from bot.local_api import LocalTelegram, LocalUser
from bot.storage import Database
from tests.checkin_steps import NORMAL_DAY, answer_all, start_checkin
from tests.conftest import TEST_ENV, Clock, RunningBot
from tests.journeys import onboard
from tests.storage_support import NOW, OTHER, PATIENT

# 10:00 in Toronto (EST) on 2026-11-02; the recovery window (14 days) of a patient treated then ends on Nov 16.
TREATED = datetime(2026, 11, 2, 15, 0, tzinfo=UTC)


def test_a_window_ending_retention_days_ago_is_kept_and_one_day_more_is_purged() -> None:
    """Data is kept while the window ended at most RETENTION_DAYS ago, and purged the day after."""
    treated = date(2026, 11, 2)
    end = window_end(treated, 14)
    assert end == date(2026, 11, 16)
    assert purge_cutoff(end + timedelta(days=365), 14, 365) == treated
    assert not is_expired(treated, end + timedelta(days=365), 14, 365)
    assert is_expired(treated, end + timedelta(days=366), 14, 365)
    assert not is_expired(treated, end, 14, 1)


async def test_the_store_purges_only_expired_patients_logs(database: Database) -> None:
    """Reminder logs of a patient treated before the cutoff, and any dated before it, go; the rest stay."""
    await database.patients.set_treatment_date(OTHER, date(2026, 12, 1), NOW)
    await database.reminders.claim(PATIENT, date(2026, 11, 21), "reminder", NOW)
    await database.reminders.claim(OTHER, date(2026, 11, 21), "reminder", NOW)
    await database.reminders.claim(OTHER, date(2026, 12, 2), "reminder", NOW)
    purged = await database.retention.purge_before(date(2026, 11, 25))
    assert (purged.reminders, purged.checkins, purged.escalations, purged.total) == (2, 0, 0, 2)
    assert await database.reminders.last_claimed(PATIENT, "reminder") is None
    assert await database.reminders.last_claimed(OTHER, "reminder") == date(2026, 12, 2)
    assert await database.patients.get(PATIENT) is not None  # the patient row itself is kept


async def treated_with_one_checkin(user: LocalUser, en: LanguagePack, clock: Clock, treated: datetime) -> None:
    """Onboard a patient treated on the clock's day, and have them do their day-1 check-in."""
    clock.now = treated
    await onboard(user, en, "date_today")
    clock.now = treated + timedelta(days=1)
    await start_checkin(user, en, day=1)
    await answer_all(user, en, list(NORMAL_DAY))


def purge_logs(caplog: pytest.LogCaptureFixture) -> list[str]:
    """Return the messages of the retention job's log records so far."""
    return [record.getMessage() for record in caplog.records if record.getMessage().startswith("retention purge")]


async def test_the_daily_job_purges_checkins_past_retention_only(
    bot: RunningBot, fake_telegram: LocalTelegram, en: LanguagePack, clock: Clock, caplog: pytest.LogCaptureFixture
) -> None:
    """A window that ended 366 days ago loses its check-ins at the next daily run; one 364 days ago keeps them."""
    old, recent = fake_telegram.user(8201), fake_telegram.user(8202)
    await treated_with_one_checkin(old, en, clock, TREATED)
    await treated_with_one_checkin(recent, en, clock, TREATED + timedelta(days=2))
    assert len(await bot.stored_checkins(8201)) == len(await bot.stored_checkins(8202)) == 1
    caplog.set_level(logging.INFO, logger="bot.jobs.minute")

    clock.now = TREATED + timedelta(days=14 + 365)  # the old window ended exactly RETENTION_DAYS ago: kept
    await bot.run_jobs()
    assert len(await bot.stored_checkins(8201)) == 1

    clock.now = TREATED + timedelta(days=14 + 366)
    await bot.run_jobs()
    assert await bot.stored_checkins(8201) == []
    assert await bot.stored_patient(8201) is not None  # they can keep using the bot
    assert len(await bot.stored_checkins(8202)) == 1

    clock.now += timedelta(hours=5)
    await bot.run_jobs()  # the same clinic day: not again
    logs = purge_logs(caplog)
    assert logs == [
        "retention purge: 0 check-ins, 0 escalations, 0 reminders, 0 aftercare messages",
        "retention purge: 1 check-ins, 0 escalations, 0 reminders, 0 aftercare messages",
    ]
    assert not any("8201" in message or "8202" in message for message in logs)

    clock.now = TREATED + timedelta(days=14 + 365 + 3)  # the recent window now ended 366 days ago
    await bot.run_jobs()
    assert await bot.stored_checkins(8202) == []
    assert len(purge_logs(caplog)) == 3


def test_the_retention_setting_has_a_default_and_is_validated() -> None:
    """RETENTION_DAYS defaults to 365; zero or a non-number stops the bot, naming the variable."""
    assert load_settings(TEST_ENV).retention_days == 365
    for bad in ("0", "-5", "a year"):
        with pytest.raises(ConfigError, match="RETENTION_DAYS is malformed"):
            load_settings({**TEST_ENV, "RETENTION_DAYS": bad})
