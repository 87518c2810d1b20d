"""The composition root: builds the Application, wires every handler in order, and owns start-up and shutdown."""

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from telegram import BotCommand, LinkPreviewOptions, Update
from telegram.constants import ParseMode
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    ChatMemberHandler,
    CommandHandler,
    ContextTypes,
    Defaults,
    JobQueue,
    MessageHandler,
    TypeHandler,
    filters,
)
from telegram.request import BaseRequest

from bot.care.alerts import AlertCare
from bot.care.broadcasts import Broadcasts
from bot.care.checkins import CheckinCare
from bot.care.onboarding import OnboardingCare
from bot.care.reminders import Reminders
from bot.care.sequence import SequenceCare
from bot.care.services import Services
from bot.care.typed import TypedCare
from bot.config import Settings
from bot.content.packs import Content
from bot.domain.records import DeliveryKind
from bot.domain.sequence import AftercareSequence
from bot.domain.triage import TriageRules
from bot.handlers.access import StaffAccess
from bot.handlers.account import AccountHandlers
from bot.handlers.broadcast import BroadcastHandlers
from bot.handlers.checkin import CheckinHandlers
from bot.handlers.checkin_replies import CheckinReplies
from bot.handlers.clinic import clinic_handlers
from bot.handlers.errors import ErrorHandler
from bot.handlers.gate import Gate
from bot.handlers.history import HistoryHandlers
from bot.handlers.membership import MembershipHandlers
from bot.handlers.menu import MenuHandlers
from bot.handlers.messages import MessageHandlers
from bot.handlers.onboarding import OnboardingHandlers
from bot.handlers.onboarding_replies import OnboardingReplies
from bot.handlers.preferences import PreferenceHandlers
from bot.handlers.staff import StaffHandlers
from bot.handlers.staff_admin import INVITE_PREFIX, StaffAdminHandlers, publish_staff_commands
from bot.handlers.typed import TypedReplies
from bot.jobs.minute import Jobs
from bot.outbox.alerts import Alerts
from bot.outbox.senders import DeliverySenders
from bot.outbox.worker import Outbox, bulk_width
from bot.reading import TextReader
from bot.storage import Database
from bot.telegram import callbacks, update_order
from bot.telegram.pools import bot_api_requests
from bot.telegram.request_layer import ApiBot, ResilientRequests
from bot.views.screens import ScreenViews

logger = logging.getLogger(__name__)

JOB_INTERVAL_SECONDS = 60.0
FIRST_JOB_DELAY_SECONDS = 5.0  # soon after start, so a reminder missed during downtime goes out at once
GATE_GROUP = -2  # runs first; stops everything that is not a private chat with a user
STAFF_GROUP = -1  # staff commands and buttons; a match stops there, so patients' handlers never see them
PATIENT_GROUP = 0

BotApplication = Application[
    ApiBot,
    ContextTypes.DEFAULT_TYPE,
    dict[Any, Any],
    dict[Any, Any],
    dict[Any, Any],
    JobQueue[ContextTypes.DEFAULT_TYPE],
]


def utc_now() -> datetime:
    """Return the current moment, aware, in UTC."""
    return datetime.now(UTC)


@dataclass(frozen=True)
class AftercareBot:
    """The built bot: the Application to run, and its scheduled jobs (which tests drive by hand)."""

    application: BotApplication
    jobs: Jobs


@dataclass(frozen=True)
class OwnSends:
    """What sends on the bot's own initiative: the outbox, broadcasts, and the jobs that decide what is due."""

    outbox: Outbox
    broadcasts: Broadcasts
    checkins: CheckinCare
    alerts: AlertCare
    jobs: Jobs


