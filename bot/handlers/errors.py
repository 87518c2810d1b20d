"""The last line of defence: an error in a handler is logged without content and the patient gets an apology."""

import logging

from telegram import Update
from telegram.constants import ChatType
from telegram.error import TelegramError
from telegram.ext import ContextTypes

from bot.services import Services

logger = logging.getLogger(__name__)


class ErrorHandler:
    """Logs the failure by update id and error type, then apologises in a private chat."""

    def __init__(self, services: Services) -> None:
        self._services = services

    async def on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Log an error a handler raised and tell the patient, without a traceback, that it went wrong."""
        update_id = update.update_id if isinstance(update, Update) else None
        logger.error("handling update %s failed", update_id, exc_info=context.error)
        if not isinstance(update, Update) or update.effective_chat is None:
            return
        if update.effective_chat.type != ChatType.PRIVATE:
            return
        user = update.effective_user
        pack = self._services.content.pack(user.language_code if user else None)
        if update.callback_query is not None:
            try:
                await update.callback_query.answer()
            except TelegramError as error:
                logger.debug("the button press of update %s was already answered: %s", update_id, error)
        try:
            await update.effective_chat.send_message(pack.text("error_apology"))
        except TelegramError as error:
            logger.warning("could not send the apology for update %s: %s", update_id, type(error).__name__)
