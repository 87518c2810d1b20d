"""Who may do what: staff are the admins from the settings plus anyone an admin invited.

The guards here wrap staff-only commands and buttons. They fail closed: if the check itself fails, the
action is refused. Every staff action that is let through can be written to the audit log.
"""

import logging
from collections.abc import Callable, Coroutine
from typing import Any

from telegram import Update
from telegram.ext import ApplicationHandlerStop, ContextTypes

from bot.care.services import Services
from bot.content.keys import Key

logger = logging.getLogger(__name__)

Callback = Callable[[Update, ContextTypes.DEFAULT_TYPE], Coroutine[Any, Any, None]]


class StaffAccess:
    """Checks staff and admin rights on the server, for every command and every button press."""

    def __init__(self, services: Services) -> None:
        self._services = services

    def is_admin(self, user_id: int) -> bool:
        """Tell whether this user is an admin: one of STAFF_USER_IDS."""
        return user_id in self._services.settings.staff_user_ids

    async def is_staff(self, user_id: int) -> bool:
        """Tell whether this user is staff: an admin, or added by invitation."""
        return self.is_admin(user_id) or await self._services.database.staff.is_member(user_id)

    def staff_only(self, callback: Callback) -> Callback:
        """Wrap a handler so that only staff reach it; anyone else gets the same answer as for an unknown command.

        Either way the update stops here (ApplicationHandlerStop), so no later handler group sees it.
        """
        return self._guard(callback, admins_only=False)

    def admins_only(self, callback: Callback) -> Callback:
        """Wrap a handler so that only admins reach it."""
        return self._guard(callback, admins_only=True)

    async def audit(self, update: Update, action: str, subject: str = "") -> None:
        """Record a staff action in the audit log: who, what, about what, when; never any health detail."""
        user = update.effective_user
        if user is not None:
            await self._services.database.audit.record(user.id, action, subject, self._services.clock())

    def _guard(self, callback: Callback, *, admins_only: bool) -> Callback:
        """Build the wrapper that checks rights before the handler runs."""

        async def guarded(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
            """Run the handler only for a user with the right; refuse everyone else, and refuse on any failure."""
            user = update.effective_user
            try:
                allowed = user is not None and (self.is_admin(user.id) if admins_only else await self.is_staff(user.id))
            except Exception:  # the gate fails closed: whatever went wrong, the action is refused
                logger.exception("the staff check failed; the action was refused")
                allowed = False
            if allowed:
                await callback(update, context)
            else:
                await self._refuse(update, admins_only=admins_only)
            raise ApplicationHandlerStop  # handled here: the patients' handlers must not see it too

        return guarded

    async def _refuse(self, update: Update, *, admins_only: bool) -> None:
        """Answer a refused command or button without revealing anything."""
        logger.info("a %s action was refused", "admin" if admins_only else "staff")
        pack = self._services.content.pack(update.effective_user.language_code if update.effective_user else None)
        if update.callback_query is not None:
            await update.callback_query.answer(pack.text("staff.not_staff"))
        elif update.effective_chat is not None:
            key: Key = "staff.admins_only" if admins_only and await self._safe_is_staff(update) else "unknown_command"
            await update.effective_chat.send_message(pack.text(key))

    async def _safe_is_staff(self, update: Update) -> bool:
        """Tell whether the sender is staff, treating any failure as no."""
        user = update.effective_user
        try:
            return user is not None and await self.is_staff(user.id)
        except Exception:  # a refusal must not fail; "not staff" is the safe answer
            logger.exception("the staff check failed while refusing")
            return False
