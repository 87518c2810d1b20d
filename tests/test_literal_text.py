"""SQL-injection strings and HTML in names and notes are stored exactly and shown literally, everywhere, over HTTP."""

import html
import json
import sqlite3
from collections.abc import Iterator

from bot.config import Settings
from bot.content.packs import LanguagePack
from bot.local_api import BotMessage, LocalTelegram, render
from tests.conftest import TEST_ENV, RunningBot
from tests.journeys import onboard
from tests.test_clinic import parse_csv, report_pus

STAFF = 500
STAFF_CHAT = int(TEST_ENV["STAFF_CHAT_ID"])
NAME = "<b>Bob</b> & Robert'); DROP TABLE patient;--"
USERNAME = "bob_robert"  # Telegram allows only letters, digits and underscores in a username
NOTE = "<script>alert(1)</script> ' OR 1=1 --"
TABLES = {
    "patient",
    "checkin",
    "checkin_answer",
    "escalation",
    "reminder_log",
    "staff_member",
    "staff_invite",
    "audit_log",
    "broadcast",
    "outbox",
    "sequence_log",
}


def strings(value: object) -> Iterator[str]:
    """Yield every string inside a decoded JSON value."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from strings(item)


def assert_literal(message: BotMessage, *texts: str) -> None:
    """Check that the message shows each text as typed, and that its raw HTML carries it escaped."""
    for text in texts:
        assert text in message.plain_text
        assert html.escape(text) in message.text
        assert text not in message.text, "raw HTML tags from a patient must never reach Telegram unescaped"


def stored(settings: Settings, sql: str, *params: object) -> list[tuple[object, ...]]:
    """Run one query on the database file with the standard library's sqlite3, outside the bot."""
    with sqlite3.connect(settings.database_path) as database:
        rows = database.execute(sql, params).fetchall()
    database.close()
    return rows


async def test_hostile_name_and_note_are_stored_exactly_and_shown_literally(
    bot: RunningBot, fake_telegram: LocalTelegram, en: LanguagePack, settings: Settings
) -> None:
    """A patient named like an injection types an HTML note; DB, staff alert, /alerts, /patient, /export agree."""
    bob = fake_telegram.user(9601, NAME, username=USERNAME)
    await onboard(bob, en)
    await report_pus(bob, en, day=0, note=NOTE)

    assert stored(settings, "SELECT value FROM checkin_answer WHERE question = 'note'") == [(NOTE,)]
    assert stored(settings, "SELECT user_id, username FROM patient") == [(9601, USERNAME)]
    tables = {row[0] for row in stored(settings, "SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert tables >= TABLES

    alert = await fake_telegram.group(STAFF_CHAT).next_output()
    assert_literal(alert, NAME, NOTE)
    assert f"@{USERNAME}" in alert.plain_text

    staff = fake_telegram.user(STAFF, "Dr Lee")
    await staff.send("/alerts")
    assert (await staff.next_output()).text == en.text("report.alerts_heading", open_count=1)
    assert_literal(await staff.next_output(), NAME, NOTE)  # the one open alert, with its note

    await staff.send(f"/patient @{USERNAME}")
    facts = await staff.next_output()
    assert f"@{USERNAME}" in facts.plain_text
    assert en.text("report.escalations_heading", escalation_count=1) in facts.text
    assert (await staff.next_output()).photo is not None, "the chart follows"

    for query in (NAME, "9601' OR 1=1 --", f"@{USERNAME}' OR '1'='1"):
        await staff.send(f"/patient {query}")
        unknown = await staff.next_output()
        assert unknown.plain_text == render(en.text("report.patient_unknown", query=query[:40]), "HTML")[0]
        assert_literal(unknown, query[:40])

    await staff.send("/export")
    await staff.next_output()
    await staff.press(en.text("report.button.export_all"))
    checkins_file, escalations_file = await staff.next_output(), await staff.next_output()
    [row] = parse_csv(checkins_file)
    assert (row["patient_id"], row["username"], row["note"]) == ("9601", USERNAME, NOTE)
    [escalation] = parse_csv(escalations_file)
    assert escalation["patient_id"] == "9601"

    await bob.send("/mydata")
    await bob.next_output()
    document = await bob.next_output()
    assert document.document is not None
    assert NOTE in set(strings(json.loads(document.document.decode("utf-8"))))

    tables = {row[0] for row in stored(settings, "SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert tables >= TABLES
    assert stored(settings, "SELECT count(*) FROM patient") == [(1,)]
    assert stored(settings, "PRAGMA integrity_check") == [("ok",)]
