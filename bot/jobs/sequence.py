"""Sending the automated aftercare sequence: part of the every-minute job (see bot.jobs.minute).

Everything is worked out from the database at each run: the steps whose moment has come today, the patients
treated on those steps' dates who still take messages, and sequence_log, where each (patient, step) is claimed
before it is sent. So a step goes out at most once (a send whose answer is lost is not repeated), survives a
restart, and a step missed while the bot was down goes out later the same day, never on a later one.
"""

import logging

from telegram import InlineKeyboardMarkup
from telegram.error import Forbidden, RetryAfter, TelegramError

from bot.care.services import Services
from bot.content.packs import ACTIONS, LanguagePack
from bot.content.sequence_rules import button_label
from bot.domain.patient import Patient
from bot.domain.sequence import AftercareSequence, SequenceStep
from bot.telegram import callbacks
from bot.telegram.request_layer import ApiBot, Delivery, UnconfirmedSendError, retry_after_seconds
from bot.views.screens import ButtonSpec, keyboard

logger = logging.getLogger(__name__)


class SequenceJob:
    """Sends each step of the aftercare sequence to each patient once, on its day, from its local time."""

    def __init__(self, services: Services, sequence: AftercareSequence) -> None:
        self._services = services
        self._sequence = sequence

    async def send_due(self, bot: ApiBot) -> None:
        """Send every step that is due now and not yet sent; stop for this round if Telegram asks us to slow down."""
        services = self._services
        local_now = services.local_now()
        due = self._sequence.due_today(local_now.date(), local_now.time())
        if not due:
            return
        steps = {item.step.key: item.step for item in due}
        store = services.database.sequence
        for user_id, key in await store.pending([(item.step.key, item.treatment_date) for item in due]):
            if not await self._send(bot, user_id, steps[key]):
                return

    async def _send(self, bot: ApiBot, user_id: int, step: SequenceStep) -> bool:
        """Claim and send one step to one patient; False when Telegram asked us to slow down."""
        services = self._services
        database = services.database
        patient = await database.patients.get(user_id)  # read again: they may have stopped or blocked since
        if patient is None or patient.messages_stopped or patient.unreachable_since is not None:
            return True
        if not await database.sequence.claim(user_id, step.key, services.clock()):
            return True  # another run got there first
        pack = services.pack_for(patient, None)
        clinic = services.clinic
        text = pack.text(step.text, clinic_name=clinic.name, clinic_phone=clinic.phone, clinic_hours=clinic.hours)
        await services.wait_for_bulk_slot(user_id)
        try:
            await bot.send_message(
                user_id, text, reply_markup=_buttons(pack, step), rate_limit_args=Delivery.AT_MOST_ONCE
            )
        except Forbidden:
            await self._mark_unreachable(patient)
        except RetryAfter as error:
            services.send_pace.pause(retry_after_seconds(error))
            await database.sequence.release(user_id, step.key)
            logger.warning("aftercare step %s for patient %s held back: Telegram asked to slow down", step.key, user_id)
            return False
        except UnconfirmedSendError:
            logger.warning("aftercare step %s for patient %s unconfirmed: not repeated", step.key, user_id)
        except TelegramError as error:
            logger.warning("aftercare step %s for patient %s not sent: %s", step.key, user_id, type(error).__name__)
        else:
            logger.info("aftercare step %s sent to patient %s", step.key, user_id)
        return True

    async def _mark_unreachable(self, patient: Patient) -> None:
        """Stop messaging a patient who blocked the bot, until they write to it or unblock it."""
        logger.info("patient %s has blocked the bot; marked unreachable", patient.user_id)
        await self._services.database.patients.set_unreachable(patient.user_id, self._services.clock())


def _buttons(pack: LanguagePack, step: SequenceStep) -> InlineKeyboardMarkup | None:
    """Return a step's buttons, one per row, labelled as the menu labels them; None for a step without any."""
    rows: list[list[ButtonSpec]] = []
    for target in step.buttons:
        label = button_label(pack, target)
        if label is not None:  # the loader made sure every pack has one
            data = callbacks.action(target) if target in ACTIONS else callbacks.open_screen(target)
            rows.append([(label, data)])
    return keyboard(rows) if rows else None
