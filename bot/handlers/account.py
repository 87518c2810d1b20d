"""The patient's rights over their data: a copy of everything (/mydata) and erasure after a clear yes (/delete)."""

import json
import logging
from datetime import datetime

from telegram import InputFile, Update
from telegram.ext import ContextTypes

from bot.care.caller import Caller
from bot.care.services import Services
from bot.handlers.caller import identify
from bot.handlers.replies import answering, send, show
from bot.telegram import callbacks
from bot.views.screens import keyboard, no_buttons

logger = logging.getLogger(__name__)


class AccountHandlers:
    """/mydata and /delete."""

    def __init__(self, services: Services) -> None:
        self._services = services

    async def my_data(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Send a readable summary and a JSON file of everything the bot holds about the patient."""
        caller = await identify(self._services, update)
        pack = caller.pack
        if caller.patient is None:
            await send(update, no_buttons(pack.text("account.nothing")))
            return
        data = await self._services.database.account.export(caller.user_id)
        exported_at = self._services.clock()
        patient = caller.patient
        messages = sum(len(data[name]) for name in ("reminders_sent", "aftercare_messages_sent", "broadcasts_received"))
        summary = pack.text(
            "account.summary",
            since=pack.format_date(patient.consented_at.astimezone(self._services.settings.clinic_timezone).date()),
            treatment_date=pack.format_date(patient.treatment_date) if patient.treatment_date else "–",
            checkins=len(data["checkins"]),
            escalations=len(data["escalations"]),
            messages=messages,
        )
        await send(update, no_buttons(summary))
        document = json.dumps({"exported_at": exported_at.isoformat(), **data}, indent=2, ensure_ascii=False)
        chat = update.effective_chat
        if chat is not None:
            name = f"my-aftercare-data-{exported_at:%Y-%m-%d}.json"
            await chat.send_document(
                InputFile(document.encode("utf-8"), filename=name), caption=pack.text("account.file_caption")
            )
        logger.info("patient %s downloaded their data", caller.user_id)

    async def delete(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Ask for a clear yes before erasing everything (/delete)."""
        caller = await identify(self._services, update)
        pack = caller.pack
        if caller.patient is None:
            await send(update, no_buttons(pack.text("account.nothing")))
            return
        buttons = keyboard(
            [
                [(pack.label("delete_confirm"), callbacks.ERASE_CONFIRM)],
                [(pack.label("delete_keep"), callbacks.ERASE_KEEP)],
            ]
        )
        await send(update, (pack.text("account.delete_confirm"), buttons))

    async def delete_button(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Erase everything on a yes; keep everything on a no; buttons from before an erasure do nothing."""
        query = update.callback_query
        if query is None:
            return
        caller = await identify(self._services, update)
        pack = caller.pack
        if caller.patient is None:
            await query.answer(pack.text("stale_button"))
            return
        await answering(query, self._erase_or_keep(update, caller, erase=query.data == callbacks.ERASE_CONFIRM))

    async def _erase_or_keep(self, update: Update, caller: Caller, *, erase: bool) -> None:
        """Erase everything the bot holds about the patient and say so, or say that everything is kept."""
        pack = caller.pack
        if not erase:
            await show(update, no_buttons(pack.text("account.delete_kept")))
            return
        now: datetime = self._services.clock()
        await self._services.database.account.erase(caller.user_id, now)
        logger.info("patient %s erased their data", caller.user_id)
        await show(update, no_buttons(pack.text("account.deleted")))
