"""Onboarding's steps as shown: shared by its buttons (handlers.onboarding) and typed dates (handlers.messages)."""

from datetime import date

from telegram import Update

from bot.care.caller import Caller
from bot.care.onboarding import OnboardingCare
from bot.care.services import Services
from bot.domain.treatment_dates import MAX_DAYS_BACK, DateProblem
from bot.handlers.replies import send, show
from bot.views import screens as views
from bot.views.screens import ScreenViews, no_buttons, risk_question


class OnboardingReplies:
    """Asks for what onboarding still needs, and confirms a treatment date once it is stored."""

    def __init__(self, services: Services, care: OnboardingCare, screens: ScreenViews) -> None:
        self._services = services
        self._care = care
        self._screens = screens

    async def resume(self, update: Update, caller: Caller) -> None:
        """Continue from the patient's step: consent, the date question, the health question, or the menu."""
        patient = caller.patient
        if patient is None:
            await send(update, views.consent(caller.pack, self._services.content))
        elif not patient.onboarded:
            await send(update, views.date_question(caller.pack, caller.pack.text("ask_treatment_date_resume")))
        elif not patient.risk_asked:
            await send(update, risk_question(caller.pack, onboarding=True))
        else:
            day = self._services.day_of(patient)
            await send(update, no_buttons(caller.pack.text("welcome_back", day=day or 0)))
            await send(update, self._screens.main_menu(caller))

    async def typed_date(self, update: Update, caller: Caller, text: str, *, quiet: bool) -> None:
        """Take a typed treatment date; unless quiet, explain what was wrong and ask again."""
        chosen = self._care.typed_date(caller, text)
        if isinstance(chosen, date):
            await self.save_date(update, caller, chosen, edit=False)
            return
        if quiet:
            return
        if chosen is DateProblem.IN_FUTURE:
            reason = caller.pack.text("date_in_future")
        elif chosen is DateProblem.TOO_OLD:
            reason = caller.pack.text("date_too_old", max_days=MAX_DAYS_BACK)
        else:
            reason = caller.pack.text("date_not_understood")
        await send(update, views.date_question(caller.pack, reason))

    async def save_date(self, update: Update, caller: Caller, chosen: date, *, edit: bool) -> None:
        """Store the treatment date and confirm it with the day of recovery; then the health question, or the menu."""
        day = await self._care.save_date(caller, chosen)
        confirmation = caller.pack.text("date_confirmed", date=caller.pack.format_date(chosen), day=day)
        await (show if edit else send)(update, no_buttons(confirmation))
        if caller.patient is not None and not caller.patient.risk_asked:
            await send(update, risk_question(caller.pack, onboarding=True))
        else:
            await send(update, self._screens.main_menu(caller))
