"""The fake Bot API server, driven by python-telegram-bot itself: a Bot for single calls, an Application for polling."""

import asyncio
import datetime as dtm
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import aiohttp
import httpx
import pytest
from telegram import (
    Bot,
    BotCommand,
    BotCommandScope,
    BotCommandScopeAllChatAdministrators,
    BotCommandScopeAllGroupChats,
    BotCommandScopeAllPrivateChats,
    BotCommandScopeChat,
    BotCommandScopeChatAdministrators,
    BotCommandScopeChatMember,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
    Update,
)
from telegram.constants import ParseMode
from telegram.error import BadRequest, Conflict, EndPointNotFound, Forbidden, NetworkError, RetryAfter, TimedOut
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, ContextTypes, MessageHandler, filters

from bot.local_api import BOT_USER, LONG_POLL_CAP, BotMessage, Latency, LocalTelegram, UploadedFile, UserMessage
from tests.offline_request import OfflineRequest

TOKEN = "123456:fake-token-for-the-fake"


@pytest.fixture
async def fake() -> AsyncIterator[LocalTelegram]:
    """Start a fake server and stop it after the test."""
    server = LocalTelegram()
    await server.start()
    yield server
    await server.stop()


@pytest.fixture(params=["http", "offline"])
async def ptb_bot(fake: LocalTelegram, request: pytest.FixtureRequest) -> AsyncIterator[Bot]:
    """Yield a PTB Bot pointed at the fake over HTTP or in process, initialised (getMe) and shut down after the test."""
    offline = OfflineRequest(fake) if request.param == "offline" else None
    async with Bot(TOKEN, base_url=f"{fake.url}/bot", base_file_url=f"{fake.url}/file/bot", request=offline) as bot:
        yield bot


def keyboard(*labels: str) -> InlineKeyboardMarkup:
    """Return one row of callback buttons whose data is the lower-cased label."""
    return InlineKeyboardMarkup([[InlineKeyboardButton(label, callback_data=label.lower()) for label in labels]])


