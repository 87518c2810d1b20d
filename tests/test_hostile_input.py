"""Property-based tests: thousands of generated, hostile or odd updates fed through the real Application.

The bot runs against the fake Bot API server (which answers its outgoing calls), but the generated updates are
handed to `Application.process_update` directly, so that each one costs milliseconds rather than a poll round.
Invariants: nothing unhandled (no ERROR record), no traceback in anything sent, every button press answered,
and the database intact afterwards.
"""

import asyncio
import json
import sqlite3
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from telegram import Update

from bot.app.root import AftercareBot
from bot.config import load_settings
from bot.content.packs import Content, LanguagePack
from bot.domain.triage import TriageRules
from bot.local_api import BOT_USER, LocalTelegram, render
from bot.telegram import callbacks
from tests.conftest import DEFAULT_NOW, TEST_ENV, Clock, ErrorLog, RunningBot
from tests.journeys import accept_consent, answer_health_question, onboard

STAFF = 500
STAFF_CHAT = int(TEST_ENV["STAFF_CHAT_ID"])
ONBOARDED = (4101, 4102)  # patients who went through onboarding before the generated updates
NEWCOMERS = (4103, 4104)  # people who only ever send generated updates
PRIVATE_USERS = (*ONBOARDED, *NEWCOMERS, STAFF)
GROUPS = {-100200: "group", -100300: "supergroup", STAFF_CHAT: "supergroup"}
CHANNEL = -100900
NOW = int(DEFAULT_NOW.timestamp())
EXAMPLES = 300
COMMANDS = (
    *("start", "menu", "help", "checkin", "cancel", "history", "settings", "stop", "mydata", "delete"),
    *("invite", "staff", "alerts", "patient", "stats", "export", "broadcast", "broadcasts"),
    *("frobnicate", "START", "Start_", "a"),
)
PREFIXES = ("m:", "n:", "a:", "k:", "c:", "d:", "t:", "p:", "o:", "s:", "sm:", "e:", "xp:", "bc:")
ODD_PIECES = (
    "\u202e",  # right-to-left override
    "\u200f",
    "שלום",
    "مرحبا بالعيادة",
    "\u200b\u200c\u200d\ufeff",  # zero-width characters
    "e\u0301\u0301\u0301",  # combining accents
    "Z\u0364\u0351\u0313\u0324\u0354",
    "🙂",
    "👩🏽‍⚕️",
    "🇨🇦",
    "<b>",
    "</pre>",
    "&amp;",
    "&#0;",
    "<a href='javascript:x'>",
    "' OR 1=1 --",
    "'); DROP TABLE patient;--",
    "%s %d {0} {name}",
    "\x00",
    "\n",
    " ",
    "pus",
    "fever",
    "can't breathe",
    "9",
    "2026-11-20",
    "@aftercare_test_bot",
    "/",
)
MEDIA: dict[str, dict[str, Any]] = {
    "photo": {"photo": [{"file_id": "PHOjunk", "file_unique_id": "Ujunk", "width": 90, "height": 67}]},
    "sticker": {
        "sticker": {
            "file_id": "STKjunk",
            "file_unique_id": "Us",
            "width": 512,
            "height": 512,
            "is_animated": False,
            "is_video": False,
            "type": "regular",
        }
    },
    "voice": {"voice": {"file_id": "VOIjunk", "file_unique_id": "Uv", "duration": 3}},
    "video": {"video": {"file_id": "VIDjunk", "file_unique_id": "Uvi", "width": 1, "height": 1, "duration": 1}},
    "video_note": {"video_note": {"file_id": "VNjunk", "file_unique_id": "Uvn", "length": 1, "duration": 1}},
    "animation": {"animation": {"file_id": "ANIjunk", "file_unique_id": "Ua", "width": 1, "height": 1, "duration": 1}},
    "audio": {"audio": {"file_id": "AUDjunk", "file_unique_id": "Uau", "duration": 1}},
    "document": {"document": {"file_id": "DOCjunk", "file_unique_id": "Ud", "file_name": "x.exe"}},
    "location": {"location": {"latitude": 43.65, "longitude": -79.38}},
    "venue": {
        "venue": {"location": {"latitude": 43.65, "longitude": -79.38}, "title": "Clinic", "address": "Queen St"}
    },
    "contact": {"contact": {"phone_number": "+14165550199", "first_name": "Dr"}},
    "poll": {
        "poll": {
            "id": "1",
            "question": "?",
            "options": [
                {"text": "a", "voter_count": 0, "persistent_id": "a"},
                {"text": "b", "voter_count": 0, "persistent_id": "b"},
            ],
            "total_voter_count": 0,
            "is_closed": False,
            "is_anonymous": True,
            "type": "regular",
            "allows_multiple_answers": False,
            "allows_revoting": False,
            "members_only": False,
        }
    },
    "dice": {"dice": {"emoji": "🎲", "value": 3}},
    "new_chat_members": {"new_chat_members": [BOT_USER]},
    "left_chat_member": {"left_chat_member": {"id": 4999, "is_bot": False, "first_name": "Gone"}},
    "pinned_message": {"pinned_message": {"message_id": 1, "date": 0, "chat": {"id": 1, "type": "private"}}},
}


