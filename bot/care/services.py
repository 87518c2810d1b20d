"""The services a handler may use, built once by the composition root."""

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime

from bot.config import Settings
from bot.content.packs import Content, LanguagePack
from bot.domain.clinic import ClinicInfo
from bot.domain.opening_hours import is_open
from bot.domain.patient import Patient
from bot.domain.treatment_dates import day_of_recovery, local_today
from bot.domain.triage import TriageRules
from bot.reading import TextReader
from bot.storage import Database
from bot.telegram.pacing import SendPace

# Telegram's flood limits for a bot: about 30 messages a second in all, and one a second to each chat. Two of the 30
# are kept spare: a reply goes out at once, even while a bulk send waits for a slot promised before it.
TELEGRAM_SENDS_PER_SECOND = 28
TELEGRAM_SECONDS_PER_CHAT = 1.0


@dataclass
class Services:
    """Settings, content, the clock, the database (opened in post_init, closed in post_shutdown), the bulk pace."""

    settings: Settings
    content: Content
    rules: TriageRules
    reader: TextReader  # typed words into check-in findings, which the same triage() reads
    clock: Callable[[], datetime]
    _database: Database | None = field(default=None, repr=False)
    # Every message the bot sends on its own (broadcasts, reminders, nudges, aftercare steps) waits for a slot here,
    # so together they stay under BROADCAST_RATE; every reply takes a slot too, so that bulk sends make room for it.
    send_pace: SendPace = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.send_pace = SendPace(
            bulk_rate=self.settings.broadcast_rate,
            overall_rate=TELEGRAM_SENDS_PER_SECOND,
            per_chat_seconds=TELEGRAM_SECONDS_PER_CHAT,
            clock=time.monotonic,
        )

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

    @property
    def clinic_pack(self) -> LanguagePack:
        """Return the language pack staff read the bot in: CLINIC_LANGUAGE (English by default)."""
        return self.content.pack(self.settings.clinic_language)

    def pack_for(self, patient: Patient | None, language_code: str | None) -> LanguagePack:
        """Choose the language pack: the patient's stored language, else their Telegram app's language."""
        return self.content.pack(patient.language if patient else language_code)

    def day_of(self, patient: Patient | None) -> int | None:
        """Return the patient's day of recovery at the clinic, or None while the treatment date is unknown."""
        if patient is None or patient.treatment_date is None:
            return None
        return day_of_recovery(patient.treatment_date, self.clock(), self.settings.clinic_timezone)
