"""The patient's rights over their data, over HTTP: a full copy with /mydata, erasure with /delete."""

import json
import sqlite3

from bot.config import Settings
from bot.content.packs import LanguagePack
from bot.local_api import BotMessage, LocalTelegram, LocalUser
from bot.storage.account import PATIENT_TABLES
from bot.storage.migrations import migration_scripts, split_statements
from tests.checkin_steps import NORMAL_DAY, answer_all, start_checkin, with_answers
from tests.conftest import RunningBot
from tests.erasure_support import found_on_disk
from tests.journeys import onboard


def rows_about(settings: Settings, user_id: int) -> dict[str, int]:
    """Count, per table, the rows that belong to one patient, straight from SQLite."""
    with sqlite3.connect(settings.database_path) as connection:
        counts = {
            table: connection.execute(f"SELECT COUNT(*) FROM {table} WHERE user_id = ?", (user_id,)).fetchone()[0]  # noqa: S608
            for table in PATIENT_TABLES - {"checkin_answer"}
        }
        counts["checkin_answer"] = connection.execute(
            "SELECT COUNT(*) FROM checkin_answer WHERE checkin_id IN (SELECT id FROM checkin WHERE user_id = ?)",
            (user_id,),
        ).fetchone()[0]
    return counts


def test_every_table_about_patients_is_covered() -> None:
    """Each table that refers to a patient is one /mydata exports and /delete erases (a new one must be added)."""
    with sqlite3.connect(":memory:") as connection:
        for script in migration_scripts():
            for statement in split_statements(script):
                connection.execute(statement)
        tables = [row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        about_patients = {
            table
            for table in tables
            if any(ref[2] in ("patient", "checkin") for ref in connection.execute(f"PRAGMA foreign_key_list({table})"))
        }
    assert about_patients | {"patient"} == PATIENT_TABLES


async def test_mydata_sends_a_summary_and_the_whole_record(
    bot: RunningBot, fake_telegram: LocalTelegram, en: LanguagePack
) -> None:
    """A patient with a check-in and an alert gets a readable summary and a JSON file with every row."""
    user = fake_telegram.user(9101)
    await onboard(user, en)
    await start_checkin(user, en, day=0)
    await answer_all(user, en, with_answers(pus="yes", note="skip"))
    await user.next_output()
    await user.send("/mydata")
    summary = await user.next_output()
    assert "1 check-ins" in summary.plain_text or "1 check-in" in summary.plain_text
    document = await user.next_output()
    assert document.document is not None
    assert (document.document_name or "").endswith(".json")
    data = json.loads(document.document)
    assert data["patient"][0]["user_id"] == 9101
    assert len(data["checkins"]) == 1
    assert {row["question"]: row["value"] for row in data["checkin_answers"]}["pus"] == "yes"
    assert data["escalations"][0]["tier"] == "same_day"


async def test_mydata_for_someone_unknown_says_nothing_is_held(
    bot: RunningBot, fake_telegram: LocalTelegram, en: LanguagePack
) -> None:
    """Someone who never accepted consent is told the bot holds nothing about them."""
    user = fake_telegram.user(9102)
    await user.send("/mydata")
    assert (await user.next_output()).text == en.text("account.nothing")


async def test_delete_erases_everything_after_a_clear_yes(
    bot: RunningBot, fake_telegram: LocalTelegram, en: LanguagePack, settings: Settings
) -> None:
    """/delete asks first; "keep" changes nothing; "yes" erases every row, and the audit log says it happened."""
    user = fake_telegram.user(9103)
    await onboard(user, en)
    await start_checkin(user, en, day=0)
    await answer_all(user, en, with_answers(pus="yes"))
    await user.next_output()
    before = rows_about(settings, 9103)
    before.pop("outbox")  # a message on its way: gone once Telegram confirms it, whatever /delete does
    assert before["checkin"] == 1
    assert before["escalation"] == 1

    await user.send("/delete")
    question = await user.next_output()
    assert question.text == en.text("account.delete_confirm")
    await user.press(en.label("delete_keep"))
    assert (await user.next_output()).text == en.text("account.delete_kept")
    assert {table: count for table, count in rows_about(settings, 9103).items() if table != "outbox"} == before

    await user.send("/delete")
    await user.next_output()
    await user.press(en.label("delete_confirm"))
    assert (await user.next_output()).text == en.text("account.deleted")
    assert set(rows_about(settings, 9103).values()) == {0}
    with sqlite3.connect(settings.database_path) as connection:
        audit = connection.execute("SELECT action, subject FROM audit_log WHERE subject = 'patient:9103'").fetchall()
    assert audit == [("patient erased own data", "patient:9103")]

    await user.press_data("e:yes", question.message_id)
    await user.expect_no_output()
    assert user.callback_answers()[-1].get("text") == en.text("stale_button")
    await user.send("/start")
    assert "Maple Skin Clinic" in (await user.next_output()).plain_text, "after erasure, /start begins anew"


async def output_with(user: LocalUser, text: str) -> BotMessage:
    """Return the patient's next output with exactly this text, passing over any others before it."""
    while (output := await user.next_output()).text != text:
        pass
    return output


async def test_delete_leaves_no_byte_of_the_note_or_handle_on_disk(
    bot: RunningBot, fake_telegram: LocalTelegram, en: LanguagePack, settings: Settings
) -> None:
    """After /delete over the real stack, the typed note and the @handle are in none of the db, -wal, -shm files."""
    note, handle = "note-marker-3e8a my cheek feels tight", "handle_marker_c41f"
    user = fake_telegram.user(9104, username=handle)
    await onboard(user, en)
    await start_checkin(user, en, day=0)
    await answer_all(user, en, [answer for answer in NORMAL_DAY if answer[0] != "note"])
    await user.send(note)
    await user.next_output()
    assert found_on_disk(settings.database_path, [note, handle]), "both are on disk before"

    await user.send("/delete")
    question = await output_with(user, en.text("account.delete_confirm"))
    await user.press(en.label("delete_confirm"), message=question)
    await output_with(user, en.text("account.deleted"))
    assert found_on_disk(settings.database_path, [note, handle]) == {}