def utf16_len(text: str) -> int:
    """Return the length of text in UTF-16 code units, Telegram's unit for entity offsets."""
    return len(text.encode("utf-16-le")) // 2


def fits_callback(data: str) -> bool:
    """Tell whether data is valid callback_data: 1 to 64 bytes of UTF-8."""
    return 1 <= len(data.encode()) <= 64


def truncate_bytes(data: str, limit: int = 64) -> str:
    """Cut data to at most `limit` UTF-8 bytes without splitting a character."""
    return data.encode()[:limit].decode(errors="ignore") or "x"


ANY_TEXT = st.text(max_size=120)
ODD_TEXT = st.lists(st.one_of(st.sampled_from(ODD_PIECES), st.text(max_size=5)), max_size=12).map("".join)
LONG_TEXT = st.tuples(ODD_TEXT.filter(bool), st.integers(3000, 4096)).map(
    lambda pair: (pair[0] * (pair[1] // len(pair[0]) + 1))[: pair[1]]
)
TEXT = st.one_of(ANY_TEXT, ODD_TEXT, LONG_TEXT)
COMMAND = st.builds(
    lambda name, mention, args: f"/{name}{mention}{args}",
    st.sampled_from(COMMANDS),
    st.sampled_from(["", "", "@aftercare_test_bot", "@other_bot"]),
    st.one_of(st.just(""), ODD_TEXT.map(lambda s: " " + s), st.just(" staff-" + "A" * 32), st.just(" 4101")),
)
FORGED_DATA = st.one_of(
    st.text(min_size=1, max_size=64).filter(fits_callback),
    st.builds(lambda prefix, junk: truncate_bytes(prefix + junk), st.sampled_from(PREFIXES), ODD_TEXT),
    st.builds(lambda prefix, n: f"{prefix}{n}", st.sampled_from(PREFIXES), st.integers(-(10**20), 10**20)),
    st.sampled_from(["m:main", "a:checkin", "c:yes", "c:no", "d:0", "d:99", "t:20261120", "t:20260231", "p:999"]),
)
NAMES = st.one_of(st.just("Alex"), ODD_TEXT.filter(bool).map(lambda s: truncate_bytes(s, 64)))


class UpdateMaker:
    """Draws one update at a time, some of them pointing at what the bot has really sent (stale button presses)."""

    def __init__(self, fake: LocalTelegram, draw: Callable[..., Any]) -> None:
        self._fake, self._draw = fake, draw
        self.kinds: Counter[str] = Counter()  # added to the totals only once the example has been processed
        self.query_ids: list[str] = []

    def user(self, user_id: int | None = None) -> dict[str, Any]:
        """Return a User object, with an odd name and an odd or missing language."""
        user_id = user_id if user_id is not None else self._draw(st.sampled_from(PRIVATE_USERS))
        user: dict[str, Any] = {"id": user_id, "is_bot": False, "first_name": self._draw(NAMES)}
        language = self._draw(st.sampled_from([None, "en", "fr", "zz", "pt-br", ""]))
        return user | ({"language_code": language} if language else {})

    def chat(self) -> tuple[dict[str, Any], dict[str, Any] | None]:
        """Return a chat and the sender: mostly a private chat, else a group, supergroup, channel or no user."""
        where = self._draw(st.sampled_from(["private"] * 6 + ["group", "channel", "anonymous"]))
        if where == "private":
            user = self.user()
            return {"id": user["id"], "type": "private", "first_name": user["first_name"]}, user
        chat_id = self._draw(st.sampled_from(sorted(GROUPS)))
        group = {"id": chat_id, "type": GROUPS[chat_id], "title": "Some group"}
        if where == "group":
            sender = self.user(self._draw(st.sampled_from([*PRIVATE_USERS, 4999])))
            return group, sender | {"is_bot": self._draw(st.booleans())}
        if where == "channel":
            return {"id": CHANNEL, "type": "channel", "title": "News"}, None
        return group, None  # an anonymous admin: sender_chat only

    def content(self) -> dict[str, Any]:
        """Return the content of a message: text, a command, or media of some kind with an optional caption."""
        what = self._draw(st.sampled_from(["text", "text", "command", "command", "media"]))
        if what == "media":
            kind = self._draw(st.sampled_from(sorted(MEDIA)))
            self.kinds[f"media:{kind}"] += 1
            caption = self._draw(st.one_of(st.none(), TEXT.map(lambda s: s[:1024])))
            return MEDIA[kind] | ({"caption": caption} if caption else {})
        text = self._draw(COMMAND if what == "command" else TEXT) or " "
        self.kinds[what] += 1
        self.kinds["text or command of 3000-4096 characters"] += len(text) >= 3000
        if what == "command" and self._draw(st.integers(0, 4)):
            length = utf16_len(text.split(" ", 1)[0])
            return {"text": text, "entities": [{"type": "bot_command", "offset": 0, "length": length}]}
        return {"text": text}

    def message(self) -> dict[str, Any]:
        """Return a message from some sender in some chat, dated now or long ago."""
        chat, sender = self.chat()
        date = self._draw(st.sampled_from([NOW, NOW, NOW - 86_400 * 400, 1]))
        message = {"message_id": self._draw(st.integers(1, 2**31 - 1)), "date": date, "chat": chat}
        if sender is not None:
            message["from"] = sender
        elif chat["type"] != "channel":
            message["sender_chat"] = chat
        return message | self.content()

    def callback_query(self) -> dict[str, Any]:
        """Return a button press: the data of a real button (maybe stale) or forged, on a real or gone message."""
        chat_id = self._draw(st.sampled_from([*PRIVATE_USERS, STAFF_CHAT, -100200]))
        presser = self.user(chat_id if chat_id > 0 else self._draw(st.sampled_from(PRIVATE_USERS)))
        shown = self._fake.user(chat_id).messages() if chat_id > 0 else self._fake.group(chat_id).messages()
        with_buttons = [msg for msg in shown if any(b.callback_data for row in msg.buttons for b in row)]
        self.query_ids.append(query_id := f"hq{len(self.query_ids)}-{self._draw(st.integers(0, 10**9))}")
        self._fake.unanswered_callback_queries.add(query_id)
        query: dict[str, Any] = {"id": query_id, "from": presser, "chat_instance": f"ci{chat_id}"}
        # Every draw is made whatever the bot has sent, so that the drawing does not depend on it.
        real, on_shown, pick, button_pick = (self._draw(st.booleans()), self._draw(st.booleans()), *self._picks())
        forged, gone_id = self._draw(FORGED_DATA), self._draw(st.integers(1, 10**6))
        if real and with_buttons:
            msg = with_buttons[pick % len(with_buttons)]
            data = [b.callback_data for row in msg.buttons for b in row if b.callback_data]
            self.kinds["callback:real button"] += 1
            return query | {"message": self._fake._message_dict(msg), "data": data[button_pick % len(data)]}
        self.kinds["callback:forged"] += 1
        if shown and on_shown:
            message = self._fake._message_dict(shown[pick % len(shown)])
        else:  # a message that is gone: Telegram sends it as inaccessible, with date 0
            chat = {"id": chat_id, "type": "private" if chat_id > 0 else GROUPS[chat_id]}
            message = {"message_id": gone_id, "date": 0, "chat": chat}
        return query | {"message": message, "data": forged}

    def _picks(self) -> tuple[int, int]:
        """Draw two indexes, used modulo the number of messages and buttons there are."""
        return self._draw(st.integers(0, 1000)), self._draw(st.integers(0, 1000))

    def my_chat_member(self) -> dict[str, Any]:
        """Return a change of the bot's own membership: blocked, unblocked, added to or removed from a group."""
        chat, sender = self.chat()
        sender = sender or self.user()
        statuses = [{"status": "member"}, {"status": "left"}, {"status": "kicked", "until_date": 0}]
        old, new = self._draw(st.sampled_from(statuses)), self._draw(st.sampled_from(statuses))
        return {
            "chat": chat,
            "from": sender,
            "date": NOW,
            "old_chat_member": old | {"user": BOT_USER},
            "new_chat_member": new | {"user": BOT_USER},
        }

    def update(self, update_id: int) -> dict[str, Any]:
        """Return one update of a drawn kind, and count it."""
        kind = self._draw(
            st.sampled_from(
                ["message"] * 6
                + ["edited_message", "channel_post", "edited_channel_post", "my_chat_member"]
                + ["callback_query"] * 4
            )
        )
        self.kinds[f"update:{kind}"] += 1
        if kind == "callback_query":
            return {"update_id": update_id, kind: self.callback_query()}
        if kind == "my_chat_member":
            return {"update_id": update_id, kind: self.my_chat_member()}
        message = self.message()
        if kind.startswith("edited"):
            message["edit_date"] = NOW
        if kind.endswith("channel_post"):
            message["chat"] = {"id": CHANNEL, "type": "channel", "title": "News"}
            message.pop("from", None)
            message["sender_chat"] = message["chat"]
        return {"update_id": update_id, kind: message}


def sweep_message(chat_id: int, user_id: int, chat_type: str) -> dict[str, Any]:
    """Return the frame of a message from a user in a chat, for the sweep over every kind of media."""
    chat = {"id": chat_id, "type": chat_type} | ({"first_name": "Alex"} if chat_type == "private" else {"title": "G"})
    return {"message_id": 1, "date": NOW, "chat": chat, "from": {"id": user_id, "is_bot": False, "first_name": "A"}}


def sent_texts(fake: LocalTelegram, since: int) -> list[str]:
    """Return every text and caption the bot sent or edited since a call index."""
    return [
        str(call.params.get(key)) for call in fake.calls[since:] for key in ("text", "caption") if key in call.params
    ]


def test_generated_updates_never_break_the_bot(
    tmp_path: Path, content: Content, rules: TriageRules, en: LanguagePack, fail_on_logged_errors: ErrorLog
) -> None:
    """Generated text, commands, buttons, edits, channel posts, groups and media: no error, no traceback, DB intact."""
    kinds: Counter[str] = Counter()
    processed, started = [0], time.monotonic()
    with asyncio.Runner() as runner:
        fake = LocalTelegram()
        runner.run(fake.start())
        bot_settings = load_settings(
            {**TEST_ENV, "TELEGRAM_API_URL": fake.url, "FLOOD_MAX_UPDATES": "1000"}
        ).model_copy(update={"database_path": tmp_path / "bot.sqlite3"})
        running = RunningBot(bot_settings, content, rules, Clock(), fake, offline=True)
        for chat_id, kind in GROUPS.items():
            fake.group(chat_id, f"A {kind}")
        fake.group(CHANNEL, "News")
        for user_id in PRIVATE_USERS:
            fake.user(user_id)

        async def set_up() -> AftercareBot:
            """Start the bot and onboard two patients over HTTP, as in the journey tests."""
            await running.start()
            for user_id in ONBOARDED:
                await onboard(fake.user(user_id), en)
            assert running.built is not None
            return running.built

        built = runner.run(set_up())
        application = built.application

        async def feed(updates: list[dict[str, Any]], kinds: Counter[str]) -> None:
            """Process the updates in order, as the Application would from polling, counting where they came from."""
            for data in updates:
                update = Update.de_json(data, application.bot)
                chat, user = update.effective_chat, update.effective_user
                kinds[f"from chat: {chat.type if chat else 'none'}"] += 1
                kinds["from no user"] += user is None
                await application.process_update(update)
                processed[0] += 1

        # Every kind of media at least once, whatever the draws: from a patient, in a group, and as an edit.
        sweep = [
            {"update_id": 900_000 + index, key: message | content}
            for index, (key, message, content) in enumerate(
                (key, message, content)
                for content in MEDIA.values()
                for key, message in (
                    ("message", sweep_message(ONBOARDED[0], ONBOARDED[0], "private")),
                    ("message", sweep_message(-100300, NEWCOMERS[0], "supergroup")),
                    ("edited_message", sweep_message(NEWCOMERS[1], NEWCOMERS[1], "private") | {"edit_date": NOW}),
                )
            )
        ]
        runner.run(feed(sweep, kinds))
        kinds["media sweep (every kind: private, supergroup, edited)"] += len(sweep)
        assert not fail_on_logged_errors.records

        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            derandomize=True,
            database=None,
            phases=[Phase.explicit, Phase.generate],  # the bot's state carries over: shrinking cannot replay
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
        )
        @given(st.data())
        def one_example(data: st.DataObject) -> None:
            """Draw a few updates, process them, and check the invariants."""
            maker = UpdateMaker(fake, data.draw)
            since = len(fake.calls)
            count = data.draw(st.integers(1, 9))
            updates = [maker.update(1_000_000 + processed[0] + index) for index in range(count)]
            runner.run(feed(updates, maker.kinds))
            kinds.update(maker.kinds)
            errors, fail_on_logged_errors.records[:] = list(fail_on_logged_errors.records), []
            assert not errors, f"{[r.getMessage() for r in errors]} after {json.dumps(updates)[:3000]}"
            for text in sent_texts(fake, since):
                assert "Traceback" not in text
                assert 'File "' not in text
            assert not set(maker.query_ids) & fake.unanswered_callback_queries, "every button press is answered"

        try:
            one_example()
        finally:
            runner.run(running.stop())
            runner.run(fake.stop())
    with sqlite3.connect(bot_settings.database_path) as database:
        assert database.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        assert database.execute("PRAGMA foreign_key_check").fetchall() == []
    database.close()
    seconds = time.monotonic() - started
    print(f"\nhostile input: {processed[0]} updates processed in {seconds:.1f} s ({EXAMPLES} generated examples)")
    for kind, count in sorted(kinds.items()):
        print(f"  {kind}: {count}")


async def test_a_button_on_a_message_that_is_gone_is_answered_in_a_new_message(
    bot: RunningBot, fake_telegram: LocalTelegram, en: LanguagePack
) -> None:
    """A press on a deleted message (Telegram sends it as inaccessible, date 0) gets a new message, not an error."""
    user = fake_telegram.user(4201)
    await accept_consent(user, en)
    await user.press_data("d:0", message_id=999_999)  # the "today" button, on a message that is no longer there
    confirmed = await user.next_output()
    assert (
        confirmed.plain_text
        == render(en.text("date_confirmed", date=en.format_date(DEFAULT_NOW.date()), day=0), "HTML")[0]
    )
    await answer_health_question(user, en)
    await user.send("/delete")
    await user.next_output()
    await user.press_data(callbacks.ERASE_KEEP, message_id=999_998)
    assert (await user.next_output()).text == en.text("account.delete_kept")
    await user.expect_no_output()
    edited = {call.params.get("message_id") for call in fake_telegram.calls_to("editMessageText")}
    assert not edited & {999_998, 999_999}
