"""A patient blocking or unblocking the bot: Telegram tells the bot, and the bot stops or resumes messaging them."""

import logging

from telegram import Update
from telegram.constants import ChatMemberStatus
from telegram.ext import ContextTypes

from bot.care.services import Services

logger = logging.getLogger(__name__)


class MembershipHandlers:
    """Keeps a patient's reachability in step with their chat with the bot."""

    def __init__(self, services: Services) -> None:
        self._services = services

    async def changed(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Mark the patient unreachable when they block the bot, and reachable when they unblock it."""
        change = update.my_chat_member
        if change is None:
            return
        patients = self._services.database.patients
        user_id = change.chat.id
        if await patients.get(user_id) is None:
            return
        blocked = change.new_chat_member.status in (ChatMemberStatus.BANNED, ChatMemberStatus.LEFT)
        await patients.set_unreachable(user_id, self._services.clock() if blocked else None)
        logger.info("patient %s %s the bot", user_id, "blocked" if blocked else "unblocked")
