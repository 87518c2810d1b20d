"""Managing staff: single-use invitation links, the staff list with removal, and the staff command menu."""

import asyncio
import logging
import secrets
from datetime import timedelta

from telegram import Bot, BotCommand, BotCommandScopeChat, Update
from telegram.error import BadRequest
from telegram.ext import ContextTypes

from bot.care.services import Services
from bot.content.keys import STAFF_COMMANDS, member
from bot.content.packs import LanguagePack
from bot.handlers.access import StaffAccess
from bot.handlers.replies import answering, send, show, together
from bot.telegram import callbacks
from bot.views.screens import View, keyboard, no_buttons

logger = logging.getLogger(__name__)

INVITE_HOURS = 24
INVITE_PREFIX = "staff-"  # a deep-link payload: "staff-" and 32 URL-safe characters, within Telegram's 64


class StaffAdminHandlers:
    """/invite, the invitation deep link, /staff and its remove buttons."""

    def __init__(self, services: Services, access: StaffAccess) -> None:
        self._services = services
        self._access = access

    async def invite(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Make a single-use invitation link that expires (/invite, admins only)."""
        user = update.effective_user
        if user is None:
            return
        token = secrets.token_urlsafe(24)
        now = self._services.clock()
        await self._services.database.staff.create_invite(token, user.id, now, now + timedelta(hours=INVITE_HOURS))
        await self._access.audit(update, "invite")
        link = f"https://t.me/{context.bot.username}?start={INVITE_PREFIX}{token}"
        pack = self._services.clinic_pack
        await send(update, no_buttons(pack.text("staff.invite_created", link=link, hours=INVITE_HOURS)))

    async def redeem(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Add the sender as staff if their /start carries a valid, unused, unexpired invitation."""
        user = update.effective_user
        if user is None:
            return
        token = (context.args or [""])[0].removeprefix(INVITE_PREFIX)
        pack = self._services.clinic_pack
        if not await self._services.database.staff.redeem(token, user.id, self._services.clock()):
            await send(update, no_buttons(pack.text("staff.invite_invalid")))
            return
        await self._access.audit(update, "joined staff")
        await publish_staff_commands(context.bot, self._services.clinic_pack, [user.id])
        await send(update, no_buttons(pack.text("staff.invite_welcome")))

    async def list_staff(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Show the admins and the invited staff, with a remove button for each invited one (/staff, admins only)."""
        await send(update, await self._staff_view(update))

    async def remove(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Remove an invited staff member (a /staff button, admins only)."""
        query = update.callback_query
        if query is None:
            return
        pack = self._services.clinic_pack
        user_id = callbacks.parse_remove_staff(query.data or "")
        if user_id is None or not await self._services.database.staff.remove(user_id):
            await query.answer(pack.text("staff.already"))
            return
        # The press is answered, the commands withdrawn and the list shown at once: no call waits for another's reply.
        await answering(query, together(withdraw_staff_commands(context.bot, user_id), self._removed(update, user_id)))

    async def _removed(self, update: Update, user_id: int) -> None:
        """Record a removal in the audit log and show the staff list as it is now, saying who was removed."""
        await self._access.audit(update, "removed staff", f"staff:{user_id}")
        text, markup = await self._staff_view(update)
        await show(update, (f"{self._services.clinic_pack.text('staff.removed', user_id=user_id)}\n\n{text}", markup))

    async def _staff_view(self, update: Update) -> View:
        """Build the staff list with its remove buttons."""
        pack = self._services.clinic_pack
        members = await self._services.database.staff.members()
        timezone = self._services.settings.clinic_timezone
        admins = "\n".join(f"• {user_id}" for user_id in sorted(self._services.settings.staff_user_ids)) or "–"
        lines = [
            pack.text(
                "staff.member_line", user_id=member.user_id, added=f"{member.added_at.astimezone(timezone):%Y-%m-%d}"
            )
            for member in members
        ]
        text = pack.text("staff.list", admins=admins, members="\n".join(lines) or pack.text("staff.list_empty"))
        rows = [
            [(pack.text("button.remove_staff", user_id=m.user_id), callbacks.remove_staff(m.user_id))] for m in members
        ]
        return text, keyboard(rows) if rows else None


async def publish_staff_commands(bot: Bot, pack: LanguagePack, user_ids: list[int]) -> None:
    """Show the staff commands, after the patients' ones, in the command menu of each staff member's chat."""
    commands = [BotCommand(name, text) for name, text in pack.command_descriptions().items()]
    commands += [BotCommand(name, pack.text(member("staff_commands.{}", name))) for name in STAFF_COMMANDS]

    async def show(user_id: int) -> None:
        """Show them in one staff member's chat."""
        try:
            await bot.set_my_commands(commands, scope=BotCommandScopeChat(user_id))
        except BadRequest as error:  # a staff member who never opened a chat with the bot: nothing to show yet
            logger.warning("staff commands not shown to %s: %s", user_id, error.message)

    await asyncio.gather(*(show(user_id) for user_id in user_ids))  # side by side: one round trip for them all


async def withdraw_staff_commands(bot: Bot, user_id: int) -> None:
    """Take the staff commands out of a former staff member's command menu."""
    try:
        await bot.delete_my_commands(scope=BotCommandScopeChat(user_id))
    except BadRequest as error:
        logger.warning("staff commands not withdrawn from %s: %s", user_id, error.message)
