"""Onboarding: welcome, consent, and the treatment date, resumable at every step from the database."""

from datetime import date, timedelta

from telegram import Update
from telegram.ext import ContextTypes

from bot.care.caller import Caller
from bot.care.onboarding import OnboardingCare
from bot.care.services import Services
from bot.domain.treatment_dates import (
    check_treatment_date,
)
from bot.handlers.caller import identify
from bot.handlers.onboarding_replies import OnboardingReplies
from bot.handlers.replies import answering, remove_buttons, send, show
from bot.telegram import callbacks
from bot.views import screens as views
from bot.views.screens import no_buttons


class OnboardingHandlers:
    """Takes a new patient from /start to a known treatment date."""

    def __init__(self, services: Services, care: OnboardingCare, replies: OnboardingReplies) -> None:
        self._services = services
        self._care = care
        self._replies = replies

    async def start(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Begin onboarding, or pick it up where the patient left it (/start)."""
        caller = await identify(self._services, update)
        if caller.patient is None:
            await send(update, no_buttons(caller.pack.text("welcome", clinic_name=self._services.clinic.name)))
            await send(update, views.consent(caller.pack, self._services.content))
            return
        if await self._care.welcome_back(caller):
            await send(update, no_buttons(caller.pack.text("stop.resumed")))
        await self._replies.resume(update, caller)

    async def consent(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Record an Accept (and ask for the date) or a Decline (and store nothing)."""
        query = update.callback_query
        if query is None:
            return
        caller = await identify(self._services, update)
        if caller.patient is not None:
            await answering(query, self._consented_already(update, caller), toast=caller.pack.text("consent_already"))
            return
        parsed = callbacks.parse_consent(query.data or "")
        if parsed is None:
            await query.answer(caller.pack.text("stale_button"))
            return
        await answering(query, self._consent(update, caller, *parsed))

    async def _consented_already(self, update: Update, caller: Caller) -> None:
        """Take the buttons off an old consent screen and carry on from where the patient is."""
        await remove_buttons(update)
        await self._replies.resume(update, caller)

    async def _consent(self, update: Update, caller: Caller, accepted: bool, language: str | None) -> None:
        """Take the consent screen's buttons off, then store an Accept and ask for the date, or confirm a Decline."""
        await remove_buttons(update)
        pack = self._services.content.languages.get(language or "", caller.pack)
        if accepted:
            await self._care.consent(caller, pack.code)
            await send(update, views.date_question(pack, pack.text("ask_treatment_date")))
        else:
            await send(update, views.with_menu_buttons(pack.text("consent_declined"), pack))

    async def date_button(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Handle the treatment-date buttons: quick days, the calendar's pages and its dates."""
        query = update.callback_query
        if query is None:
            return
        caller = await identify(self._services, update)
        pack, data = caller.pack, query.data or ""
        if caller.patient is None or caller.patient.onboarded:
            await answering(query, self._replies.resume(update, caller), toast=pack.text("stale_button"))
            return
        today = self._services.today()
        offset = callbacks.parse_picker_page(data)
        if offset is not None:
            await answering(query, show(update, views.calendar(pack, today, offset)))
            return
        asked = views.date_question(pack, pack.text("ask_treatment_date"))
        if data == callbacks.DATE_CHOICES:
            await answering(query, show(update, asked))
            return
        chosen = self._chosen_date(data, today)
        if chosen is None or check_treatment_date(chosen, today) is not None:
            await answering(query, show(update, asked), toast=pack.text("stale_button"))
            return
        await answering(query, self._replies.save_date(update, caller, chosen, edit=True))

    @staticmethod
    def _chosen_date(data: str, today: date) -> date | None:
        """Turn a quick-day or calendar button into a date, or None for data that is neither."""
        days = callbacks.parse_days_back(data)
        return today - timedelta(days=days) if days is not None else callbacks.parse_exact_date(data)