def build_own_sends(services: Services, alerts: Alerts, sequence: AftercareSequence) -> OwnSends:
    """Build the outbox with a sender for every kind, the broadcasts, and the jobs (tests build the same)."""
    steps = SequenceCare(services, sequence)
    broadcasts = Broadcasts(services, wake=lambda: outbox.wake())
    reminders = Reminders(services, wake=lambda: outbox.wake())
    # The outbox: every message the bot sends on its own, rendered by its kind's sender, sent by one worker.
    outbox = Outbox(
        services,
        senders={
            **DeliverySenders(services, alerts).by_kind(),
            DeliveryKind.REMINDER: reminders.send,
            DeliveryKind.NUDGE: reminders.send,
            DeliveryKind.STEP: steps.send,
            DeliveryKind.BROADCAST: broadcasts.send,
        },
        settled={DeliveryKind.BROADCAST: broadcasts.settled},
    )
    checkins, alert_care = CheckinCare(services, outbox), AlertCare(services, wake=lambda: outbox.wake())
    jobs = Jobs(
        services, checkins, alert_care, outbox=outbox, reminders=reminders, sequence=steps, broadcasts=broadcasts
    )
    return OwnSends(outbox, broadcasts, checkins, alert_care, jobs)


def build_bot(
    settings: Settings,
    content: Content,
    rules: TriageRules,
    reader: TextReader,
    *,
    sequence: AftercareSequence,
    clock: Callable[[], datetime] = utc_now,
    job_interval: float | None = JOB_INTERVAL_SECONDS,
    requests: tuple[BaseRequest, BaseRequest] | None = None,
) -> AftercareBot:
    """Build the bot: services, handlers in their groups, scheduled jobs, and the start-up and shutdown hooks.

    `requests` replaces the HTTP connections (for the calls, for getUpdates), e.g. with the tests' in-process ones.
    """
    services = Services(settings=settings, content=content, rules=rules, reader=reader, clock=clock)
    alerts = Alerts(services)
    own = build_own_sends(services, alerts, sequence)
    outbox, broadcasts, jobs = own.outbox, own.broadcasts, own.jobs

    async def post_init(application: BotApplication) -> None:
        """Open the database, register the command menu with Telegram and schedule the jobs."""
        services.attach_database(await Database.open(settings.database_path))
        members = await services.database.staff.members()
        staff = sorted(settings.staff_user_ids | {m.user_id for m in members})
        await asyncio.gather(  # one round trip to Telegram for every menu, not one each
            _register_commands(application, content),
            publish_staff_commands(application.bot, services.clinic_pack, staff),
        )
        if job_interval is not None and application.job_queue is not None:
            application.job_queue.run_repeating(
                jobs.tick,
                interval=job_interval,
                first=FIRST_JOB_DELAY_SECONDS,
                job_kwargs={"misfire_grace_time": None, "coalesce": True},
            )
        await outbox.start(application.bot)  # what a stop or crash left pending goes out again (unconfirmed: not)
        await broadcasts.resume(application.bot)  # who is composing; broadcasts a stop left with nothing to send end
        logger.info("bot ready")

    async def post_shutdown(application: BotApplication) -> None:
        """Close the database, if start-up got as far as opening it."""
        await outbox.stop()  # after the messages on their way; what is pending waits in the database for the next start
        if await services.close_database():
            logger.info("database closed")

    in_flight = update_order.MAX_CONCURRENT_UPDATES  # read here, so that a benchmark can measure other settings
    calls, long_poll = requests or bot_api_requests(
        update_order.connections_for(in_flight, bulk_width(settings.broadcast_rate))
    )
    application = (
        Application.builder()
        .request(calls)
        .get_updates_request(long_poll)
        .token(settings.telegram_bot_token.get_secret_value())
        .base_url(settings.api_base_url)
        .base_file_url(settings.api_file_url)
        .defaults(
            Defaults(
                parse_mode=ParseMode.HTML,
                link_preview_options=LinkPreviewOptions(is_disabled=True),
                tzinfo=settings.clinic_timezone,
            )
        )
        .rate_limiter(ResilientRequests(services.send_pace))
        .concurrent_updates(update_order.PerChatOrder(in_flight))  # chats at the same time, each chat's in order
        .post_init(post_init)
        .post_shutdown(post_shutdown)
        .build()
    )
    _add_handlers(application, services, own, alerts)
    return AftercareBot(application=application, jobs=jobs)


