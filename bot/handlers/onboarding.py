"""Onboarding: welcome, consent, and the treatment date, resumable at every step from the database."""

from datetime import date, timedelta

from telegram import Update
from telegram.ext import ContextTypes

from bot.care.caller import Caller
from bot.care.services import Services
from bot.domain.treatment_dates import (
    MAX_DAYS_BACK,
    DateProblem,
    check_treatment_date,
    day_of_recovery,
    local_today,
    parse_typed_date,
)
from bot.handlers.caller import identify
from bot.handlers.menu import MenuHandlers
from bot.handlers.preferences import risk_question
from bot.handlers.replies import remove_buttons, send, show
from bot.telegram import callbacks
from bot.views import screens as views
from bot.views.screens import no_buttons


class OnboardingHandlers:
    """Takes a new patient from /start to a known treatment date."""

    def __init__(self, services: Services, menu: MenuHandlers) -> None:
        self._services = services
        self._menu = menu

    async def start(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Begin onboarding, or pick it up where the patient left it (/start)."""
        caller = await identify(self._services, update)
        if caller.patient is None:
            await send(update, no_buttons(caller.pack.text("welcome", clinic_name=self._services.clinic.name)))
            await send(update, views.consent(caller.pack))
            return
        if caller.patient.messages_stopped:
            await self._services.database.patients.set_messages_stopped(caller.user_id, False, self._services.clock())
            await send(update, no_buttons(caller.pack.text("stop.resumed")))
        await self._resume(update, caller)

    async def consent(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Record an Accept (and ask for the date) or a Decline (and store nothing)."""
        query = update.callback_query
        if query is None:
            return
        caller = await identify(self._services, update)
        if caller.patient is not None:
            await query.answer(caller.pack.text("consent_already"))
            await remove_buttons(update)
            await self._resume(update, caller)
            return
        await query.answer()
        await remove_buttons(update)
        if query.data == callbacks.CONSENT_ACCEPT:
            await self._services.database.patients.add_consented(
                caller.user_id, caller.pack.code, self._services.clock()
            )
            await send(update, views.date_question(caller.pack, caller.pack.text("ask_treatment_date")))
        else:
            await send(update, views.with_menu_buttons(caller.pack.text("consent_declined"), caller.pack))

    async def date_button(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Handle the treatment-date buttons: quick days, the calendar's pages and its dates."""
        query = update.callback_query
        if query is None:
            return
        caller = await identify(self._services, update)
        data = query.data or ""
        if caller.patient is None or caller.patient.onboarded:
            await query.answer(caller.pack.text("stale_button"))
            await self._resume(update, caller)
            return
        today = self._today()
        offset = callbacks.parse_picker_page(data)
        if offset is not None or data == callbacks.DATE_CHOICES:
            await query.answer()
            if offset is None:
                await show(update, views.date_question(caller.pack, caller.pack.text("ask_treatment_date")))
            else:
                await show(update, views.calendar(caller.pack, today, offset))
            return
        chosen = self._chosen_date(data, today)
        if chosen is None or check_treatment_date(chosen, today) is not None:
            await query.answer(caller.pack.text("stale_button"))
            await show(update, views.date_question(caller.pack, caller.pack.text("ask_treatment_date")))
            return
        await query.answer()
        await self._save_date(update, caller, chosen, edit=True)

    async def typed_date(self, update: Update, caller: Caller, text: str, *, quiet: bool) -> None:
        """Read a typed treatment date; unless quiet, explain what was wrong and ask again."""
        today = self._today()
        month_names = (caller.pack.calendar.months, caller.pack.calendar.months_short)
        chosen = parse_typed_date(text, today, month_names)
        problem = None if chosen is None else check_treatment_date(chosen, today)
        if chosen is not None and problem is None:
            await self._save_date(update, caller, chosen, edit=False)
            return
        if quiet:
            return
        if problem is DateProblem.IN_FUTURE:
            reason = caller.pack.text("date_in_future")
        elif problem is DateProblem.TOO_OLD:
            reason = caller.pack.text("date_too_old", max_days=MAX_DAYS_BACK)
        else:
            reason = caller.pack.text("date_not_understood")
        await send(update, views.date_question(caller.pack, reason))

    async def _resume(self, update: Update, caller: Caller) -> None:
        """Continue from the patient's step: the date question, or the menu once onboarded."""
        patient = caller.patient
        if patient is None:
            await send(update, views.consent(caller.pack))
        elif not patient.onboarded:
            await send(update, views.date_question(caller.pack, caller.pack.text("ask_treatment_date_resume")))
        elif not patient.risk_asked:
            await send(update, risk_question(caller.pack, onboarding=True))
        else:
            day = self._services.day_of(patient)
            await send(update, no_buttons(caller.pack.text("welcome_back", day=day or 0)))
            await send(update, self._menu.main_menu(caller))

    async def _save_date(self, update: Update, caller: Caller, chosen: date, *, edit: bool) -> None:
        """Store the treatment date, confirm it with the day of recovery, and open the menu."""
        await self._services.database.patients.set_treatment_date(caller.user_id, chosen, self._services.clock())
        day = day_of_recovery(chosen, self._services.clock(), self._services.settings.clinic_timezone)
        confirmation = caller.pack.text("date_confirmed", date=caller.pack.format_date(chosen), day=day)
        await (show if edit else send)(update, no_buttons(confirmation))
        if caller.patient is not None and not caller.patient.risk_asked:
            await send(update, risk_question(caller.pack, onboarding=True))
        else:
            await send(update, self._menu.main_menu(caller))

    def _today(self) -> date:
        """Return today's date at the clinic."""
        return local_today(self._services.clock(), self._services.settings.clinic_timezone)

    @staticmethod
    def _chosen_date(data: str, today: date) -> date | None:
        """Turn a quick-day or calendar button into a date, or None for data that is neither."""
        days = callbacks.parse_days_back(data)
        return today - timedelta(days=days) if days is not None else callbacks.parse_exact_date(data)
