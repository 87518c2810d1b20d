"""/broadcast and /broadcasts for clinic staff: compose, choose the audience, preview, send now or schedule, cancel.

The draft being composed is a broadcast row (status 'draft', compose_step), so a restart mid-compose carries on.
A staff member's typed messages are taken as composing only while they have a draft: the `Composing` filter
matches nobody else, so patients' messages (and staff's when not composing) go on to the patients' handlers.
Delivery itself is the outbox's (bot.care.broadcasts, bot.outbox); these handlers only start, schedule and cancel it.
"""

import logging
from collections.abc import Mapping
from datetime import date, datetime, time

from telegram import Message, Update
from telegram.error import BadRequest
from telegram.ext import (
    ApplicationHandlerStop,
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from bot.care.broadcasts import CANCEL, Broadcasts, Outgoing, plain, send_outgoing
from bot.care.services import Services
from bot.content.keys import Key, member
from bot.content.packs import LanguagePack
from bot.domain.audience import MAX_DAYS as MAX_AUDIENCE_DAYS
from bot.domain.audience import MAX_SCHEDULE_DAYS as MAX_AHEAD_DAYS
from bot.domain.audience import (
    AllActive,
    Audience,
    AudienceError,
    RecoveryDays,
    SendTimeError,
    TreatedBetween,
    TreatedRecently,
    check_send_time,
    decode,
    encode,
    in_one_hour,
    parse_audience,
    parse_send_time,
    tomorrow_at,
    treatment_dates,
)
from bot.handlers.access import StaffAccess
from bot.handlers.replies import answering, pressed_message, remove_buttons, send, show
from bot.outbox.worker import api_bot
from bot.storage.broadcasts import Broadcast, BroadcastStatus, BroadcastStore
from bot.telegram.callbacks import BROADCAST_PATTERN as CALLBACK_PATTERN
from bot.telegram.callbacks import broadcast_button as button_data
from bot.telegram.callbacks import parse_broadcast_button as parse_button
from bot.telegram.request_layer import ApiBot
from bot.views.screens import View, keyboard, no_buttons

logger = logging.getLogger(__name__)

CONTENT, AUDIENCE, CONFIRM, SCHEDULE = "content", "audience", "confirm", "schedule"  # the compose steps
TRANSLATE = "translate:"  # the compose step waiting for the message in another language: "translate:fr"
SEND_NOW, SCHEDULE_LATER, IN_ONE_HOUR, TOMORROW, SKIP = "send", "later", "at:1h", "at:tomorrow", "skip"
TOMORROW_AT = time(10, 0)
LIST_LENGTH = 10  # broadcasts /broadcasts shows
MAX_LIST = 3500  # characters of lines in /broadcasts, so the whole message stays within Telegram's 4096
# The audience buttons: (label key, audience); their data carries the audience as bot.domain.audience encodes it.
PRESETS: tuple[tuple[tuple[Key, Audience], ...], ...] = (
    (("broadcast.button.all", AllActive()),),
    (("broadcast.button.recent_7", TreatedRecently(7)), ("broadcast.button.recent_30", TreatedRecently(30))),
    (("broadcast.button.days_0_3", RecoveryDays(0, 3)), ("broadcast.button.days_4_14", RecoveryDays(4, 14))),
)
_AUDIENCE_ACTION = "a:"

Handler = BaseHandler[Update, ContextTypes.DEFAULT_TYPE, None]


class Composing(filters.MessageFilter):
    """Matches a message from a staff member who has a broadcast draft in progress, and nobody else's."""

    def __init__(self, broadcasts: Broadcasts) -> None:
        super().__init__(name="composing a broadcast")
        self._broadcasts = broadcasts

    def filter(self, message: Message) -> bool:
        """Tell whether the sender is composing a broadcast (as the broadcasts know it)."""
        return message.from_user is not None and message.from_user.id in self._broadcasts.composing


class BroadcastHandlers:
    """The staff's side of broadcasts; every command and button is behind the staff guard."""

    def __init__(self, services: Services, access: StaffAccess, broadcasts: Broadcasts) -> None:
        self._services = services
        self._access = access
        self._broadcasts = broadcasts

    def handlers(self) -> list[Handler]:
        """Return the handlers, for the staff group: they stop there when they match, and match only staff's updates."""
        composing = Composing(self._broadcasts)
        return [
            CommandHandler("broadcast", self._access.staff_only(self.compose)),
            CommandHandler("broadcasts", self._access.staff_only(self.list_broadcasts)),
            CommandHandler("cancel", self.typed_cancel, filters=composing),
            MessageHandler(filters.UpdateType.MESSAGE & ~filters.COMMAND & composing, self.typed),
            CallbackQueryHandler(self._access.staff_only(self.button), pattern=CALLBACK_PATTERN),
        ]

    @property
    def _store(self) -> BroadcastStore:
        """Return the broadcast store."""
        return self._services.database.broadcasts

    @staticmethod
    def _bot(update: Update) -> ApiBot:
        """Return the Application's bot, whose calls go through the request layer."""
        return api_bot(update.get_bot())

    # --- commands ---

    async def compose(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Start composing a broadcast (/broadcast), or carry on with the one in progress."""
        user = update.effective_user
        if user is None:
            return
        pack = self._services.clinic_pack
        draft = await self._store.draft_of(user.id)
        if draft is None:
            draft = await self._store.create_draft(user.id, CONTENT, self._services.clock())
            logger.info("staff member %s started broadcast %s", user.id, draft.id)
        else:
            await send(update, no_buttons(pack.text("broadcast.resumed")))
        self._broadcasts.composing.add(user.id)
        await self._prompt(update, draft)

    async def list_broadcasts(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """List the latest broadcasts with their figures, with a Cancel button for those not over yet (/broadcasts)."""
        pack = self._services.clinic_pack
        found = await self._store.recent(LIST_LENGTH)
        if not found:
            await send(update, no_buttons(pack.text("broadcast.list_empty")))
            return
        lines: list[str] = []
        rows: list[list[tuple[str, str]]] = []
        for broadcast, tally in found:
            if broadcast.status is BroadcastStatus.SCHEDULED and broadcast.scheduled_for is not None:
                line = plain(
                    pack,
                    "broadcast.line_scheduled",
                    broadcast_id=broadcast.id,
                    send_time=self._local(pack, broadcast.scheduled_for),
                    audience=self._describe_stored(pack, broadcast, self._local_date(broadcast.scheduled_for)),
                )
            else:
                line = plain(
                    pack,
                    "broadcast.line",
                    broadcast_id=broadcast.id,
                    broadcast_status=plain(pack, member("broadcast.status.{}", broadcast.status.value)),
                    send_time=self._local(pack, broadcast.started_at or broadcast.created_at),
                    recipients=tally.total,
                    sent_count=tally.sent,
                    blocked_count=tally.blocked,
                    failed_count=tally.failed,
                )
            if sum(len(shown) + 2 for shown in lines) + len(line) > MAX_LIST:
                break
            lines.append(line)
            if broadcast.status in (BroadcastStatus.SCHEDULED, BroadcastStatus.SENDING):
                label = pack.text("broadcast.button.cancel_numbered", broadcast_id=broadcast.id)
                rows.append([(label, button_data(broadcast.id, CANCEL))])
        text = pack.text("broadcast.list", broadcast_lines="\n\n".join(lines))
        await send(update, (text, keyboard(rows) if rows else None))

    # --- typed messages while composing ---

    async def typed_cancel(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Cancel the draft in progress (/cancel from a staff member who is composing)."""
        draft = await self._composing_draft(update)
        if draft is None:
            return  # not composing after all: /cancel goes on to the patients' handler
        await self._cancel_draft(update, draft)
        await send(update, no_buttons(self._services.clinic_pack.text("broadcast.cancelled_draft")))
        raise ApplicationHandlerStop

    async def typed(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Take a staff member's message as the next part of their draft: the message, an audience or a send time."""
        message = update.effective_message
        draft = await self._composing_draft(update)
        if draft is None or message is None:
            return  # not composing after all: the message goes on to the patients' handlers
        pack = self._services.clinic_pack
        if draft.compose_step == CONTENT:
            await self._take_message(update, draft, message)
        elif draft.compose_step == AUDIENCE:
            await self._take_audience(update, draft, message.text or "")
        elif draft.compose_step == SCHEDULE:
            await self._take_send_time(update, draft, message.text or "")
        elif (draft.compose_step or "").startswith(TRANSLATE):
            await self._take_translation(update, draft, message)
        else:
            await send(update, no_buttons(pack.text("broadcast.use_buttons")))
        raise ApplicationHandlerStop

    async def _composing_draft(self, update: Update) -> Broadcast | None:
        """Return the sender's draft if they are staff composing one; otherwise None, and they are not composing."""
        user = update.effective_user
        if user is None:
            return None
        try:
            staff = await self._access.is_staff(user.id)
        except Exception:  # then their message is handled as anyone's; no staff action is taken
            logger.exception("the staff check failed; the message was not taken as a broadcast")
            return None
        draft = await self._store.draft_of(user.id) if staff else None
        if draft is None:
            self._broadcasts.composing.discard(user.id)
        return draft

    async def _take_message(self, update: Update, draft: Broadcast, message: Message) -> None:
        """Keep the broadcast's message: text with its formatting, or the largest size of a photo with its caption."""
        pack = self._services.clinic_pack
        if message.photo:
            text_html, photo = (message.caption_html if message.caption else ""), message.photo[-1].file_id
        elif message.text:
            text_html, photo = message.text_html, None
        else:
            await send(update, no_buttons(pack.text("broadcast.message_unsupported")))
            return
        await self._store.update_draft(
            draft.id, CONTENT, self._services.clock(), text_html=text_html, photo_file_id=photo
        )
        await self._ask_next_language(update, draft.id, {})

    async def _take_translation(self, update: Update, draft: Broadcast, message: Message) -> None:
        """Keep the message in the language the draft waits for (for a photo, its caption), then ask for the next."""
        language = (draft.compose_step or "").removeprefix(TRANSLATE)
        text_html = message.text_html if message.text else message.caption_html if message.caption else None
        if text_html is None:
            await send(update, no_buttons(self._services.clinic_pack.text("broadcast.message_unsupported")))
            return
        translations = {**draft.translations, language: text_html}
        await self._ask_next_language(update, draft.id, translations)

    async def _ask_next_language(self, update: Update, broadcast_id: int, translations: Mapping[str, str]) -> None:
        """Ask for the message in the next language patients may read that it lacks; with none left, the audience."""
        clinic, now = self._services.settings.clinic_language, self._services.clock()
        languages = sorted(self._services.content.languages)
        missing = next((code for code in languages if code != clinic and code not in translations), None)
        step = AUDIENCE if missing is None else TRANSLATE + missing
        await self._store.update_draft(broadcast_id, step, now, translations=translations)
        if missing is None:
            await send(update, self._audience_view(self._services.clinic_pack, broadcast_id))
        else:
            await send(update, self._translation_view(broadcast_id, missing))

    async def _take_audience(self, update: Update, draft: Broadcast, text: str) -> None:
        """Read a typed audience; say kindly what is wrong with it, or go on to the preview."""
        pack = self._services.clinic_pack
        try:
            audience = parse_audience(text, self._services.today())
        except AudienceError as error:
            values = {"max_days": MAX_AUDIENCE_DAYS} if error.problem.value == "too_large" else {}
            await send(update, no_buttons(pack.text(member("broadcast.invalid.{}", error.problem.value), **values)))
            return
        await self._choose_audience(update, draft, audience)

    async def _take_send_time(self, update: Update, draft: Broadcast, text: str) -> None:
        """Read a typed send time in the clinic's time zone; say kindly what is wrong with it, or schedule."""
        pack = self._services.clinic_pack
        try:
            moment = parse_send_time(text, self._services.settings.clinic_timezone, self._services.clock())
        except SendTimeError as error:
            await send(update, no_buttons(self._send_time_problem(pack, error)))
            return
        await self._schedule(update, draft, moment, edit=False)

    # --- buttons ---

    async def button(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Act on a broadcast button; anything stale, someone else's or forged gets a short answer and does nothing."""
        query, user = update.callback_query, update.effective_user
        if query is None or user is None:
            return
        pack = self._services.clinic_pack
        parsed = parse_button(query.data or "")
        broadcast = None if parsed is None else await self._store.get(parsed[0])
        if parsed is None or broadcast is None:
            await query.answer(pack.text("broadcast.toast.gone"))
            return
        action = parsed[1]
        if action == CANCEL:
            await self._cancel_button(update, broadcast)
            return
        if broadcast.status is not BroadcastStatus.DRAFT or broadcast.created_by != user.id:
            await query.answer(pack.text("broadcast.toast.gone"))
            return
        step = broadcast.compose_step or ""
        if step.startswith(TRANSLATE) and action == SKIP:  # the other languages get the clinic's text
            await answering(
                query, self._next_step(update, broadcast, AUDIENCE, self._audience_view(pack, broadcast.id))
            )
        elif step == AUDIENCE and action.startswith(_AUDIENCE_ACTION):
            await self._audience_button(update, broadcast, action.removeprefix(_AUDIENCE_ACTION))
        elif step == CONFIRM and action == SEND_NOW:
            await self._send_now(update, broadcast)
        elif step == CONFIRM and action == SCHEDULE_LATER:
            await answering(
                query, self._next_step(update, broadcast, SCHEDULE, self._schedule_view(pack, broadcast.id))
            )
        elif step == SCHEDULE and action in (IN_ONE_HOUR, TOMORROW):
            now, zone = self._services.clock(), self._services.settings.clinic_timezone
            moment = in_one_hour(now) if action == IN_ONE_HOUR else tomorrow_at(now, zone, TOMORROW_AT)
            await answering(query, self._schedule(update, broadcast, moment, edit=True))
        else:
            await query.answer(pack.text("broadcast.toast.stale"))

    async def _audience_button(self, update: Update, draft: Broadcast, encoded: str) -> None:
        """Take an audience chosen with a button."""
        query = update.callback_query
        assert query is not None  # noqa: S101 - button() only calls this for a callback query
        try:
            audience = decode(encoded)
        except ValueError:
            await query.answer(self._services.clinic_pack.text("broadcast.toast.gone"))
            return
        await answering(query, self._chosen_by_button(update, draft, audience))

    async def _chosen_by_button(self, update: Update, draft: Broadcast, audience: Audience) -> None:
        """Take an audience chosen with a button, and take the audience buttons off once it is kept."""
        if await self._choose_audience(update, draft, audience):
            await remove_buttons(update)

    async def _next_step(self, update: Update, draft: Broadcast, step: str, asked: View) -> None:
        """Move a draft on to a step, take the pressed buttons off, and ask what the step needs."""
        await self._store.update_draft(draft.id, step, self._services.clock())
        await remove_buttons(update)
        await send(update, asked)

    async def _send_now(self, update: Update, draft: Broadcast) -> None:
        """Start delivery at once; the confirmation message becomes the progress message."""
        query, chat, message = update.callback_query, update.effective_chat, pressed_message(update)
        assert query is not None  # noqa: S101 - button() only calls this for a callback query
        if chat is None or message is None:
            await query.answer(self._services.clinic_pack.text("broadcast.toast.gone"))
            return
        broadcasts = self._broadcasts
        count = await broadcasts.begin(
            self._bot(update), draft.id, scheduled=False, report=(chat.id, message.message_id)
        )
        if count is None:
            await query.answer(self._services.clinic_pack.text("broadcast.toast.gone"))
            return
        await query.answer()
        broadcasts.composing.discard(draft.created_by)
        await self._access.audit(update, "broadcast sent", f"broadcast:{draft.id}")

    async def _cancel_button(self, update: Update, broadcast: Broadcast) -> None:
        """Cancel a draft (its author only), or any staff member's scheduled or running broadcast."""
        query, user = update.callback_query, update.effective_user
        assert query is not None  # noqa: S101 - button() only calls this for a callback query
        pack = self._services.clinic_pack
        if user is None or (broadcast.status is BroadcastStatus.DRAFT and broadcast.created_by != user.id):
            await query.answer(pack.text("broadcast.toast.gone"))
            return
        before = await self._broadcasts.cancel(self._bot(update), broadcast.id)
        if before is None:
            await query.answer(pack.text("broadcast.toast.over"))
            return
        # Whether it was cancelled is known: the toast saying so goes out while the message shows it.
        await answering(query, self._cancelled(update, before), toast=pack.text("broadcast.toast.cancelled"))

    async def _cancelled(self, update: Update, before: Broadcast) -> None:
        """Record a cancellation in the audit log and show it on the pressed message (a running one's report aside)."""
        pack = self._services.clinic_pack
        await self._access.audit(update, "broadcast cancelled", f"broadcast:{before.id}")
        pressed = pressed_message(update)
        on_progress = pressed is not None and pressed.message_id == before.report_message_id
        if before.status is BroadcastStatus.DRAFT:
            await show(update, no_buttons(pack.text("broadcast.cancelled_draft")))
        elif not (before.status is BroadcastStatus.SENDING and on_progress):  # the broadcasts turn that into the report
            await show(update, no_buttons(pack.text("broadcast.cancelled", broadcast_id=before.id)))

    # --- steps ---

    async def _choose_audience(self, update: Update, draft: Broadcast, audience: Audience) -> bool:
        """Count the audience; if anyone is in it, keep it and show the preview and the confirmation. Tell which."""
        pack = self._services.clinic_pack
        today = self._services.today()
        count = await self._store.count_audience(treatment_dates(audience, today))
        if count == 0:
            await send(update, no_buttons(pack.text("broadcast.no_recipients")))
            return False
        await self._store.update_draft(draft.id, CONFIRM, self._services.clock(), audience=encode(audience))
        chosen = await self._store.get(draft.id)
        if chosen is not None:
            await self._preview(update, chosen, count)
        return True

    async def _preview(self, update: Update, draft: Broadcast, count: int) -> None:
        """Send the message exactly as patients will get it, then how many get it, with Send / Schedule / Cancel."""
        pack, chat = self._services.clinic_pack, update.effective_chat
        if chat is None:
            return
        try:
            # The very function and bot patients' copies go through: what works here works for them.
            for language in (None, *sorted(draft.translations)):
                await send_outgoing(self._bot(update), chat.id, Outgoing.of(draft, language))
        except BadRequest as error:  # Telegram refuses the message as it stands: ask for it again
            logger.info("broadcast %s: Telegram refused the preview (%s)", draft.id, type(error).__name__)
            await self._store.update_draft(draft.id, CONTENT, self._services.clock())
            await send(update, no_buttons(pack.text("broadcast.preview_failed")))
            return
        audience = self._describe_stored(pack, draft, self._services.today())
        text = pack.text("broadcast.confirm", recipients=count, audience=audience)
        if warning := await self._other_languages(pack, draft):
            text += "\n" + warning
        rows = [
            [(pack.text("broadcast.button.send_now"), button_data(draft.id, SEND_NOW))],
            [(pack.text("broadcast.button.schedule"), button_data(draft.id, SCHEDULE_LATER))],
            [(pack.text("broadcast.button.cancel"), button_data(draft.id, CANCEL))],
        ]
        await send(update, (text, keyboard(rows)))

    async def _other_languages(self, pack: LanguagePack, draft: Broadcast) -> str:
        """Say how many of the audience read the bot in a language other than the message's (the clinic's), if any."""
        span = treatment_dates(decode(draft.audience), self._services.today())
        languages = await self._store.audience_languages(span)
        others = {code: n for code, n in languages.items() if code != pack.code and code not in draft.translations}
        if not others:
            return ""
        content = self._services.content
        names = ", ".join(content.pack(code).label("language") for code in sorted(others))
        return pack.text("broadcast.other_languages", recipients=sum(others.values()), languages=names)

    async def _schedule(self, update: Update, draft: Broadcast, moment: datetime, *, edit: bool) -> None:
        """Schedule the draft for a moment and say when and to whom, with a button that cancels it."""
        pack, chat = self._services.clinic_pack, update.effective_chat
        if chat is None:
            return
        try:
            moment = check_send_time(moment, self._services.clock())
        except SendTimeError as error:
            await send(update, no_buttons(self._send_time_problem(pack, error)))
            return
        if not await self._store.schedule(draft.id, moment, chat.id, self._services.clock()):
            await send(update, no_buttons(pack.text("broadcast.toast.gone")))
            return
        self._broadcasts.composing.discard(draft.created_by)
        await self._access.audit(update, "broadcast scheduled", f"broadcast:{draft.id}")
        text = pack.text(
            "broadcast.scheduled",
            broadcast_id=draft.id,
            send_time=self._local(pack, moment),
            audience=self._describe_stored(pack, draft, self._local_date(moment)),
        )
        markup = keyboard(
            [[(pack.text("broadcast.button.cancel_numbered", broadcast_id=draft.id), button_data(draft.id, CANCEL))]]
        )
        await (show if edit else send)(update, (text, markup))

    async def _cancel_draft(self, update: Update, draft: Broadcast) -> None:
        """Cancel a draft and record it in the audit log."""
        if await self._broadcasts.cancel(self._bot(update), draft.id) is not None:
            await self._access.audit(update, "broadcast cancelled", f"broadcast:{draft.id}")

    async def _prompt(self, update: Update, draft: Broadcast) -> None:
        """Ask for what the draft's step needs (after /broadcast, including one that resumes a draft)."""
        pack = self._services.clinic_pack
        if draft.compose_step == AUDIENCE:
            await send(update, self._audience_view(pack, draft.id))
        elif draft.compose_step == CONFIRM:
            audience = decode(draft.audience)
            count = await self._store.count_audience(treatment_dates(audience, self._services.today()))
            await self._preview(update, draft, count)
        elif draft.compose_step == SCHEDULE:
            await send(update, self._schedule_view(pack, draft.id))
        elif (draft.compose_step or "").startswith(TRANSLATE):
            await send(update, self._translation_view(draft.id, (draft.compose_step or "").removeprefix(TRANSLATE)))
        else:
            cancel = [[(pack.text("broadcast.button.cancel"), button_data(draft.id, CANCEL))]]
            await send(update, (pack.text("broadcast.ask_message"), keyboard(cancel)))

    # --- views ---

    def _translation_view(self, broadcast_id: int, language: str) -> View:
        """Ask for the message in another language, with Skip (they get the clinic's text) and Cancel."""
        pack, content = self._services.clinic_pack, self._services.content
        name = content.languages[language].label("language") if language in content.languages else language
        rows = [
            [(pack.text("broadcast.button.skip_translation"), button_data(broadcast_id, SKIP))],
            [(pack.text("broadcast.button.cancel"), button_data(broadcast_id, CANCEL))],
        ]
        return pack.text("broadcast.ask_translation", language=name), keyboard(rows)

    @staticmethod
    def _audience_view(pack: LanguagePack, broadcast_id: int) -> View:
        """Ask who should get the broadcast, with the common choices as buttons."""
        rows = [
            [(pack.text(key), button_data(broadcast_id, _AUDIENCE_ACTION + encode(audience))) for key, audience in row]
            for row in PRESETS
        ]
        rows.append([(pack.text("broadcast.button.cancel"), button_data(broadcast_id, CANCEL))])
        return pack.text("broadcast.ask_audience"), keyboard(rows)

    def _schedule_view(self, pack: LanguagePack, broadcast_id: int) -> View:
        """Ask when to send, with buttons for in an hour and tomorrow morning."""
        rows = [
            [
                (pack.text("broadcast.button.in_one_hour"), button_data(broadcast_id, IN_ONE_HOUR)),
                (pack.text("broadcast.button.tomorrow"), button_data(broadcast_id, TOMORROW)),
            ],
            [(pack.text("broadcast.button.cancel"), button_data(broadcast_id, CANCEL))],
        ]
        zone = self._services.settings.clinic_timezone.key
        return pack.text("broadcast.ask_send_time", clinic_timezone=zone), keyboard(rows)

    @staticmethod
    def _send_time_problem(pack: LanguagePack, error: SendTimeError) -> str:
        """Say kindly what is wrong with a send time."""
        values = {"max_days": MAX_AHEAD_DAYS} if error.problem.value == "too_far" else {}
        return pack.text(member("broadcast.send_time_invalid.{}", error.problem.value), **values)

    def _describe_stored(self, pack: LanguagePack, broadcast: Broadcast, on: date) -> str:
        """Describe a broadcast's audience in words, with the treatment dates it covers on a day."""
        return describe(pack, decode(broadcast.audience), on)

    def _local(self, pack: LanguagePack, moment: datetime) -> str:
        """Return a moment as staff read it, at the clinic: "Wed Nov 25 10:00"."""
        local = moment.astimezone(self._services.settings.clinic_timezone)
        return f"{pack.format_date(local.date())} {local:%H:%M}"

    def _local_date(self, moment: datetime) -> date:
        """Return the clinic's date at a moment."""
        return moment.astimezone(self._services.settings.clinic_timezone).date()


def describe(pack: LanguagePack, audience: Audience, on: date) -> str:
    """Describe an audience in plain words, with the treatment dates it covers on a day, for staff to check."""
    span = treatment_dates(audience, on)
    dates = {
        "from_date": "" if span.first is None else pack.format_date(span.first),
        "to_date": "" if span.last is None else pack.format_date(span.last),
    }
    match audience:
        case AllActive():
            return plain(pack, "broadcast.audience.all")
        case TreatedRecently(days=days):
            return plain(pack, "broadcast.audience.recent", day_count=days, **dates)
        case RecoveryDays(first=first, last=last):
            return plain(pack, "broadcast.audience.days", from_day=first, to_day=last, **dates)
        case TreatedBetween():
            return plain(pack, "broadcast.audience.dates", **dates)