async def echo(update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
    """Reply with the text received."""
    assert update.effective_message is not None
    await update.effective_message.reply_text(update.effective_message.text or "")


async def start(update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
    """Offer two buttons."""
    assert update.effective_message is not None
    await update.effective_message.reply_text(
        "Pick <b>one</b>", parse_mode=ParseMode.HTML, reply_markup=keyboard("Yes", "No")
    )


async def pressed(update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
    """Answer the press and put the choice in place of the question."""
    query = update.callback_query
    assert query is not None
    await query.answer(f"got {query.data}")
    await query.edit_message_text(f"You chose {query.data}")


@asynccontextmanager
async def echo_bot(fake: LocalTelegram) -> AsyncIterator[None]:
    """Run a PTB Application with the echo handlers, started and stopped in run_polling's order."""
    app = Application.builder().token(TOKEN).base_url(f"{fake.url}/bot").base_file_url(f"{fake.url}/file/bot").build()
    app.add_handler(CommandHandler("start", start))
    app.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, echo))
    app.add_handler(CallbackQueryHandler(pressed))
    assert app.updater is not None
    await app.initialize()
    await app.updater.start_polling(poll_interval=0.0)
    await app.start()
    try:
        yield
    finally:
        await app.updater.stop()
        await app.stop()
        await app.shutdown()


async def test_get_me_and_raw_replies(fake: LocalTelegram, ptb_bot: Bot) -> None:
    """GetMe answers the test bot; raw form posts get Telegram's reply shapes, typed params and a 404 for junk."""
    me = await ptb_bot.get_me()
    assert (me.id, me.username, me.is_bot, me.can_join_groups) == (7000001, "aftercare_test_bot", True, True)
    fake.user(1001)
    async with aiohttp.ClientSession() as session:
        form = {
            "chat_id": "1001",
            "text": "123",
            "reply_markup": '{"inline_keyboard": [[{"text": "A", "callback_data": "a"}]]}',
        }
        async with session.post(f"{fake.url}/bot{TOKEN}/sendMessage", data=form) as response:
            body = await response.json()
            assert response.status == 200
        assert body["ok"] is True
        assert body["result"]["from"] == BOT_USER
        assert body["result"]["reply_markup"]["inline_keyboard"][0][0]["callback_data"] == "a"
        async with session.post(f"{fake.url}/bot{TOKEN}/frobnicate", data={}) as response:
            assert response.status == 404
            assert await response.json() == {"ok": False, "error_code": 404, "description": "Not Found"}
    call = fake.calls_to("sendMessage")[0]
    assert call.params == {
        "chat_id": 1001,
        "text": "123",
        "reply_markup": {"inline_keyboard": [[{"text": "A", "callback_data": "a"}]]},
    }
    assert call.token == TOKEN
    with pytest.raises(EndPointNotFound):
        await ptb_bot.do_api_request("frobnicate")
    assert [c.method for c in fake.calls] == ["getMe", "getMe", "sendMessage", "frobnicate", "frobnicate"]


async def test_get_updates_offsets_confirm_and_never_repeat(fake: LocalTelegram, ptb_bot: Bot) -> None:
    """Unconfirmed updates come again; an offset confirms everything below it for good; limit and -N work."""
    user = fake.user()
    for text in ("one", "two", "three"):
        await user.send(text)
    first = await ptb_bot.get_updates(timeout=0)
    assert [u.message.text for u in first if u.message] == ["one", "two", "three"]
    again = await ptb_bot.get_updates(timeout=0)
    assert [u.update_id for u in again] == [u.update_id for u in first]
    rest = await ptb_bot.get_updates(offset=first[1].update_id, timeout=0)
    assert [u.message.text for u in rest if u.message] == ["two", "three"]
    assert await ptb_bot.get_updates(offset=first[-1].update_id + 1, timeout=0) == ()
    assert await ptb_bot.get_updates(timeout=0) == (), "confirmed updates are gone even without an offset"
    for text in ("four", "five", "six"):
        await user.send(text)
    limited = await ptb_bot.get_updates(limit=1, timeout=0)
    assert [u.message.text for u in limited if u.message] == ["four"]
    last = await ptb_bot.get_updates(offset=-1, timeout=0)
    assert [u.message.text for u in last if u.message] == ["six"]
    assert [u["message"]["text"] for u in fake.pending_updates] == ["six"]


async def test_long_poll_is_capped_and_wakes_on_an_update(fake: LocalTelegram, ptb_bot: Bot) -> None:
    """A 30-second long poll is held only LONG_POLL_CAP, and returns at once when an update arrives."""
    started = time.monotonic()
    assert await ptb_bot.get_updates(timeout=30) == ()
    assert LONG_POLL_CAP - 0.05 <= time.monotonic() - started < LONG_POLL_CAP + 0.5
    since = len(fake.calls)
    poll = asyncio.create_task(ptb_bot.get_updates(timeout=30))
    await fake.wait_for_call("getUpdates", since=since)
    pushed = time.monotonic()
    await fake.user().send("wake up")
    updates = await poll
    assert time.monotonic() - pushed < LONG_POLL_CAP / 2
    assert [u.message.text for u in updates if u.message] == ["wake up"]


async def test_echo_round_trip_each_update_once(fake: LocalTelegram) -> None:
    """Messages from two users and a group are each echoed exactly once; stopping confirms every update."""
    alex, sam = fake.user(1001, "Alex"), fake.user(1002, "Sam", username="sam")
    group = fake.group()
    async with echo_bot(fake):
        await fake.wait_polling()
        for n in range(5):
            await alex.send(f"hello {n}")
        await sam.send("hi from sam")
        await group.send(sam, "hi all")
        assert [(await alex.next_output()).text for _ in range(5)] == [f"hello {n}" for n in range(5)]
        assert (await sam.next_output()).text == "hi from sam"
        assert (await group.next_output()).text == "hi all"
        await alex.expect_no_output()
        await sam.expect_no_output()
    assert len(fake.calls_to("sendMessage")) == 7
    assert fake.pending_updates == []
    assert fake.calls_to("getUpdates")[-1].params["offset"] == 8


async def test_a_button_press_is_answered_and_the_message_edited_in_place(fake: LocalTelegram) -> None:
    """/start offers buttons; pressing one brings an answer and an edit that replaces text and keyboard."""
    user = fake.user()
    async with echo_bot(fake):
        await user.send("/start")
        offer = await user.next_output()
        assert (offer.plain_text, offer.button_labels()) == ("Pick one", ["Yes", "No"])
        query_id = await user.press("No")
        edited = await user.next_output()
        assert (edited.message_id, edited.text, edited.buttons) == (offer.message_id, "You chose no", [])
        assert offer.button_labels() == ["Yes", "No"], "snapshots do not change afterwards"
        assert [m.text for m in user.messages()] == ["You chose no"]
        assert [(a["callback_query_id"], a["text"]) for a in user.callback_answers()] == [(query_id, "got no")]
        assert fake.unanswered_callback_queries == set()


async def test_press_names_the_buttons_on_offer(fake: LocalTelegram, ptb_bot: Bot) -> None:
    """A missing label fails listing the labels; a partial label matches; url buttons are refused; views go stale."""
    user = fake.user()
    with pytest.raises(AssertionError, match="no bot message with an inline keyboard"):
        await user.press("Yes")
    link = InlineKeyboardButton("Website", url="https://example.com")
    await ptb_bot.send_message(
        user.chat_id, "Pick", reply_markup=InlineKeyboardMarkup([[link], *keyboard("Yes please", "No").inline_keyboard])
    )
    with pytest.raises(AssertionError, match=r"'Maybe'.*\['Website', 'Yes please', 'No'\]"):
        await user.press("Maybe")
    with pytest.raises(AssertionError, match="no callback_data"):
        await user.press("Website")
    shown = await user.next_output()  # a snapshot: it keeps the buttons it had
    await user.press("Yes")
    await ptb_bot.edit_message_reply_markup(user.chat_id, shown.message_id, reply_markup=keyboard("Later"))
    await user.press("No", message=shown)
    fresh, stale = await ptb_bot.get_updates(timeout=0)
    assert fresh.callback_query is not None
    assert fresh.callback_query.data == "yes please"
    assert stale.callback_query is not None
    assert isinstance(stale.callback_query.message, Message)
    assert stale.callback_query.data == "no", "a stale view's button is pressed on the message as it is now"
    assert stale.callback_query.message.reply_markup == keyboard("Later")


async def test_edit_message_text_in_place_not_modified_and_not_found(fake: LocalTelegram, ptb_bot: Bot) -> None:
    """Edits apply in place; identical content is 'not modified'; unknown ids are 'not found'."""
    user = fake.user()
    sent = await ptb_bot.send_message(user.chat_id, "<b>Hi</b>", parse_mode=ParseMode.HTML, reply_markup=keyboard("A"))
    with pytest.raises(BadRequest, match="Message is not modified"):
        await ptb_bot.edit_message_text(
            "<strong>Hi</strong>", user.chat_id, sent.message_id, parse_mode=ParseMode.HTML, reply_markup=keyboard("A")
        )
    edited = await ptb_bot.edit_message_text("Bye", user.chat_id, sent.message_id, reply_markup=keyboard("A"))
    assert isinstance(edited, bool) is False
    assert (edited.text, edited.edit_date is not None) == ("Bye", True)  # type: ignore[union-attr]
    await ptb_bot.edit_message_reply_markup(user.chat_id, sent.message_id)
    with pytest.raises(BadRequest, match="Message is not modified"):
        await ptb_bot.edit_message_reply_markup(user.chat_id, sent.message_id)
    with pytest.raises(BadRequest, match="Message to edit not found"):
        await ptb_bot.edit_message_text("Hello", user.chat_id, 999)
    outputs = [await user.next_output() for _ in range(3)]
    assert [(o.text, o.button_labels()) for o in outputs] == [("<b>Hi</b>", ["A"]), ("Bye", ["A"]), ("Bye", [])]
    assert [(m.message_id, m.text, m.buttons) for m in user.messages()] == [(sent.message_id, "Bye", [])]


@pytest.mark.parametrize(
    ("status", "description", "error"),
    [
        (400, "Bad Request: chat not found", BadRequest),
        (403, "Forbidden: bot was blocked by the user", Forbidden),
        (500, "Internal Server Error", NetworkError),
        (502, "Bad Gateway", NetworkError),
    ],
)
async def test_injected_errors_become_ptb_exceptions(
    fake: LocalTelegram, ptb_bot: Bot, status: int, description: str, error: type[Exception]
) -> None:
    """The next `times` calls fail with the given status; then the method works again."""
    user = fake.user()
    fake.fail_next("sendMessage", status, description, times=2)
    for _ in range(2):
        with pytest.raises(error) as raised:
            await ptb_bot.send_message(user.chat_id, "hi")
        assert type(raised.value) is error
    assert (await ptb_bot.send_message(user.chat_id, "hi")).text == "hi"
    assert [c.error for c in fake.calls_to("sendMessage")] == [description, description, None]
    assert len(user.messages()) == 1


@pytest.mark.parametrize(
    ("fault", "error", "cause", "delivered"),
    [
        ("dropped_before", NetworkError, httpx.RemoteProtocolError, False),
        ("dropped_after", NetworkError, httpx.RemoteProtocolError, True),
        ("timeout_before", TimedOut, httpx.ReadTimeout, False),
        ("timeout_after", TimedOut, httpx.ReadTimeout, True),
    ],
)
async def test_a_lost_answer_fails_alike_over_http_and_in_process(
    fake: LocalTelegram, ptb_bot: Bot, fault: str, error: type[Exception], cause: type[Exception], delivered: bool
) -> None:
    """A dropped or timed-out answer raises the same error from the same httpx error, the call having run or not."""
    user = fake.user()
    fake.fault_next("sendMessage", fault)
    with pytest.raises(error) as raised:
        await ptb_bot.send_message(user.chat_id, "hi", read_timeout=0.5)
    assert type(raised.value) is error
    assert type(raised.value.__cause__) is cause
    assert [m.text for m in user.messages()] == (["hi"] if delivered else [])
    assert [c.error for c in fake.calls_to("sendMessage")] == [f"fault: {fault}"]


def test_latency_draws_each_delay_within_its_jitter_and_none_for_get_updates() -> None:
    """Delays stay within ms ± jitter, repeat for the same seed, vary call to call, and getUpdates is never delayed."""
    delays = [Latency(100, 20, seed=3).delay("sendMessage") for _ in range(2)]
    assert delays[0] == delays[1]
    latency = Latency(100, 20, seed=3)
    drawn = [latency.delay("editMessageText") for _ in range(200)]
    assert all(0.08 <= delay <= 0.12 for delay in drawn)
    assert len(set(drawn)) > 100
    assert Latency(100).delay("sendMessage") == 0.1
    assert latency.delay("getUpdates") == 0.0
    assert Latency(10, 50).delay("sendMessage") >= 0.0


async def test_a_call_takes_effect_only_after_its_latency_but_a_poll_at_once(fake: LocalTelegram) -> None:
    """Under a latency, a send is neither recorded nor delivered while it waits; getUpdates answers straight away."""
    user = fake.user()
    fake.latency = Latency(ms=60_000)
    waiting = asyncio.create_task(fake.answer("sendMessage", TOKEN, {"chat_id": str(user.chat_id), "text": "hi"}))
    for _ in range(20):
        await asyncio.sleep(0)
    assert (fake.calls, user.messages()) == ([], [])
    polled = await fake.answer("getUpdates", TOKEN, {"timeout": "0"})
    assert (polled.body, [call.method for call in fake.calls]) == ({"ok": True, "result": []}, ["getUpdates"])
    waiting.cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiting
    fake.latency = Latency(ms=1)
    await fake.answer("sendMessage", TOKEN, {"chat_id": str(user.chat_id), "text": "hi"})
    assert [message.text for message in user.messages()] == ["hi"]


async def test_flood_control_raises_retry_after(
    fake: LocalTelegram, ptb_bot: Bot, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A 429 carries retry_after, which PTB turns into RetryAfter."""
    monkeypatch.setenv("PTB_TIMEDELTA", "true")
    fake.fail_next("answerCallbackQuery", 429, "Too Many Requests: retry after 7", retry_after=7)
    with pytest.raises(RetryAfter) as raised:
        await ptb_bot.answer_callback_query("1")
    assert raised.value.retry_after == dtm.timedelta(seconds=7)


async def test_blocked_and_unknown_chats(fake: LocalTelegram, ptb_bot: Bot) -> None:
    """A blocked user gives 403 until unblocked; a chat the fake never saw is 'chat not found'."""
    user = fake.user()
    fake.block(user.chat_id)
    with pytest.raises(Forbidden, match="bot was blocked by the user"):
        await ptb_bot.send_message(user.chat_id, "hi")
    with pytest.raises(Forbidden):
        await ptb_bot.send_chat_action(user.chat_id, "typing")
    fake.unblock(user.chat_id)
    assert await ptb_bot.send_chat_action(user.chat_id, "typing") is True
    with pytest.raises(BadRequest, match="Chat not found"):
        await ptb_bot.send_message(424242, "hi")


@pytest.mark.parametrize(
    "text", ["<b>bold", "<div>x</div>", "a < b", "<b>x</i>", "x</b>", "line<br>break", '<span class="x">y</span>']
)
async def test_bad_html_is_rejected(fake: LocalTelegram, ptb_bot: Bot, text: str) -> None:
    """Unclosed, mismatched and unsupported tags get Telegram's 'can't parse entities'."""
    fake.user()
    with pytest.raises(BadRequest, match="Can't parse entities"):
        await ptb_bot.send_message(1001, text, parse_mode=ParseMode.HTML)
    assert fake.user().messages() == []


async def test_good_html_becomes_entities_and_lengths_count_plain_text(fake: LocalTelegram, ptb_bot: Bot) -> None:
    """Supported tags become entities; the 4096 and 1024 limits count text without tags; empty text fails."""
    user = fake.user()
    html = (
        '<b>Day</b> &lt;3 &amp; <a href="https://clinic.example">site</a> <tg-spoiler>s</tg-spoiler> '
        '<pre><code class="language-python">x = 1</code></pre>'
    )
    sent = await ptb_bot.send_message(user.chat_id, html, parse_mode=ParseMode.HTML)
    assert sent.text == "Day <3 & site s x = 1"
    assert [(e.type, e.offset, e.length, e.url, e.language) for e in sent.entities] == [
        ("bold", 0, 3, None, None),
        ("text_link", 9, 4, "https://clinic.example", None),
        ("spoiler", 14, 1, None, None),
        ("pre", 16, 5, None, "python"),
    ]
    assert sent.text_html.startswith('<b>Day</b> &lt;3 &amp; <a href="https://clinic.example">site</a>')
    assert user.last_message().plain_text == sent.text
    await ptb_bot.send_message(user.chat_id, "a" * 4096)
    await ptb_bot.send_message(user.chat_id, "<b>" + "&amp;" * 4096 + "</b>", parse_mode=ParseMode.HTML)
    with pytest.raises(BadRequest, match="Message is too long"):
        await ptb_bot.send_message(user.chat_id, "a" * 4097)
    for empty in ("", "   ", "<b></b>"):
        with pytest.raises(BadRequest, match="Message text is empty"):
            await ptb_bot.send_message(user.chat_id, empty, parse_mode=ParseMode.HTML)
    with pytest.raises(BadRequest, match="Message caption is too long"):
        await ptb_bot.send_photo(user.chat_id, b"img", caption="c" * 1025)
    assert len(user.messages()) == 3


@pytest.mark.parametrize(
    ("data", "ok"), [("x" * 64, True), ("x" * 65, False), ("é" * 32, True), ("é" * 33, False), ("", False)]
)
async def test_callback_data_is_at_most_64_bytes(fake: LocalTelegram, ptb_bot: Bot, data: str, ok: bool) -> None:
    """Callback data of 1-64 bytes (UTF-8) is accepted; anything else is BUTTON_DATA_INVALID."""
    user = fake.user()
    markup = InlineKeyboardMarkup([[InlineKeyboardButton("Go", callback_data=data)]])
    if ok:
        await ptb_bot.send_message(user.chat_id, "Pick", reply_markup=markup)
        assert user.last_message().buttons[0][0].callback_data == data
    else:
        with pytest.raises(BadRequest, match="Button_data_invalid"):
            await ptb_bot.send_message(user.chat_id, "Pick", reply_markup=markup)
        assert user.messages() == []


async def test_photos_and_documents_are_recorded(fake: LocalTelegram, ptb_bot: Bot) -> None:
    """Uploads keep their bytes and file name; a returned file_id can be sent again; unknown ids fail."""
    user = fake.user()
    image = b"\x89PNG\r\n\x1a\n" + bytes(range(256))
    sent = await ptb_bot.send_photo(user.chat_id, image, caption="<i>Day 1</i>", parse_mode=ParseMode.HTML)
    assert (sent.caption, sent.caption_entities[0].type) == ("Day 1", "italic")
    upload = fake.calls_to("sendPhoto")[0].params["photo"]
    assert isinstance(upload, UploadedFile)
    assert upload.content == image
    shown = user.last_message()
    assert (shown.photo, shown.text, shown.plain_text, shown.kind) == (image, "<i>Day 1</i>", "Day 1", "photo")
    await ptb_bot.send_photo(user.chat_id, sent.photo[-1].file_id)
    assert user.last_message().photo == image
    with pytest.raises(BadRequest, match="Wrong file identifier"):
        await ptb_bot.send_photo(user.chat_id, "no-such-file-id")
    document = await ptb_bot.send_document(user.chat_id, b"%PDF-1.4 care", filename="care.pdf")
    assert document.document is not None
    assert document.document.file_name == "care.pdf"
    assert (user.last_message().document, user.last_message().document_name) == (b"%PDF-1.4 care", "care.pdf")
    assert [o.kind for o in [await user.next_output() for _ in range(3)]] == ["photo", "photo", "document"]


async def test_callback_queries_are_answered_once(fake: LocalTelegram, ptb_bot: Bot) -> None:
    """A press carries the message as shown; answers are checked for length, repeats and unknown ids."""
    user = fake.user()
    sent = await ptb_bot.send_message(user.chat_id, "Pick", reply_markup=keyboard("Yes", "No"))
    query_id = await user.press("Yes")
    forged_id = await user.press_data("forged", 999)
    press, forged = await ptb_bot.get_updates(timeout=0)
    query = press.callback_query
    assert query is not None
    assert isinstance(query.message, Message)
    assert query.message.from_user is not None
    assert (query.id, query.data, query.from_user.id) == (query_id, "yes", user.user_id)
    shown = (query.message.message_id, query.message.reply_markup, query.message.from_user.id)
    assert shown == (sent.message_id, keyboard("Yes", "No"), BOT_USER["id"])
    assert forged.callback_query is not None
    assert forged.callback_query.message is not None
    assert forged.callback_query.message.is_accessible is False, "a message the chat does not have is inaccessible"
    with pytest.raises(BadRequest, match="Message_too_long"):
        await ptb_bot.answer_callback_query(query_id, text="x" * 201)
    assert fake.unanswered_callback_queries == {query_id, forged_id}
    assert await ptb_bot.answer_callback_query(query_id, text="x" * 200) is True
    for stale in (query_id, "12345"):
        with pytest.raises(BadRequest, match="Query is too old"):
            await ptb_bot.answer_callback_query(stale)
    assert [a["text"] for a in user.callback_answers()] == ["x" * 200]
    assert fake.unanswered_callback_queries == {forged_id}


async def test_user_updates_parse_in_ptb(fake: LocalTelegram, ptb_bot: Bot) -> None:
    """Every kind of update the fake makes is built by Update.de_json with the fields the bot reads."""
    user = fake.user(1001, "Alex", username="alex")
    group = fake.group()
    sent_id = await user.send("/start payload")
    await group.send(user, "/menu@aftercare_test_bot")
    for send in (user.send_sticker, user.send_photo, user.send_voice, user.send_document, user.send_location):
        await send()
    await user.edit(sent_id, "changed")
    await fake.push_update(
        {"channel_post": {"message_id": 1, "date": 1, "chat": {"id": -100900, "type": "channel"}, "text": "hi"}}
    )
    await fake.push_update(
        {
            "my_chat_member": {
                "chat": {"id": 1001, "type": "private", "first_name": "Alex"},
                "from": user.info,
                "date": 1,
                "old_chat_member": {"status": "member", "user": BOT_USER},
                "new_chat_member": {"status": "kicked", "user": BOT_USER, "until_date": 0},
            }
        }
    )
    updates = await ptb_bot.get_updates(timeout=0)
    start, menu, sticker, photo, voice, document, location, edit, channel, member = updates
    assert start.message is not None
    assert (start.message.text, start.message.message_id, start.message.chat.type) == (
        "/start payload",
        sent_id,
        "private",
    )
    assert start.message.parse_entities(["bot_command"]) == {start.message.entities[0]: "/start"}
    assert start.message.from_user is not None
    assert (start.message.from_user.username, start.message.from_user.language_code) == ("alex", "en")
    assert menu.message is not None
    assert (menu.message.chat.id, menu.message.entities[0].length) == (group.chat_id, 24)
    media = [sticker.message, photo.message, voice.message, document.message, location.message]
    assert all(media)
    kinds = ["sticker", "photo", "voice", "document", "location"]
    assert all(getattr(m, kind) for m, kind in zip(media, kinds, strict=True))
    assert edit.edited_message is not None
    assert (edit.edited_message.text, edit.edited_message.message_id) == ("changed", sent_id)
    assert channel.channel_post is not None
    assert channel.effective_user is None
    assert member.my_chat_member is not None
    assert member.my_chat_member.new_chat_member.status == "kicked"
    assert [u.update_id for u in updates] == list(range(updates[0].update_id, updates[0].update_id + 10))


async def test_commands_and_webhook(fake: LocalTelegram, ptb_bot: Bot) -> None:
    """Commands are stored per scope and validated; a webhook blocks getUpdates until deleted with its drop."""
    await ptb_bot.set_my_commands([BotCommand("start", "Begin"), BotCommand("menu", "Menu")])
    await ptb_bot.set_my_commands(
        [BotCommand("hilfe", "Hilfe")], scope=BotCommandScopeAllPrivateChats(), language_code="de"
    )
    assert fake.commands == [{"command": "start", "description": "Begin"}, {"command": "menu", "description": "Menu"}]
    assert [c.command for c in await ptb_bot.get_my_commands()] == ["start", "menu"]
    with pytest.raises(BadRequest, match="Bot_command_invalid"):
        await ptb_bot.set_my_commands([BotCommand("Start", "Begin")])
    await ptb_bot.delete_my_commands()
    assert fake.commands == []
    await ptb_bot.set_webhook("https://example.com/hook")
    assert (await ptb_bot.get_webhook_info()).url == "https://example.com/hook"
    await fake.user().send("queued")
    with pytest.raises(Conflict, match="webhook is active"):
        await ptb_bot.get_updates(timeout=0)
    await ptb_bot.delete_webhook(drop_pending_updates=True)
    assert await ptb_bot.get_updates(timeout=0) == ()


async def test_outputs_cursor_waits_and_deletes(fake: LocalTelegram, ptb_bot: Bot) -> None:
    """next_output and expect_no_output follow the cursor; wait_for_call honours since; deletes are checked."""
    user = fake.user()
    with pytest.raises(AssertionError, match="no output to chat 1001"):
        await user.next_output(timeout=0.05)
    await user.expect_no_output(within=0.05)
    first = await ptb_bot.send_message(user.chat_id, "one")
    await ptb_bot.send_message(user.chat_id, "two")
    user.skip_outputs()
    await user.expect_no_output(within=0.05)
    since = len(fake.calls)
    later = asyncio.create_task(ptb_bot.send_message(user.chat_id, "three"))
    assert (await fake.wait_for_call("sendMessage", since=since)).params["text"] == "three"
    await later
    with pytest.raises(AssertionError, match="unexpected output"):
        await user.expect_no_output(within=0.05)
    assert (await user.next_output()).text == "three"
    with pytest.raises(AssertionError, match="no deleteMessage call"):
        await fake.wait_for_call("deleteMessage", timeout=0.05)
    assert await ptb_bot.delete_message(user.chat_id, first.message_id) is True
    with pytest.raises(BadRequest, match="Message to delete not found"):
        await ptb_bot.delete_message(user.chat_id, first.message_id)
    assert [m.text for m in user.messages()] == ["two", "three"]


async def test_the_transcript_shows_both_sides_as_the_chat_does_now(fake: LocalTelegram, ptb_bot: Bot) -> None:
    """A chat's transcript holds the user's messages and the bot's in order, with edits applied and deletes gone."""
    fake.wall_clock = lambda: 1_800_000_000.0
    user, group, other = fake.user(1001, "Alex"), fake.group(-100900, "Clinic staff"), fake.user(900, "Dr Lee")
    first = await user.send("/start")
    reply = await ptb_bot.send_message(user.chat_id, "<b>Hi</b> Alex", parse_mode=ParseMode.HTML)
    typed = await user.send("my skin is red")
    photo = await user.send_photo("day 2")
    await group.send(other, "/alerts")
    await user.edit(typed, "my skin is pink")
    await ptb_bot.edit_message_text("Hello Alex", user.chat_id, reply.message_id)
    await ptb_bot.delete_message(user.chat_id, first)
    shown = fake.transcript(user.chat_id)
    assert [entry.message_id for entry in shown] == [reply.message_id, typed, photo]
    bot_reply, edited, photo_message = shown
    assert isinstance(bot_reply, BotMessage)
    assert (bot_reply.plain_text, bot_reply.date, bot_reply.edit_date) == ("Hello Alex", 1_800_000_000, 1_800_000_000)
    assert isinstance(edited, UserMessage)
    assert (edited.text, edited.sender["first_name"], edited.message["edit_date"]) == (
        "my skin is pink",
        "Alex",
        1_800_000_000,
    )
    assert isinstance(photo_message, UserMessage)
    assert photo_message.text == "day 2"
    [in_group] = fake.transcript(group.chat_id)
    assert isinstance(in_group, UserMessage)
    assert (in_group.text, in_group.sender["id"], in_group.entities[0]["type"]) == ("/alerts", 900, "bot_command")
    assert in_group.message["date"] == 1_800_000_000


async def test_files_are_found_by_file_id_and_a_users_photo_is_a_real_png(fake: LocalTelegram, ptb_bot: Bot) -> None:
    """The bot's uploads and the users' photos are found by file_id (a user's photo is a PNG); unknown ids are not."""
    user = fake.user()
    document = await ptb_bot.send_document(user.chat_id, b"a,b\r\n1,2\r\n", filename="checkins.csv")
    assert document.document is not None
    uploaded = fake.file(document.document.file_id)
    assert uploaded is not None
    assert (uploaded.filename, uploaded.content) == ("checkins.csv", b"a,b\r\n1,2\r\n")
    await user.send_photo()
    [photo] = fake.transcript(user.chat_id)[1:]
    assert isinstance(photo, UserMessage)
    sent = fake.file(photo.message["photo"][-1]["file_id"])
    assert sent is not None
    assert sent.content_type == "image/png"
    assert sent.content.startswith(b"\x89PNG\r\n\x1a\n")
    assert fake.file("no-such-file") is None


async def test_the_command_menu_follows_telegrams_order_of_scopes(fake: LocalTelegram, ptb_bot: Bot) -> None:
    """The menu a chat shows is the first list set: narrowest scope first, the user's language before none."""
    user, group = fake.user(1001, language_code="fr-CA"), fake.group(-100900)
    assert fake.commands_for(user.chat_id) == []

    async def menu(name: str, scope: BotCommandScope | None = None, language_code: str | None = None) -> None:
        """Set a one-command menu named after its scope."""
        await ptb_bot.set_my_commands([BotCommand(name, name)], scope=scope, language_code=language_code)

    def shown(chat_id: int, user_id: int | None = None, language: str | None = None, *, admin: bool = False) -> str:
        """Return the one command the chat's menu shows."""
        [command] = fake.commands_for(chat_id, user_id, language, admin=admin)
        return command["command"]

    await menu("default")
    await menu("default_fr", language_code="fr")
    assert (shown(1001), shown(1001, 1001, "fr-CA"), shown(-100900, 900)) == ("default", "default_fr", "default")
    await menu("private", scope=BotCommandScopeAllPrivateChats())
    await menu("groups", scope=BotCommandScopeAllGroupChats())
    await menu("admins", scope=BotCommandScopeAllChatAdministrators())
    assert (shown(1001, 1001, "fr"), shown(-100900, 900), shown(-100900, 900, admin=True)) == (
        "private",
        "groups",
        "admins",
    )
    await menu("chat", scope=BotCommandScopeChat(-100900))
    await menu("chat_admins", scope=BotCommandScopeChatAdministrators(-100900))
    assert (shown(-100900, 900), shown(-100900, 900, admin=True)) == ("chat", "chat_admins")
    await menu("member", scope=BotCommandScopeChatMember(-100900, 900))
    await menu("member_fr", scope=BotCommandScopeChatMember(-100900, 900), language_code="fr")
    assert (shown(-100900, 900, admin=True), shown(-100900, 900, "fr"), shown(-100900, 901)) == (
        "member",
        "member_fr",
        "chat",
    )
    await menu("staff", scope=BotCommandScopeChat(1001))
    assert shown(1001, 1001, "fr") == "staff"
    await ptb_bot.delete_my_commands(scope=BotCommandScopeChat(1001))
    assert shown(1001, 1001, "fr") == "private", "a deleted list is not set"
    assert group.chat_id == -100900


async def test_the_version_goes_up_with_what_the_chats_show_and_wakes_a_waiter(
    fake: LocalTelegram, ptb_bot: Bot
) -> None:
    """Sends, edits, deletes, a user's message and a menu each move the version; reads and polls do not."""
    user = fake.user()
    start = fake.version
    assert await fake.wait_for_change(start, timeout=0.05) == start, "nothing changed: the same version"
    await ptb_bot.get_updates(timeout=0)
    await ptb_bot.get_me()
    assert fake.version == start
    waiter = asyncio.create_task(fake.wait_for_change(start, timeout=5))
    sent = await ptb_bot.send_message(user.chat_id, "one")
    assert await waiter > start
    moments = [fake.version]
    await ptb_bot.edit_message_text("two", user.chat_id, sent.message_id)
    moments.append(fake.version)
    await user.send("hello")
    moments.append(fake.version)
    await ptb_bot.set_my_commands([BotCommand("start", "Begin")])
    moments.append(fake.version)
    await ptb_bot.delete_message(user.chat_id, sent.message_id)
    moments.append(fake.version)
    fake.changed()
    moments.append(fake.version)
    assert moments == sorted(set(moments)), "each change moves the version on"


async def test_a_group_press_by_data_and_its_answer(fake: LocalTelegram, ptb_bot: Bot) -> None:
    """A press in a group by data carries the message as shown; callback_answer waits for the bot's answer."""
    group, staff = fake.group(-100900), fake.user(900, "Dr Lee")
    sent = await ptb_bot.send_message(group.chat_id, "Alert", reply_markup=keyboard("Acknowledge"))
    query_id = await group.press_data(staff, "acknowledge", sent.message_id)
    assert await fake.callback_answer(query_id, timeout=0.05) is None
    [update] = await ptb_bot.get_updates(timeout=0)
    assert update.callback_query is not None
    assert update.callback_query.message is not None
    assert (update.callback_query.data, update.callback_query.message.chat.id) == ("acknowledge", group.chat_id)
    answering = asyncio.create_task(fake.callback_answer(query_id, timeout=5))
    await ptb_bot.answer_callback_query(query_id, text="Noted", show_alert=True)
    assert await answering == {"callback_query_id": query_id, "text": "Noted", "show_alert": True}
