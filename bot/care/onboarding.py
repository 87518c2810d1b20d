"""Onboarding as the clinic runs it: consent stored first, then the treatment date, read from a tap or typed words."""

from datetime import date

from bot.care.caller import Caller
from bot.care.services import Services
from bot.domain.treatment_dates import DateProblem, check_treatment_date, day_of_recovery, parse_typed_date


class OnboardingCare:
    """Records consent and the treatment date, and turns messages back on for a patient who comes back."""

    def __init__(self, services: Services) -> None:
        self._services = services

    async def consent(self, caller: Caller, language: str) -> None:
        """Store the patient's consent, with the language they will be written to in (the one they consented in)."""
        await self._services.database.patients.add_consented(caller.user_id, language, self._services.clock())

    async def welcome_back(self, caller: Caller) -> bool:
        """Turn messages back on for a patient who had stopped them (/start); tell whether they had."""
        patient = caller.patient
        if patient is None or not patient.messages_stopped:
            return False
        services = self._services
        await services.database.patients.set_messages_stopped(caller.user_id, False, services.clock())
        return True

    def typed_date(self, caller: Caller, text: str) -> date | DateProblem | None:
        """Read a typed treatment date: the date, what is wrong with it, or None when the words are not a date."""
        today = self._services.today()
        month_names = (caller.pack.calendar.months, caller.pack.calendar.months_short)
        chosen = parse_typed_date(text, today, month_names)
        if chosen is None:
            return None
        return check_treatment_date(chosen, today) or chosen

    async def save_date(self, caller: Caller, chosen: date) -> int:
        """Store the treatment date; return the patient's day of recovery today."""
        services = self._services
        await services.database.patients.set_treatment_date(caller.user_id, chosen, services.clock())
        return day_of_recovery(chosen, services.clock(), services.settings.clinic_timezone)
