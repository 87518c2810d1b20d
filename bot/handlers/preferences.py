"""The patient's own settings: reminder time, the health answer, their language, and stopping or resuming messages."""

from dataclasses import replace
from datetime import time

from telegram import Update
from telegram.ext import ContextTypes

from bot.care.caller import Caller
from bot.care.services import Services
from bot.content.keys import Key, member
from bot.content.packs import LanguagePack
from bot.domain.patient import Patient
from bot.handlers.caller import identify
from bot.handlers.replies import answering, remove_buttons, send, show
from bot.telegram import callbacks
from bot.views import screens as views
from bot.views.screens import ScreenViews, no_buttons, risk_question

REMINDER_TIMES = (time(8), time(9), time(10), time(12), time(15), time(18), time(20))
_RISK_VALUES = {"yes": True, "no": False, "unknown": None}


class PreferenceHandlers:
    """/settings, its buttons, the health-condition question in onboarding, and /stop."""

    def __init__(self, services: Services, screens: ScreenViews) -> None:
        self._services = services
        self._screens = screens

    async def show_settings(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Show the settings with buttons to change them (/settings)."""
        caller = await identify(self._services, update)
        if caller.patient is None or not caller.patient.onboarded:
            await send(update, no_buttons(caller.pack.text("checkin.not_onboarded")))
            return
        await send(update, self._settings_view(caller.pack, caller.patient))

    async def button(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Handle the settings buttons: open the time or health pickers, or save a choice."""
        query = update.callback_query
        if query is None:
            return
        caller = await identify(self._services, update)
        patient = caller.patient
        if patient is None or not patient.onboarded:
            await query.answer(caller.pack.text("stale_button"))
            return
        await answering(query, self._change(update, caller, patient, query.data or ""))

    async def _change(self, update: Update, caller: Caller, patient: Patient, data: str) -> None:
        """Open the picker a settings button names, or save its choice and show the settings as they are now."""
        store, now = self._services.database.patients, self._services.clock()
        if data == callbacks.SETTINGS_TIME:
            await show(update, self._time_picker(caller.pack))
        elif data == callbacks.SETTINGS_RISK:
            await show(update, risk_question(caller.pack, onboarding=False))
        elif (chosen := callbacks.parse_reminder_time(data)) is not None and chosen in REMINDER_TIMES:
            await store.set_reminder_time(caller.user_id, chosen, now)
            await self._refresh(update, caller, "settings.time_saved", reminder_time=f"{chosen:%H:%M}")
        elif (risk := callbacks.parse_risk(data)) is not None and risk[1] in _RISK_VALUES:
            await store.set_at_risk(caller.user_id, _RISK_VALUES[risk[1]], now)
            if risk[0] == "onboarding":
                await show(update, no_buttons(caller.pack.text("settings.risk_saved")))
                await send(update, self._screens.main_menu(caller))
            else:
                await self._refresh(update, caller, "settings.risk_saved")
        else:
            await show(update, self._settings_view(caller.pack, patient))

    async def language(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Switch the language the patient is written to in: from the consent screen, or from /settings."""
        query = update.callback_query
        if query is None:
            return
        caller = await identify(self._services, update)
        pack = self._services.content.languages.get(callbacks.parse_language_choice(query.data or "") or "")
        if pack is None:
            await query.answer(caller.pack.text("stale_button"))
            return
        await answering(query, self._switch(update, caller, pack))

    async def _switch(self, update: Update, caller: Caller, pack: LanguagePack) -> None:
        """Write to the patient in another language from now on, and show their screen again in it."""
        content = self._services.content
        if caller.patient is None:  # before consent nothing is stored: the welcome and consent again, in that language
            await remove_buttons(update)
            await send(update, no_buttons(pack.text("welcome", clinic_name=self._services.clinic.name)))
            await send(update, views.consent(pack, content))
            return
        await self._services.database.patients.set_language(caller.user_id, pack.code, self._services.clock())
        caller = replace(caller, pack=pack)
        if caller.patient is not None and caller.patient.onboarded:
            await self._refresh(update, caller, "settings.language_saved")
        else:
            await show(update, views.date_question(pack, pack.text("ask_treatment_date_resume")))

    async def stop(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Stop every message the bot would send on its own (/stop); /start turns them back on."""
        caller = await identify(self._services, update)
        if caller.patient is not None:
            await self._services.database.patients.set_messages_stopped(caller.user_id, True, self._services.clock())
        await send(update, no_buttons(caller.pack.text("stop.done")))

    async def _refresh(self, update: Update, caller: Caller, key: Key, **values: str) -> None:
        """Confirm a saved choice above the settings as they are now."""
        patient = await self._services.database.patients.get(caller.user_id)
        if patient is None:
            return
        text, markup = self._settings_view(caller.pack, patient)
        await show(update, (f"{caller.pack.text(key, **values)}\n\n{text}", markup))

    def _settings_view(self, pack: LanguagePack, patient: Patient) -> views.View:
        """Show the current reminder time, health answer and message state, with buttons to change them."""
        at = patient.reminder_time or self._services.settings.reminder_time
        risk = {True: "yes", False: "no", None: "unknown"}[patient.at_risk]
        text = pack.text(
            "settings.menu",
            reminder_time=f"{at:%H:%M}",
            risk=pack.text(member("settings.risk.{}", risk)),
            reminders=pack.text("settings.reminders.off" if patient.messages_stopped else "settings.reminders.on"),
        )
        rows = [
            [(pack.label("settings_time"), callbacks.SETTINGS_TIME)],
            [(pack.label("settings_risk"), callbacks.SETTINGS_RISK)],
            *views.language_rows(pack, self._services.content),
            [(pack.label("done"), callbacks.menu(views.MAIN_SCREEN))],
        ]
        return text, views.keyboard(rows)

    @staticmethod
    def _time_picker(pack: LanguagePack) -> views.View:
        """Offer the reminder times, in the clinic's time zone."""
        buttons = [(f"{at:%H:%M}", callbacks.reminder_time(at)) for at in REMINDER_TIMES]
        rows = [buttons[i : i + 4] for i in range(0, len(buttons), 4)]
        return pack.text("settings.pick_time"), views.keyboard(rows)
