"""/history: the recovery so far as a short text and a chart, rendered off the event loop."""

import asyncio

from telegram import Update
from telegram.ext import ContextTypes

from bot.care.services import Services
from bot.handlers.caller import identify
from bot.handlers.replies import send
from bot.reports.charts import render_history_chart
from bot.telegram import callbacks
from bot.views.history import alert_tiers, chart_labels, chart_point, summary_line
from bot.views.screens import keyboard, no_buttons

MAX_LINES = 40  # keeps the summary well inside Telegram's 4096 characters


class HistoryHandlers:
    """Shows a patient their check-ins so far."""

    def __init__(self, services: Services) -> None:
        self._services = services

    async def show(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Send the chart, then the summary of every check-in with the ones that raised an alert marked."""
        caller = await identify(self._services, update)
        patient, pack = caller.patient, caller.pack
        if patient is None or not patient.onboarded:
            await send(update, no_buttons(pack.text("checkin.not_onboarded")))
            return
        database = self._services.database
        checkins = await database.checkins.history(caller.user_id)
        if not checkins:
            button = keyboard([[(pack.label("checkin_now"), callbacks.CHECKIN_START)]])
            await send(update, (pack.text("history.empty"), button))
            return
        alerts = alert_tiers(await database.escalations.for_patient(caller.user_id))
        points = [chart_point(checkin, alerts.get(checkin.id)) for checkin in checkins]
        chart = await asyncio.to_thread(render_history_chart, points, chart_labels(pack))
        chat = update.effective_chat
        if chat is not None:
            await chat.send_photo(chart, caption=pack.text("history.chart_caption"))
        lines = [summary_line(pack, checkin, alerts.get(checkin.id)) for checkin in checkins[-MAX_LINES:]]
        heading = pack.text("history.heading", day=self._services.day_of(patient) or 0)
        await send(update, no_buttons("\n".join([heading, "", *lines])))
