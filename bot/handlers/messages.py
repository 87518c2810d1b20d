"""Messages outside any button flow: typed text, edits, media, /help and unknown commands.

Every one of them is read for warning signs first (bot.handlers.typed), so a worried patient always gets pointed to
help, whatever they type and however they send it.
"""

from telegram import Message, Update
from telegram.ext import ContextTypes

from bot.care.caller import Caller
from bot.care.checkins import CheckinCare, Hint
from bot.care.services import Services
from bot.domain.checkin import PastCheckin, Question, next_question
from bot.domain.records import Checkin
from bot.handlers.caller import identify, identify_for_triage
from bot.handlers.checkin_replies import CheckinReplies
from bot.handlers.onboarding_replies import OnboardingReplies
from bot.handlers.replies import send
from bot.handlers.typed import TypedReplies
from bot.views import screens as views
from bot.views.screens import no_buttons
from bot.views.typed import mentioned


class MessageHandlers:
    """Answers what a patient types or sends when no button is expected."""

    def __init__(
        self,
        services: Services,
        checkins: tuple[CheckinCare, CheckinReplies],
        typed: TypedReplies,
        onboarding: OnboardingReplies,
    ) -> None:
        self._services = services
        self._checkins, self._checkin_replies = checkins
        self._typed = typed
        self._onboarding = onboarding

    async def text(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Answer typed text: inside a check-in as part of it; else warning signs first, then a date or the menu."""
        caller, current, history = await identify_for_triage(self._services, update)
        text = _text_of(update.effective_message)
        if current is not None and await self._in_checkin(update, caller, current, history, text):
            return  # taken as part of the check-in (unless the idle job closed it a moment ago)
        answered = await self._typed.answer(update, caller, history, text)
        if caller.patient is not None and not caller.patient.onboarded:
            await self._onboarding.typed_date(update, caller, text, quiet=answered)
        elif not answered:
            await send(update, views.with_menu_buttons(caller.pack.text("free_text"), caller.pack))

    async def edited(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Answer an edited message: warning signs first, else a note that edits are not read."""
        caller, _current, history = await identify_for_triage(self._services, update)
        if not await self._typed.answer(update, caller, history, _text_of(update.effective_message)):
            await send(update, views.with_menu_buttons(caller.pack.text("edited"), caller.pack))

    async def media(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Answer a sticker, photo, voice note or other media: its caption is read for warning signs."""
        caller, current, history = await identify_for_triage(self._services, update)
        message = update.effective_message
        if current is not None and message is not None and await self._photo(update, caller, current, history, message):
            return
        if (
            current is not None
            and _text_of(message)
            and await self._in_checkin(update, caller, current, history, _text_of(message))
        ):
            return  # a caption during a check-in is read as part of it
        if not await self._typed.answer(update, caller, history, _text_of(message)):
            text = caller.pack.text("media", clinic_phone=self._services.clinic.phone)
            await send(update, views.with_menu_buttons(text, caller.pack))

    async def help(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Explain the commands (/help)."""
        caller = await identify(self._services, update)
        await send(update, views.with_menu_buttons(caller.pack.text("help"), caller.pack))

    async def unknown_command(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Answer a command the bot does not know, reading it for warning signs like any text."""
        caller, _current, history = await identify_for_triage(self._services, update)
        if not await self._typed.answer(update, caller, history, _text_of(update.effective_message)):
            await send(update, views.with_menu_buttons(caller.pack.text("unknown_command"), caller.pack))

    async def _in_checkin(
        self, update: Update, caller: Caller, current: Checkin, history: list[PastCheckin], text: str
    ) -> bool:
        """Take typed text as part of the open check-in; False when it had closed meanwhile (the idle job)."""
        taken = await self._checkins.typed(caller, current, history, text)
        if isinstance(taken, Hint):
            await send(update, no_buttons(caller.pack.text(taken.key, **taken.values)))
            return True
        if taken.step is None:
            return False
        await self._checkin_replies.step(
            update, caller, taken.step, edit=False, lead=mentioned(caller.pack, taken.signs)
        )
        return True

    async def _photo(
        self, update: Update, caller: Caller, current: Checkin, history: list[PastCheckin], message: Message
    ) -> bool:
        """Take a photo sent at the check-in's photo step, its caption as the note; tell whether it was taken."""
        if next_question(current.answers) is not Question.PHOTO or not message.photo:
            return False
        file_id = message.photo[-1].file_id
        step = await self._checkins.photo(caller, current, history, file_id, message.caption or "")
        await self._checkin_replies.step(update, caller, step, edit=False)
        return True


def _text_of(message: Message | None) -> str:
    """Return a message's text or caption, or an empty string for media without one."""
    if message is None:
        return ""
    return message.text or message.caption or ""
