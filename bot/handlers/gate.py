"""The gate: runs before every other handler and lets through only private chats with a real user.

It stops processing with ApplicationHandlerStop on every path that is not let through, even when its own
reply fails, so a failure here can never fall open into the handlers behind it.

It also slows down any one user (patient, staff or script) who sends updates faster than FLOOD_MAX_UPDATES
within FLOOD_WINDOW_SECONDS: their further updates are dropped, with one notice per flood.
"""

import logging
from datetime import timedelta

from telegram import ChatMemberUpdated, Update
from telegram.constants import ChatMemberStatus, ChatType
from telegram.error import TelegramError
from telegram.ext import ApplicationHandlerStop, ContextTypes

from bot.care.services import Services
from bot.telegram.flood import FloodControl, Verdict

logger = logging.getLogger(__name__)


class Gate:
    """Keeps groups, channels and updates without a user away from the patient handlers."""

    def __init__(self, services: Services) -> None:
        self._services = services
        settings = services.settings
        self._flood = FloodControl(settings.flood_max_updates, timedelta(seconds=settings.flood_window_seconds))

    async def check(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Let a private chat with a user through; answer a group once, kindly; drop anything else."""
        chat, user = update.effective_chat, update.effective_user
        if chat is not None and user is not None and chat.type == ChatType.PRIVATE and not user.is_bot:
            await self._slow_floods(update, user.id)
            return
        if self._is_staff_chat_button(update) and user is not None:
            await self._slow_floods(update, user.id)
            return  # the staff handler checks, on every press, that the presser is staff
        if chat is not None and chat.id == self._services.settings.staff_chat_id:
            raise ApplicationHandlerStop  # staff talking among themselves: not for the bot
        try:
            await self._answer_outsider(update)
        except TelegramError as error:
            logger.warning("could not answer an update from outside a private chat: %s", type(error).__name__)
        raise ApplicationHandlerStop

    async def _slow_floods(self, update: Update, user_id: int) -> None:
        """Return if the user is within their rate; else drop the update (with one notice per flood) and stop."""
        try:
            verdict = self._flood.check(user_id, self._services.clock())
            if verdict is Verdict.ALLOW:
                return
            # Safety over rate: a dropped message could be a patient writing "pus". So even while slowed, a
            # message that mentions a warning sign is let through to the handlers (which answer warning signs
            # first), once per window, so that a flood of such words still cannot flood the bot.
            if self._mentions_warning_sign(update) and self._flood.may_warn(user_id, self._services.clock()):
                logger.info("user %s is slowed, but a message with a warning sign is let through", user_id)
                return
            await self._answer_dropped(update, notice=verdict is Verdict.NOTICE)
        except TelegramError as error:
            logger.warning("could not answer a slowed user: %s", type(error).__name__)
        except Exception as error:  # fail closed: a fault here must never let the update through
            logger.warning("flood control failed, update dropped: %s", type(error).__name__)
        raise ApplicationHandlerStop

    def _mentions_warning_sign(self, update: Update) -> bool:
        """Tell whether the update's text or caption names a sign triage reads, or one the reader is unsure of."""
        message = update.effective_message
        text = (message.text or message.caption or "") if message is not None else ""
        if not text:
            return False
        reading = self._services.reader.read(text)
        return bool(reading.answers().values) or reading.unsure(self._services.rules)

    async def _answer_dropped(self, update: Update, *, notice: bool) -> None:
        """Stop a dropped button's spinner; on the first drop of a flood, tell a private chat once, politely."""
        if update.callback_query is not None:
            await update.callback_query.answer()
        chat, user = update.effective_chat, update.effective_user
        if notice:
            logger.info("user %s is sending too fast; further updates dropped for now", user.id if user else None)
            if chat is not None and chat.type == ChatType.PRIVATE:
                language = user.language_code if user else None
                seconds = self._services.settings.flood_window_seconds
                await chat.send_message(self._services.content.pack(language).text("flood_notice", seconds=seconds))

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
