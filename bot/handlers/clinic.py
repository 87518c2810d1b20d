"""The clinic's views and exports: /alerts, /patient, /stats and /export, for staff only.

Every handler here is registered behind the staff guard (see clinic_handlers), which refuses anyone else and
stops the update. The texts are in the staff's language (the clinic's default), under "report." in clinic.toml.
"""

import asyncio
import logging
import re
from collections.abc import Sequence
from datetime import date

from telegram import Update
from telegram.constants import ChatAction
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler, ContextTypes

from bot.care.services import Services
from bot.content.keys import TIERS, Key, member
from bot.content.packs import LanguagePack
from bot.content.validation import MAX_MESSAGE, telegram_length
from bot.domain.patient import Patient
from bot.domain.records import EscalationStatus
from bot.domain.stats import ClinicStats, adherence, adherence_period, treatment_dates_that_count
from bot.handlers.access import StaffAccess
from bot.handlers.replies import answering, send
from bot.outbox.alerts import Alerts, with_status
from bot.reports import export
from bot.reports.charts import render_history_chart

# The patient's own /history, shown to staff: the same lines and the same chart.
from bot.telegram.callbacks import EXPORT_PATTERN, export_button_data, parse_export_button
from bot.views.history import alert_tiers, chart_labels, chart_point, summary_line
from bot.views.screens import View, keyboard, no_buttons

logger = logging.getLogger(__name__)

MAX_ALERTS = 10  # /alerts shows the newest ten and says how many more there are
MAX_CHECKIN_LINES = 40  # /patient shows the newest forty check-ins; /export has them all
MAX_QUERY = 40  # how much of an unknown /patient argument is repeated back
_PATIENT_ID = re.compile(r"#?(\d{1,20})")
_HANDLE = re.compile(r"@?[A-Za-z][A-Za-z0-9_]{0,63}")

ClinicHandler = BaseHandler[Update, ContextTypes.DEFAULT_TYPE, None]


def clinic_handlers(services: Services, alerts: Alerts, access: StaffAccess) -> list[ClinicHandler]:
    """Return the staff commands and buttons of the clinic's views and exports, each behind the staff guard."""
    clinic = ClinicHandlers(services, alerts, access)
    return [
        CommandHandler("alerts", access.staff_only(clinic.alerts)),
        CommandHandler("patient", access.staff_only(clinic.patient)),
        CommandHandler("stats", access.staff_only(clinic.stats)),
        CommandHandler("export", access.staff_only(clinic.export)),
        CallbackQueryHandler(access.staff_only(clinic.export_button), pattern=EXPORT_PATTERN),
    ]


