"""Alerts to the clinic: one message per patient, day and tier in the staff chat, updated rather than repeated."""

import asyncio
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import date

from telegram import Bot, InlineKeyboardMarkup, User
from telegram.error import BadRequest, TelegramError

from bot.care.services import Services
from bot.content.keys import member
from bot.content.packs import LanguagePack
from bot.domain.checkin import SKIPPED, Answers, Question
from bot.domain.records import Checkin, CheckinStatus, Escalation, EscalationStatus
from bot.telegram import callbacks
from bot.views.screens import keyboard

logger = logging.getLogger(__name__)

# The patient of the update being answered, as Telegram sent them with it (id, name, @handle). An alert posted while
# answering the update names the patient from here instead of asking Telegram (getChat): one round trip less before
# the staff chat hears. Set for the update's own task by patient_of_update(); kept nowhere else.
_UPDATE_PATIENT: ContextVar[tuple[int, str, str | None] | None] = ContextVar("update_patient", default=None)


@contextmanager
def patient_of_update(user: User | None) -> Iterator[None]:
    """Let an alert posted within the block take the patient's name from the update being answered."""
    token = _UPDATE_PATIENT.set((user.id, user.full_name, user.username) if user is not None else None)
    try:
        yield
    finally:
        _UPDATE_PATIENT.reset(token)


@dataclass(frozen=True)
class PatientLabel:
    """How staff see who an alert is about: the Telegram name and @handle, never stored by the bot."""

    name: str
    username: str | None
    language: str  # the language the patient is written to in, named in itself


async def _patient_label(bot: Bot, escalation: Escalation, stored_username: str | None, language: str) -> PatientLabel:
    """Name an escalation's patient as the update being answered does, else as Telegram does, else by their id."""
    named = _UPDATE_PATIENT.get()
    if named is not None and named[0] == escalation.user_id:
        return PatientLabel(named[1] or f"#{escalation.user_id}", named[2], language)
    try:
        chat = await bot.get_chat(escalation.user_id)
    except TelegramError as error:
        logger.info("no name for the patient of escalation %s: %s", escalation.id, type(error).__name__)
        return PatientLabel(f"#{escalation.user_id}", stored_username, language)
    return PatientLabel(chat.full_name or f"#{escalation.user_id}", chat.username, language)


