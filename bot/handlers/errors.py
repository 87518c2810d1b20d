"""The last line of defence for errors a handler raised (after the request layer's own retries).

- Forbidden: the patient blocked the bot; mark them unreachable, nothing else to do.
- "message is not modified": harmless; ignored.
- A reply whose answer was lost (the connection dropped or timed out after it went out): it most likely arrived, so
  there is nothing to apologise for; a warning is logged and the patient can tap again. Advice is never lost this
  way: it is a delivery, tried again until confirmed (bot/outbox).
- Anything else: logged by update id and error type with an error id, never with message content; the patient
  gets a short apology, and the staff chat gets the error id (no health detail) so someone can look.
"""

import logging
import secrets

from telegram import Update
from telegram.constants import ChatType
from telegram.error import BadRequest, Forbidden, NetworkError, TelegramError
from telegram.ext import ContextTypes

from bot.care.services import Services
from bot.telegram.request_layer import surely_not_sent

logger = logging.getLogger(__name__)


class ErrorHandler:
    """Sorts a handler's error into what can be done about it."""

    def __init__(self, services: Services) -> None:
        self._services = services

    async def on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Handle an error a handler raised, as the module's docstring describes."""
        error = context.error
        update_id = update.update_id if isinstance(update, Update) else None
        chat = update.effective_chat if isinstance(update, Update) else None
        if isinstance(error, Forbidden):
            await self._mark_unreachable(chat.id if chat is not None and chat.type == ChatType.PRIVATE else None)
            return
        if isinstance(error, BadRequest) and "message is not modified" in error.message.lower():
            logger.debug("update %s: message not modified; ignored", update_id)
            return
        if isinstance(error, NetworkError) and not surely_not_sent(error):
            logger.warning("update %s: an answer was lost (%s); it may have arrived", update_id, type(error).__name__)
            return
        error_id = secrets.token_hex(4)
        logger.error("handling update %s failed (error id %s)", update_id, error_id, exc_info=error)
        if isinstance(update, Update) and chat is not None and chat.type == ChatType.PRIVATE:
            await self._apologise(update)
        await self._tell_staff(context, error_id, error)

    async def _apologise(self, update: Update) -> None:
        """Answer any pressed button and send the patient a short apology with the numbers to call."""
        user = update.effective_user
        pack = self._services.content.pack(user.language_code if user else None)
        if update.callback_query is not None:
            try:
                await update.callback_query.answer()
            except TelegramError as error:
                logger.debug("the button press of update %s was already answered: %s", update.update_id, error)
        if update.effective_chat is not None:
            try:
                await update.effective_chat.send_message(pack.text("error_apology"))
            except TelegramError as error:
                logger.warning("could not send the apology for update %s: %s", update.update_id, type(error).__name__)

    async def _tell_staff(self, context: ContextTypes.DEFAULT_TYPE, error_id: str, error: BaseException | None) -> None:
        """Post the error id and type to the staff chat, so that someone can find it in the logs."""
        chat_id = self._services.settings.staff_chat_id
        if chat_id is None:
            return
        text = self._services.clinic_pack.text(
            "staff.error", error_id=error_id, error_type=type(error).__name__ if error else "unknown"
        )
        try:
            await context.bot.send_message(chat_id, text)
        except TelegramError as failure:
            logger.warning("could not tell the staff chat about error %s: %s", error_id, type(failure).__name__)

    async def _mark_unreachable(self, user_id: int | None) -> None:
        """Stop messaging a patient whose chat Telegram says is closed to the bot."""
        if user_id is None:
            return
        logger.info("patient %s has blocked the bot; marked unreachable", user_id)
        await self._services.database.patients.set_unreachable(user_id, self._services.clock())
