"""The automated aftercare sequence: part of the every-minute job (see bot.jobs.minute).

Everything is worked out from the database at each run: the steps whose moment has come today, the patients
treated on those steps' dates who still take messages, and sequence_log, where each (patient, step) is claimed
in the transaction that queues its message in the outbox. So a step goes out at most once (the outbox's bulk lane
never repeats a send whose answer is lost), survives a restart, and a step missed while the bot was down goes out
later the same day, never on a later one (its row expires at the clinic's midnight).
"""

import logging
from datetime import datetime, time, timedelta

from telegram import InlineKeyboardMarkup

from bot.care.services import Services
from bot.content.keys import SequenceKey
from bot.content.packs import ACTIONS, LanguagePack
from bot.content.sequence_rules import button_label
from bot.domain.records import Delivery
from bot.domain.sequence import AftercareSequence, SequenceStep
from bot.outbox.worker import once
from bot.telegram import callbacks
from bot.telegram.request_layer import ApiBot
from bot.views.screens import ButtonSpec, keyboard

logger = logging.getLogger(__name__)


class SequenceCare:
    """Queues each step of the aftercare sequence for each patient once, on its day, from its local time; sends it."""

    def __init__(self, services: Services, sequence: AftercareSequence) -> None:
        self._services = services
        self._sequence = sequence
        self._steps = {step.key: step for step in sequence.steps}

    async def queue_due(self) -> None:
        """Queue every step that is due now and not yet queued, to be sent before the clinic's midnight."""
        services = self._services
        local_now = services.local_now()
        due = self._sequence.due_today(local_now.date(), local_now.time())
        if not due:
            return
        midnight = datetime.combine(local_now.date() + timedelta(days=1), time(), tzinfo=local_now.tzinfo)
        store = services.database.sequence
        queued = 0
        for user_id, key in await store.pending([(item.step.key, item.treatment_date) for item in due]):
            queued += await store.claim(user_id, key, services.clock(), expires_at=midnight)
        if queued:
            logger.info("aftercare: %s messages queued", queued)

    async def send(self, bot: ApiBot, delivery: Delivery) -> None:
        """Send one queued step to its patient, in their language (a Send of the outbox)."""
        services = self._services
        patient = await services.database.patients.get(delivery.user_id)
        step = self._steps.get(delivery.step or "")
        if patient is None or step is None:
            return  # erased meanwhile, or a step the sequence no longer has
        pack = services.pack_for(patient, None)
        clinic = services.clinic
        text = pack.text(
            SequenceKey(step.text), clinic_name=clinic.name, clinic_phone=clinic.phone, clinic_hours=clinic.hours
        )
        await bot.send_message(patient.user_id, text, reply_markup=_buttons(pack, step), rate_limit_args=once(delivery))


def _buttons(pack: LanguagePack, step: SequenceStep) -> InlineKeyboardMarkup | None:
    """Return a step's buttons, one per row, labelled as the menu labels them; None for a step without any."""
    rows: list[list[ButtonSpec]] = []
    for target in step.buttons:
        label = button_label(pack, target)
        if label is not None:  # the loader made sure every pack has one
            data = callbacks.action(target) if target in ACTIONS else callbacks.open_screen(target)
            rows.append([(label, data)])
    return keyboard(rows) if rows else None