def _add_handlers(
    application: BotApplication,
    services: Services,
    own: OwnSends,
    alerts: Alerts,
) -> None:
    """Register the handlers; within a group the first match wins, so the order below matters."""
    checkin_care, outbox, broadcasts = own.checkins, own.outbox, own.broadcasts
    gate = Gate(services)
    access = StaffAccess(services)
    screens = ScreenViews(services)
    menu = MenuHandlers(services, screens)
    onboarding_care = OnboardingCare(services)
    onboarding_replies = OnboardingReplies(services, onboarding_care, screens)
    onboarding = OnboardingHandlers(services, onboarding_care, onboarding_replies)
    checkin_replies = CheckinReplies(services, outbox)
    checkins = CheckinHandlers(services, checkin_care, checkin_replies)
    typed = TypedReplies(services, TypedCare(services, outbox), outbox)
    messages = MessageHandlers(services, (checkin_care, checkin_replies), typed, onboarding_replies)
    preferences = PreferenceHandlers(services, screens)
    staff = StaffHandlers(services, own.alerts, alerts)
    staff_admin = StaffAdminHandlers(services, access)
    history = HistoryHandlers(services)
    membership = MembershipHandlers(services)
    account = AccountHandlers(services)

    application.add_handler(TypeHandler(Update, gate.check), group=GATE_GROUP)
    # The clinic's side: staff-only commands and buttons, each behind the staff guard, before the patients'.
    application.add_handlers(
        [
            CommandHandler("invite", access.admins_only(staff_admin.invite)),
            CommandHandler("staff", access.admins_only(staff_admin.list_staff)),
            CallbackQueryHandler(access.admins_only(staff_admin.remove), pattern=callbacks.REMOVE_STAFF_PATTERN),
            CallbackQueryHandler(access.staff_only(staff.alert_button), pattern=callbacks.STAFF_PATTERN),
            # --- broadcasts: handlers here ---
            *BroadcastHandlers(services, access, broadcasts).handlers(),
            # --- clinic views and exports: handlers here ---
            *clinic_handlers(services, alerts, access),
        ],
        group=STAFF_GROUP,
    )
    application.add_handlers(
        [
            # Button presses first, the most frequent updates: none of the handlers after them takes a press.
            CallbackQueryHandler(onboarding.consent, pattern=callbacks.CONSENT_PATTERN),
            CallbackQueryHandler(preferences.language, pattern=callbacks.LANGUAGE_PATTERN),
            CallbackQueryHandler(onboarding.date_button, pattern=callbacks.DATE_PATTERN),
            CallbackQueryHandler(checkins.button, pattern=callbacks.CHECKIN_PATTERN),
            CallbackQueryHandler(preferences.button, pattern=callbacks.SETTINGS_PATTERN),
            CallbackQueryHandler(account.delete_button, pattern=callbacks.ERASE_PATTERN),
            # Menu buttons, and last of the presses any other data: forged or from an older version of the bot.
            CallbackQueryHandler(menu.navigate),
            # Edits before the rest: an edited command or text must not be taken as a new one.
            MessageHandler(filters.UpdateType.EDITED, messages.edited),
            ChatMemberHandler(membership.changed, ChatMemberHandler.MY_CHAT_MEMBER),
            CommandHandler("start", staff_admin.redeem, filters=filters.Regex(rf"^/start(@\w+)? {INVITE_PREFIX}")),
            CommandHandler("start", onboarding.start),
            CommandHandler("menu", menu.open_menu),
            CommandHandler("help", messages.help),
            CommandHandler("checkin", checkins.start),
            CommandHandler("cancel", checkins.cancel),
            CommandHandler("history", history.show),
            CommandHandler("settings", preferences.show_settings),
            CommandHandler("stop", preferences.stop),
            CommandHandler("mydata", account.my_data),
            CommandHandler("delete", account.delete),
            MessageHandler(filters.COMMAND, messages.unknown_command),
            MessageHandler(filters.TEXT, messages.text),
            MessageHandler(filters.ALL, messages.media),
        ],
        group=PATIENT_GROUP,
    )
    application.add_error_handler(ErrorHandler(services).on_error)


async def _register_commands(application: BotApplication, content: Content) -> None:
    """Publish the command menu, in each language the content has."""
    await asyncio.gather(
        *(
            application.bot.set_my_commands(
                [BotCommand(name, description) for name, description in pack.command_descriptions().items()],
                language_code=None if code == content.default_language else code,
            )
            for code, pack in content.languages.items()
        )
    )
