"""One playground: the local Bot API, the real bot polling it, the people in its chats, and its clock."""

import asyncio
import json
import logging
from dataclasses import asdict, dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from bot.app.parts import BotParts
from bot.app.root import AftercareBot, build_bot
from bot.config import Settings
from bot.domain.treatment_dates import day_of_recovery
from bot.local_api import LocalTelegram, LocalUser
from bot.playground.clock import PlaygroundClock, next_stop
from bot.storage import Database

logger = logging.getLogger(__name__)

STAFF_ID, STAFF_NAME = 900, "Dr Lee"  # a staff member; their private chat with the bot is chat 900
STAFF_CHAT, STAFF_TITLE = -100900, "Clinic staff"
FIRST_PATIENT = 1001
POLL_SECONDS = 10  # how long the bot's getUpdates is held: waiting costs nothing in process, and updates wake it
ANSWER_WAIT = 5.0  # seconds a press waits for the bot's answerCallbackQuery


class PlaygroundError(Exception):
    """A request the playground cannot carry out, with the HTTP status and a short sentence for the page."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class Patient:
    """A patient of the playground: a local user with a name and the language their Telegram app is set to."""

    user_id: int
    name: str
    language: str


class Playground:
    """The real bot (build_bot) polling a LocalTelegram on 127.0.0.1, on the playground's clock and database."""

    def __init__(self, settings: Settings, parts: BotParts, folder: Path) -> None:
        self._settings, self._parts, self.folder = settings, parts, folder
        self.clock = PlaygroundClock(folder / "clock.json")
        self.fake = LocalTelegram()
        self.patients = self._load_patients()
        self.lock = asyncio.Lock()  # one reset, jump or demo at a time, and no press or message in the middle
        self._bot: AftercareBot | None = None
        self._database: Database | None = None  # a second connection, for the days of recovery the page shows

    @property
    def settings(self) -> Settings:
        """Return the settings the bot runs with."""
        return self._settings

    @property
    def bot(self) -> AftercareBot:
        """Return the running bot."""
        if self._bot is None:
            raise PlaygroundError(409, "the playground is restarting; try again")
        return self._bot

    def _load_patients(self) -> list[Patient]:
        """Read the patients the playground made before a restart."""
        try:
            rows = json.loads((self.folder / "patients.json").read_text(encoding="utf-8"))
            return [Patient(int(row["user_id"]), str(row["name"]), str(row["language"])) for row in rows]
        except FileNotFoundError:
            return []
        except (ValueError, KeyError, TypeError):
            logger.warning("the playground's patients file is unreadable; starting without patients")
            return []

    async def start(self) -> None:
        """Start the local Bot API, open its chats, then the bot, in run_polling's order."""
        fake = self.fake
        fake.long_poll_cap, fake.wall_clock = POLL_SECONDS, self.clock.timestamp
        await fake.start()
        fake.user(STAFF_ID, STAFF_NAME, language_code=self._settings.clinic_language)
        fake.group(STAFF_CHAT, STAFF_TITLE)
        for patient in self.patients:
            fake.user(patient.user_id, patient.name, language_code=patient.language)
        self._settings = self._settings.model_copy(update={"telegram_api_url": fake.url})
        parts = self._parts
        built = build_bot(
            self._settings, parts.content, parts.rules, parts.reader, sequence=parts.sequence, clock=self.clock
        )
        application = built.application
        await application.initialize()
        if application.post_init is not None:
            await application.post_init(application)
        if application.updater is not None:
            await application.updater.start_polling(poll_interval=0.0, timeout=POLL_SECONDS)
        await application.start()
        self._bot = built
        self._database = await Database.open(self._settings.database_path)

    async def stop(self) -> None:
        """Stop the bot in run_polling's order, then the local Bot API."""
        built, self._bot = self._bot, None
        if self._database is not None:
            await self._database.close()
            self._database = None
        if built is not None:
            application = built.application
            if application.updater is not None:
                await application.updater.stop()
            await application.stop()
            await application.shutdown()
            if application.post_shutdown is not None:
                await application.post_shutdown(application)
        await self.fake.stop()

    async def reset(self) -> None:
        """Stop, delete the playground's database, clock and patients, and start afresh (the version goes on)."""
        old = self.fake
        old.changed()  # the page's long polls answer now
        await self.stop()
        database = self._settings.database_path
        for path in (database, Path(f"{database}-wal"), Path(f"{database}-shm")):
            path.unlink(missing_ok=True)
        for name in ("clock.json", "patients.json"):
            (self.folder / name).unlink(missing_ok=True)
        self.clock, self.patients = PlaygroundClock(self.folder / "clock.json"), []
        self.fake = LocalTelegram()
        self.fake.version = old.version + 1
        await self.start()

    async def settle(self) -> None:
        """Wait until the bot has taken every update and its handlers are done with them."""
        await self.fake.wait_taken()
        await asyncio.wait_for(self.bot.application.update_queue.join(), 10.0)

    def add_patient(self, name: str, language: str) -> Patient:
        """Make a new patient (the next id from FIRST_PATIENT) and keep the list on disk."""
        patient = Patient(max((p.user_id + 1 for p in self.patients), default=FIRST_PATIENT), name, language)
        self.patients.append(patient)
        self.folder.mkdir(parents=True, exist_ok=True)
        rows = json.dumps([asdict(p) for p in self.patients], ensure_ascii=False)
        (self.folder / "patients.json").write_text(rows, encoding="utf-8")
        self.fake.user(patient.user_id, name, language_code=language)
        self.fake.changed()
        return patient

    def patient(self, user_id: int) -> Patient:
        """Return a patient of the playground by id, or refuse with 404."""
        found = next((patient for patient in self.patients if patient.user_id == user_id), None)
        if found is None:
            raise PlaygroundError(404, f"there is no patient {user_id}")
        return found

    def speaker(self, chat_id: int, user_id: int) -> LocalUser:
        """Return who speaks: a patient or the staff member in their own chat, or the staff member in the group."""
        if chat_id == STAFF_CHAT and user_id == STAFF_ID:
            return self.fake.user(STAFF_ID)
        if chat_id != user_id:
            raise PlaygroundError(400, "in a private chat, only its own user speaks")
        if chat_id != STAFF_ID:
            self.patient(user_id)
        return self.fake.user(user_id)

    async def send(self, chat_id: int, user_id: int, text: str) -> int:
        """Send a typed message as a user in a chat; return its message_id."""
        speaker = self.speaker(chat_id, user_id)
        if chat_id == STAFF_CHAT:
            return await self.fake.group(STAFF_CHAT).send(speaker, text)
        return await speaker.send(text)

    async def send_photo(self, chat_id: int, user_id: int, caption: str) -> int:
        """Send a photo as a user in their private chat; return its message_id."""
        speaker = self.speaker(chat_id, user_id)
        if chat_id == STAFF_CHAT:
            raise PlaygroundError(400, "photos can be sent in a private chat only")
        return await speaker.send_photo(caption or None)

    async def press(self, chat_id: int, user_id: int, message_id: int, data: str) -> str:
        """Press a button as a user; return the callback query's id."""
        speaker = self.speaker(chat_id, user_id)
        if chat_id == STAFF_CHAT:
            return await self.fake.group(STAFF_CHAT).press_data(speaker, data, message_id)
        return await speaker.press_data(data, message_id)

    async def toast(self, query_id: str) -> dict[str, Any]:
        """Return the bot's answer to a press (its toast) once it comes, or none after ANSWER_WAIT."""
        answer = await self.fake.callback_answer(query_id, ANSWER_WAIT) or {}
        return {"toast": answer.get("text") or None, "show_alert": bool(answer.get("show_alert"))}

    async def travel(self, target: datetime) -> None:
        """Move the clock on to target an hour at most at a time (next_stop), running the minute round at each stop.

        Each step waits for the outbox to send what is due, so reminders, nudges, aftercare steps, alert re-sends and
        purges go out at their time, not all skipped or at once at the end.
        """
        bot = self.bot
        queue = bot.application.job_queue
        scheduled = queue.jobs() if queue is not None else ()
        for job in scheduled:  # the JobQueue's own round waits: one round at a time, as in production
            job.enabled = False
        try:
            minute, zone = self._settings.reminder_time.minute, self._settings.clinic_timezone
            while (now := self.clock()) < target:
                self.clock.move_to(next_stop(now, target, minute, zone))
                await bot.jobs.run_due(bot.application.bot)
                self.fake.changed()
        finally:
            for job in scheduled:
                job.enabled = True

    async def days_of_recovery(self) -> dict[str, int]:
        """Return each onboarded patient's day of recovery by the playground's clock."""
        if self._database is None:
            return {}
        days: dict[str, int] = {}
        for patient in self.patients:
            stored = await self._database.patients.get(patient.user_id)
            if stored is not None and stored.treatment_date is not None:
                days[str(patient.user_id)] = day_of_recovery(
                    stored.treatment_date, self.clock(), self._settings.clinic_timezone
                )
        return days

    async def treatment_date(self, user_id: int) -> date | None:
        """Return a patient's treatment date, or None when they have not given it yet."""
        self.patient(user_id)
        stored = await self._database.patients.get(user_id) if self._database is not None else None
        return stored.treatment_date if stored is not None else None
