"""Messages outside any button flow: typed text, edits, media, /help and unknown commands.

Every one of them is checked for warning signs first, so a worried patient always gets pointed to help.
"""

from telegram import Message, Update
from telegram.ext import ContextTypes

from bot.domain.records import Checkin
from bot.domain.red_flags import RedFlagLevel, classify
from bot.handlers import callbacks, views
from bot.handlers.caller import Caller, identify
from bot.handlers.checkin import CheckinHandlers
from bot.handlers.onboarding import OnboardingHandlers
from bot.handlers.replies import send
from bot.handlers.views import keyboard
from bot.services import Services


class MessageHandlers:
    """Answers what a patient types or sends when no button is expected."""

    def __init__(self, services: Services, onboarding: OnboardingHandlers, checkins: CheckinHandlers) -> None:
        self._services = services
        self._onboarding = onboarding
        self._checkins = checkins

    async def text(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Answer typed text: warning signs first, then a treatment date if one is due, else the menu."""
        caller = await identify(self._services, update)
        text = _text_of(update.effective_message)
        flagged = await self._answer_red_flags(update, caller, text)
        if caller.patient is not None and not caller.patient.onboarded:
            await self._onboarding.typed_date(update, caller, text, quiet=flagged)
        elif (current := await self._open_checkin(caller)) is not None:
            await self._checkins.typed(update, caller, current, text, flagged=flagged)
        elif not flagged:
            await send(update, views.with_menu_buttons(caller.pack.text("free_text"), caller.pack))

    async def edited(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Answer an edited message: warning signs first, else a note that edits are not read."""
        caller = await identify(self._services, update)
        if not await self._answer_red_flags(update, caller, _text_of(update.effective_message)):
            await send(update, views.with_menu_buttons(caller.pack.text("edited"), caller.pack))

    async def media(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Answer a sticker, photo, voice note or other media: its caption is checked for warning signs."""
        caller = await identify(self._services, update)
        message = update.effective_message
        current = await self._open_checkin(caller)
        if current is not None and message is not None and await self._checkins.photo(update, caller, current, message):
            return
        if not await self._answer_red_flags(update, caller, _text_of(message)):
            text = caller.pack.text("media", clinic_phone=self._services.clinic.phone)
            await send(update, views.with_menu_buttons(text, caller.pack))

    async def help(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Explain the commands (/help)."""
        caller = await identify(self._services, update)
        await send(update, views.with_menu_buttons(caller.pack.text("help"), caller.pack))

    async def unknown_command(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Answer a command the bot does not know, checking it for warning signs like any text."""
        caller = await identify(self._services, update)
        if not await self._answer_red_flags(update, caller, _text_of(update.effective_message)):
            await send(update, views.with_menu_buttons(caller.pack.text("unknown_command"), caller.pack))

    async def _open_checkin(self, caller: Caller) -> Checkin | None:
        """Return the caller's check-in in progress, if any."""
        return await self._services.database.checkins.open_for(caller.user_id)

    async def _answer_red_flags(self, update: Update, caller: Caller, text: str) -> bool:
        """Send the matching warning advice when the text mentions warning signs; tell whether it did."""
        words = caller.pack.red_flags
        level = classify(text, words.emergency, words.urgent)
        if level is RedFlagLevel.NONE:
            return False
        clinic = self._services.clinic
        key = "red_flag_emergency" if level is RedFlagLevel.EMERGENCY else "red_flag_urgent"
        advice = caller.pack.text(key, clinic_name=clinic.name, clinic_phone=clinic.phone, clinic_hours=clinic.hours)
        await send(update, views.with_menu_buttons(advice, caller.pack, offer_help=True))
        if level is RedFlagLevel.URGENT and caller.patient is not None and caller.patient.onboarded:
            offer = keyboard([[(caller.pack.label("quick_questions"), callbacks.CHECKIN_START)]])
            if await self._open_checkin(caller) is None:
                await send(update, (caller.pack.text("red_flag_offer"), offer))
        return True


def _text_of(message: Message | None) -> str:
    """Return a message's text or caption, or an empty string for media without one."""
    if message is None:
        return ""
    return message.text or message.caption or ""
