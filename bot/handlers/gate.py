"""The gate: runs before every other handler and lets through only private chats with a real user.

It stops processing with ApplicationHandlerStop on every path that is not let through, even when its own
reply fails, so a failure here can never fall open into the handlers behind it.
"""

import logging

from telegram import ChatMemberUpdated, Update
from telegram.constants import ChatMemberStatus, ChatType
from telegram.error import TelegramError
from telegram.ext import ApplicationHandlerStop, ContextTypes

from bot.services import Services

logger = logging.getLogger(__name__)


class Gate:
    """Keeps groups, channels and updates without a user away from the patient handlers."""

    def __init__(self, services: Services) -> None:
        self._services = services

    async def check(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Let a private chat with a user through; answer a group once, kindly; drop anything else."""
        chat, user = update.effective_chat, update.effective_user
        if chat is not None and user is not None and chat.type == ChatType.PRIVATE and not user.is_bot:
            return
        if self._is_staff_chat_button(update):
            return  # the staff handler checks, on every press, that the presser is staff
        if chat is not None and chat.id == self._services.settings.staff_chat_id:
            raise ApplicationHandlerStop  # staff talking among themselves: not for the bot
        try:
            await self._answer_outsider(update)
        except TelegramError as error:
            logger.warning("could not answer an update from outside a private chat: %s", type(error).__name__)
        raise ApplicationHandlerStop

    def _is_staff_chat_button(self, update: Update) -> bool:
        """Tell whether this is a button press in the staff chat (an alert's Acknowledge or Resolved)."""
        chat = update.effective_chat
        return (
            update.callback_query is not None
            and update.effective_user is not None
            and chat is not None
            and chat.id == self._services.settings.staff_chat_id
        )

    async def _answer_outsider(self, update: Update) -> None:
        """Tell a group that the bot works only in private chat; answer stray button presses silently."""
        chat, user = update.effective_chat, update.effective_user
        if update.callback_query is not None:
            await update.callback_query.answer()
            return
        if chat is None or chat.type not in (ChatType.GROUP, ChatType.SUPERGROUP):
            return
        language = user.language_code if user else None
        text = self._services.content.pack(language).text("group_only")
        if update.message is not None or _bot_was_added(update.my_chat_member):
            await chat.send_message(text)


def _bot_was_added(change: ChatMemberUpdated | None) -> bool:
    """Tell whether a membership update says the bot has just joined a chat."""
    if change is None:
        return False
    joined = (ChatMemberStatus.MEMBER, ChatMemberStatus.ADMINISTRATOR)
    return change.new_chat_member.status in joined and change.old_chat_member.status not in joined