class ClinicHandlers:
    """What staff see of the patients, and take out as files."""

    def __init__(self, services: Services, alerts: Alerts, access: StaffAccess) -> None:
        self._services = services
        self._alerts = alerts
        self._access = access

    @property
    def _pack(self) -> LanguagePack:
        """Return the pack staff read: the clinic's default language, as for alerts."""
        return self._alerts.staff_pack

    async def alerts(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """List the open and acknowledged alerts, newest first, each with its Acknowledge and Resolved buttons."""
        pack, database = self._pack, self._services.database
        found = await database.reports.open_alerts(MAX_ALERTS)
        await self._access.audit(update, "view", "alerts")
        if found.total == 0:
            await send(update, no_buttons(pack.text("report.alerts_none")))
            return
        heading = pack.text("report.alerts_heading", open_count=found.total)
        if found.total > len(found.newest):
            heading += "\n" + pack.text(
                "report.alerts_more", shown=len(found.newest), hidden=found.total - len(found.newest)
            )
        await send(update, no_buttons(heading))
        for escalation_id in found.newest:
            escalation = await database.escalations.get(escalation_id)
            if escalation is None or escalation.status is EscalationStatus.RESOLVED:
                continue  # resolved in the meantime
            body = await self._alerts.current_body(context.bot, escalation)
            body += "\n" + pack.text("report.alert_patient", user_id=escalation.user_id)
            text = with_status(body, self._alerts.status_line(escalation, None))
            await send(update, (text, self._alerts.alert_buttons(escalation)))

    async def patient(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Show one patient: the facts, their check-ins and alerts, and their chart (/patient 12345 or @handle)."""
        pack, database = self._pack, self._services.database
        query = " ".join(context.args or []).strip()
        if not query:
            await send(update, no_buttons(pack.text("report.patient_usage")))
            return
        patient = await self._find(query)
        if patient is None:
            await send(update, no_buttons(pack.text("report.patient_unknown", query=query[:MAX_QUERY])))
            return
        await self._access.audit(update, "view", f"patient:{patient.user_id}")
        checkins = await database.checkins.history(patient.user_id)
        escalations = await database.escalations.for_patient(patient.user_id)
        tiers = alert_tiers(escalations)
        shown = checkins[-MAX_CHECKIN_LINES:]
        checkin_lines = [pack.text("report.checkins_heading", checkin_count=len(checkins))]
        if len(checkins) > len(shown):
            checkin_lines.append(pack.text("report.checkins_earlier", earlier=len(checkins) - len(shown)))
        checkin_lines += [summary_line(pack, checkin, tiers.get(checkin.id)) for checkin in shown]
        if not checkins:
            checkin_lines.append(pack.text("report.checkins_none"))
        alert_lines = [pack.text("report.escalations_heading", escalation_count=len(escalations))]
        alert_lines += [
            pack.text(
                "report.escalation_line",
                escalation_id=escalation.id,
                date=pack.format_date(escalation.local_date),
                tier_label=pack.text(member("staff.tier.{}", escalation.tier)),
                alert_status=pack.text(member("report.status.{}", escalation.status.value)),
            )
            for escalation in reversed(escalations)
        ] or [pack.text("report.escalations_none")]
        for text in split_messages([[self._facts(pack, patient)], checkin_lines, alert_lines]):
            await send(update, no_buttons(text))
        chat = update.effective_chat
        if checkins and chat is not None:
            points = [chart_point(checkin, tiers.get(checkin.id)) for checkin in checkins]
            chart = await asyncio.to_thread(render_history_chart, points, chart_labels(pack))
            await chat.send_photo(chart, caption=pack.text("report.chart_caption", user_id=patient.user_id))

    async def stats(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Show the clinic's figures: patients, check-in adherence, open alerts, broadcasts, unreachable patients."""
        services = self._services
        reports, today, last_day = services.database.reports, services.today(), services.settings.reminder_last_day
        counts = await reports.patient_counts(today, last_day)
        period = adherence_period(today)
        treated = await reports.treatment_dates(treatment_dates_that_count(period, last_day))
        figures = ClinicStats(
            today=today,
            active=counts.active,
            in_window=counts.in_window,
            unreachable=counts.unreachable,
            period=period,
            adherence=adherence(treated, await reports.checkin_days(period), period, last_day),
            open_by_tier=await reports.open_by_tier(),
            broadcasts_sent=await reports.broadcasts_sent(),
        )
        await send(update, no_buttons(stats_text(self._pack, figures, last_day)))

    async def export(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Offer the export periods (/export), or export a typed one (/export 2026-11-01 2026-11-24)."""
        args = context.args or []
        if not args:
            await send(update, self._export_choices("report.export_choose"))
            return
        typed = export.typed_range(args)
        if typed is None:
            await send(update, self._export_choices("report.export_bad_range"))
            return
        await self._send_export(update, *typed)

    async def export_button(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Export the period of a pressed button: the last 7 or 30 days, or everything."""
        query = update.callback_query
        if query is None:
            return
        choice = parse_export_button(query.data or "")
        chosen = None if choice is None else export.chosen_range(choice, self._services.today())
        if chosen is None:
            await query.answer(self._pack.text("stale_button"))
            return
        await answering(query, self._send_export(update, *chosen))

    async def _send_export(self, update: Update, first: date | None, last: date) -> None:
        """Send the check-ins and the escalations of clinic dates first to last as two CSV documents."""
        chat = update.effective_chat
        if chat is None:
            return
        pack, reports = self._pack, self._services.database.reports
        await chat.send_action(ChatAction.UPLOAD_DOCUMENT)  # a large export takes a moment
        checkins = await reports.checkins_for_export(first, last)
        escalations = await reports.escalations_for_export(first, last)
        checkins_file = await asyncio.to_thread(export.checkins_csv, checkins)
        escalations_file = await asyncio.to_thread(export.escalations_csv, escalations)
        await self._access.audit(update, "export", f"checkins+escalations:{first or 'start'}..{last}")
        logger.info("export of %s check-ins and %s escalations", len(checkins), len(escalations))
        period = (
            pack.text("report.period_all", last_date=last.isoformat())
            if first is None
            else pack.text("report.period", first_date=first.isoformat(), last_date=last.isoformat())
        )
        for kind, data, count in (
            ("checkins", checkins_file, len(checkins)),
            ("escalations", escalations_file, len(escalations)),
        ):
            await chat.send_document(
                data,
                filename=export.file_name(kind, first, last),
                caption=pack.text(member("report.export_{}", kind), period=period, row_count=count),
            )

    def _export_choices(self, key: Key) -> View:
        """Show a message with the export period buttons."""
        pack = self._pack
        row = [
            (pack.text(member("report.button.export_{}", choice)), export_button_data(choice))
            for choice in export.EXPORT_CHOICES
        ]
        return pack.text(key), keyboard([row])

    async def _find(self, query: str) -> Patient | None:
        """Find a patient by Telegram id (12345 or #12345) or by @handle, in any case."""
        patients = self._services.database.patients
        if match := _PATIENT_ID.fullmatch(query):
            return await patients.get(int(match[1]))
        if _HANDLE.fullmatch(query):
            return await patients.find_by_username(query)
        return None

    def _facts(self, pack: LanguagePack, patient: Patient) -> str:
        """Describe the patient's onboarding and message settings."""
        settings, not_set = self._services.settings, pack.text("report.not_set")
        day = self._services.day_of(patient)
        reminder = (
            patient.reminder_time.strftime("%H:%M")
            if patient.reminder_time is not None
            else pack.text("report.default_reminder", time=settings.reminder_time.strftime("%H:%M"))
        )
        states = [
            key for key, on in (("stopped", patient.messages_stopped), ("unreachable", patient.unreachable_since)) if on
        ]
        return pack.text(
            "report.facts",
            user_id=patient.user_id,
            handle=f"@{patient.username}" if patient.username else pack.text("staff.no_handle"),
            recovery_day=not_set if day is None else str(day),
            treated_on=not_set if patient.treatment_date is None else pack.format_date(patient.treatment_date),
            patient_language=patient.language,
            patient_reminder=reminder,
            patient_messages=", ".join(pack.text(member("report.messages.{}", state)) for state in states or ["on"]),
        )


def stats_text(pack: LanguagePack, figures: ClinicStats, last_day: int) -> str:
    """Render /stats: each figure on its line, open alerts broken down by tier, most urgent first."""
    share = figures.adherence.percent
    adherence_text = (
        pack.text("report.adherence_none")
        if share is None
        else pack.text(
            "report.adherence",
            adherence_percent=share,
            checkins_received=figures.adherence.received,
            checkins_expected=figures.adherence.expected,
        )
    )
    tier_lines = [
        pack.text(
            "report.tier_count",
            tier_label=pack.text(member("staff.tier.{}", tier)),
            tier_count=figures.open_by_tier[tier],
        )
        for tier in TIERS
        if figures.open_by_tier.get(tier)
    ]
    open_alerts = "\n".join([str(figures.open_alerts), *tier_lines]) if tier_lines else pack.text("report.open_none")
    return pack.text(
        "report.stats",
        date=pack.format_date(figures.today),
        patients_active=figures.active,
        patients_in_window=figures.in_window,
        last_day=last_day,
        first_date=pack.format_date(figures.period.first),
        last_date=pack.format_date(figures.period.last),
        adherence=adherence_text,
        open_alerts=open_alerts,
        broadcasts_sent=figures.broadcasts_sent,
        patients_unreachable=figures.unreachable,
    )


def split_messages(blocks: Sequence[Sequence[str]], limit: int = MAX_MESSAGE) -> list[str]:
    """Join blocks of lines (a blank line between blocks) into as few messages as fit Telegram's limit.

    A message breaks only between lines, so that no HTML tag is cut in two.
    """
    messages: list[str] = []
    current: list[str] = []
    for index, block in enumerate(blocks):
        for position, line in enumerate(block):
            piece = f"\n{line}" if position == 0 and index > 0 else line
            candidate = "\n".join([*current, piece])
            if current and telegram_length(candidate) > limit:
                messages.append("\n".join(current))
                current = [line]
            else:
                current.append(piece)
    if current:
        messages.append("\n".join(current))
    return messages
