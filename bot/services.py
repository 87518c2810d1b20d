"""The services a handler may use, built once by the composition root."""

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime

from bot.config import Settings
from bot.content import Content, LanguagePack
from bot.domain.clinic import ClinicInfo
from bot.domain.opening_hours import is_open
from bot.domain.pacing import TokenBucket
from bot.domain.patient import Patient
from bot.domain.treatment_dates import day_of_recovery, local_today
from bot.domain.triage import TriageRules
from bot.storage import Database


@dataclass
class Services:
    """Settings, content, the clock, the database (opened in post_init, closed in post_shutdown), the bulk pace."""

    settings: Settings
    content: Content
    rules: TriageRules
    clock: Callable[[], datetime]
    _database: Database | None = field(default=None, repr=False)
    # Every message the bot sends on its own (broadcasts, reminders, nudges, aftercare steps) takes a slot here, so
    # together they stay under BROADCAST_RATE and leave the rest of Telegram's ~30/s for patients' replies.
    bulk_pace: TokenBucket = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.bulk_pace = TokenBucket(self.settings.broadcast_rate, clock=time.monotonic)

    async def wait_for_bulk_slot(self) -> None:
        """Wait for the next slot of the bulk pace and take it."""
        await asyncio.sleep(self.bulk_pace.reserve())
        self.bulk_pace.used()

    @property
    def database(self) -> Database:
        """Return the open database; handlers only run between post_init and post_shutdown."""
        if self._database is None:
            raise RuntimeError("the database is not open")
        return self._database

    def attach_database(self, database: Database) -> None:
        """Hand over the database opened at start-up."""
        self._database = database

    async def close_database(self) -> bool:
        """Close the database if it is open; tell whether it was."""
        database, self._database = self._database, None
        if database is None:
            return False
        await database.close()
        return True

    @property
    def clinic(self) -> ClinicInfo:
        """Return the clinic's contact details as patients see them."""
        settings = self.settings
        return ClinicInfo(name=settings.clinic_name, phone=settings.clinic_phone, hours=settings.clinic_hours)

    def today(self) -> date:
        """Return today's date at the clinic."""
        return local_today(self.clock(), self.settings.clinic_timezone)

    def local_now(self) -> datetime:
        """Return the current time in the clinic's time zone."""
        return self.clock().astimezone(self.settings.clinic_timezone)

    def clinic_open_now(self) -> bool | None:
        """Tell whether the clinic is open right now, or None when its opening hours are not configured."""
        hours = self.settings.clinic_opening_hours
        return None if hours is None else is_open(hours, self.local_now())

    def pack_for(self, patient: Patient | None, language_code: str | None) -> LanguagePack:
        """Choose the language pack: the patient's stored language, else their Telegram app's language."""
        return self.content.pack(patient.language if patient else language_code)

    def day_of(self, patient: Patient | None) -> int | None:
        """Return the patient's day of recovery at the clinic, or None while the treatment date is unknown."""
        if patient is None or patient.treatment_date is None:
            return None
        return day_of_recovery(patient.treatment_date, self.clock(), self.settings.clinic_timezone)