class Alerts:
    """Posts and updates escalations in the staff chat."""

    def __init__(self, services: Services) -> None:
        self._services = services
        self._posting: dict[int, asyncio.Lock] = {}  # by escalation: its post in progress

    @property
    def staff_pack(self) -> LanguagePack:
        """Return the language pack staff read alerts in: the clinic's language."""
        return self._services.clinic_pack

    async def post(self, bot: Bot, escalation_id: int) -> bool:
        """Post an escalation's alert to the staff chat, or bring the one posted up to date; tell whether staff have it.

        A new message (a new or reopened escalation) makes the staff chat notify; an update only edits it. The text is
        rendered from the database as it stands now, so a retried post carries every reason merged meanwhile. One post
        of an escalation at a time: a second one waits, then finds the message and edits it, so none is posted twice.
        """
        async with self._posting.setdefault(escalation_id, asyncio.Lock()):
            try:
                return await self._post(bot, escalation_id)
            finally:
                self._posting.pop(escalation_id, None)

    async def _post(self, bot: Bot, escalation_id: int) -> bool:
        """Post or update one escalation's alert (see post)."""
        services = self._services
        escalation = await services.database.escalations.get(escalation_id)
        chat_id = services.settings.staff_chat_id
        if escalation is None:
            return False  # erased meanwhile (/delete or the retention purge)
        if chat_id is None:
            logger.warning("escalation %s stored, but STAFF_CHAT_ID is not set: nobody was told", escalation.id)
            return False
        text = with_status(await self.current_body(bot, escalation), self.status_line(escalation, None))
        if escalation.staff_message_id is not None:
            try:
                await self._edit(bot, escalation, text)
            except BadRequest as error:
                if "not found" not in error.message.lower():
                    raise
                logger.warning("escalation %s: its staff chat message is gone; posting it again", escalation.id)
            else:
                return True
        message = await bot.send_message(chat_id, text, reply_markup=self.alert_buttons(escalation))
        await services.database.escalations.set_staff_message(
            escalation.id, chat_id, message.message_id, services.clock()
        )
        logger.info("escalation %s posted (tier %s)", escalation.id, escalation.tier)
        await self._post_photo(bot, escalation, chat_id, message.message_id)
        return True

    async def _post_photo(self, bot: Bot, escalation: Escalation, chat_id: int, reply_to: int) -> None:
        """Post the check-in's photo under its alert; a failure costs only the photo, never a second alert."""
        database = self._services.database
        checkin = await database.checkins.get(escalation.checkin_id) if escalation.checkin_id is not None else None
        photo = checkin.answers.get(Question.PHOTO) if checkin is not None else None
        if photo is None or photo == SKIPPED:
            return
        try:
            await bot.send_photo(chat_id, photo, reply_to_message_id=reply_to)
        except TelegramError as error:
            logger.warning("escalation %s: photo not posted (%s)", escalation.id, type(error).__name__)

    def alert_text(self, escalation: Escalation, who: PatientLabel, checkin: Checkin) -> str:
        """Render the alert: tier, patient, day, what was reported, the note if any, and its status line."""
        pack = self.staff_pack
        reasons = "\n".join(f"• {pack.text(member('staff.reason.{}', code))}" for code in escalation.reasons)
        body = pack.text(
            "staff.alert",
            tier_label=pack.text(member("staff.tier.{}", escalation.tier)),
            name=who.name,
            language=who.language,
            handle=f"@{who.username}" if who.username else pack.text("staff.no_handle"),
            day=checkin.day,
            date=pack.format_date(checkin.local_date),
            reasons=reasons,
            escalation_id=escalation.id,
        )
        note = checkin.answers.get(Question.NOTE)
        if note is not None and note != SKIPPED:
            body += "\n" + pack.text("staff.note", note=note)
        if escalation.words is not None:  # raised (or added to) by a message the patient typed
            body += "\n" + pack.text("staff.source.typed") + "\n" + pack.text("staff.typed", words=escalation.words)
        return with_status(body, self.status_line(escalation, None))

    def status_line(self, escalation: Escalation, staff_name: str | None) -> str:
        """Return the alert's last line: open, or who acknowledged or resolved it and when."""
        pack = self.staff_pack
        if escalation.status is EscalationStatus.OPEN:
            return pack.text("staff.status.open")
        moment = (
            escalation.resolved_at if escalation.status is EscalationStatus.RESOLVED else escalation.acknowledged_at
        )
        local = moment.astimezone(self._services.settings.clinic_timezone) if moment else None
        return pack.text(
            member("staff.status.{}", escalation.status.value),
            staff=staff_name or _staff_id(escalation),
            time=local.strftime("%H:%M") if local else "",
        )

    def alert_buttons(self, escalation: Escalation) -> InlineKeyboardMarkup | None:
        """Offer Acknowledge while open and Resolved until resolved; none once resolved."""
        pack = self.staff_pack
        row = []
        if escalation.status is EscalationStatus.OPEN:
            row.append((pack.label("acknowledge"), callbacks.staff_action("ack", escalation.id)))
        if escalation.status is not EscalationStatus.RESOLVED:
            row.append((pack.label("resolve"), callbacks.staff_action("res", escalation.id)))
        return keyboard([row]) if row else None

    async def current_body(self, bot: Bot, escalation: Escalation) -> str:
        """Render an alert's body (without its status line) from the database, as the staff chat first showed it.

        The patient's name comes with the update being answered, or else is asked of Telegram, since the bot does not
        keep it; without it the alert shows the patient's id. An escalation whose check-in is gone shows the day
        worked out from the treatment date.
        """
        database = self._services.database
        patient = await database.patients.get(escalation.user_id)
        language = self._services.pack_for(patient, None).label("language")
        who = await _patient_label(bot, escalation, patient.username if patient else None, language)
        checkin = await database.checkins.get(escalation.checkin_id) if escalation.checkin_id is not None else None
        if checkin is None or checkin.user_id != escalation.user_id:
            checkin = _stand_in(escalation, patient.treatment_date if patient else None)
        return without_status(self.alert_text(escalation, who, checkin))

    async def refresh(self, bot: Bot, escalation: Escalation, staff_name: str | None) -> None:
        """Bring the staff chat's alert in step with a change made elsewhere, such as a button under /alerts."""
        if escalation.staff_chat_id is None or escalation.staff_message_id is None:
            return
        try:
            body = await self.current_body(bot, escalation)
            await self._edit(bot, escalation, with_status(body, self.status_line(escalation, staff_name)))
        except TelegramError as error:
            logger.warning("escalation %s: staff chat alert not updated: %s", escalation.id, type(error).__name__)

    async def _edit(self, bot: Bot, escalation: Escalation, text: str) -> None:
        """Replace an alert's text in the staff chat, keeping its buttons in step with its status."""
        try:
            await bot.edit_message_text(
                text,
                chat_id=escalation.staff_chat_id,
                message_id=escalation.staff_message_id,
                reply_markup=self.alert_buttons(escalation),
            )
        except BadRequest as error:
            if "message is not modified" not in error.message.lower():
                raise


def _staff_id(escalation: Escalation) -> str:
    """Name the staff member who last acted on an alert by Telegram id, when their name is not at hand."""
    who = escalation.resolved_by if escalation.status is EscalationStatus.RESOLVED else escalation.acknowledged_by
    return f"#{who}" if who is not None else "?"


def _stand_in(escalation: Escalation, treatment_date: date | None) -> Checkin:
    """Stand in for an escalation's check-in when it is gone: its date and day, and no answers."""
    day = (escalation.local_date - treatment_date).days if treatment_date is not None else 0
    return Checkin(
        id=0,
        user_id=escalation.user_id,
        local_date=escalation.local_date,
        day=day,
        status=CheckinStatus.COMPLETE,
        answers=Answers(),
        message_id=None,
        started_at=escalation.created_at,
        updated_at=escalation.created_at,
        finished_at=escalation.created_at,
        tier=escalation.tier,
        reasons=escalation.reasons,
    )


def with_status(body: str, status: str) -> str:
    """Put the status line under the alert's body, as its last paragraph."""
    return f"{body}\n\n{status}"


def without_status(text: str) -> str:
    """Return an alert's body without its last paragraph, the status line."""
    return text.rsplit("\n\n", 1)[0]
