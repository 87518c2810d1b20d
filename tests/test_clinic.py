"""The clinic's views and exports over HTTP: /alerts, /patient, /stats and /export, and refusals for everyone else."""

import csv
import io
from datetime import date, timedelta

import pytest

from bot.config import Settings
from bot.content.keys import as_key
from bot.content.packs import LanguagePack
from bot.local_api import BotMessage, LocalTelegram, LocalUser
from bot.outbox.alerts import without_status
from bot.reports.export import CHECKIN_COLUMNS, ESCALATION_COLUMNS
from bot.storage import Database
from tests.checkin_steps import NORMAL_DAY, answer_all, start_checkin, with_answers
from tests.conftest import TEST_ENV, Clock, RunningBot
from tests.journeys import accept_consent, onboard
from tests.test_stats import (
    SEEDED_ACTIVE,
    SEEDED_BROADCASTS_DONE,
    SEEDED_EXPECTED,
    SEEDED_IN_WINDOW,
    SEEDED_OPEN,
    SEEDED_RECEIVED,
    SEEDED_UNREACHABLE,
    seed_clinic,
)

STAFF = 500  # an admin in the test settings
STAFF_CHAT = int(TEST_ENV["STAFF_CHAT_ID"])
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
NOTE = 'Itchy, "tight" skin\non the chin 😬 – café, see you'
FORMULA_NOTE = '=HYPERLINK("http://example.com","open me")'


async def stored_audit(settings: Settings) -> list[tuple[int, str, str]]:
    """Return the audit log, newest first, as (staff id, action, subject), read over a second connection."""
    async with await Database.open(settings.database_path) as database:
        return [(entry.staff_id, entry.action, entry.subject) for entry in await database.audit.recent()]


async def report_pus(user: LocalUser, en: LanguagePack, day: int, *, note: str | None = None) -> None:
    """Do a check-in that reports pus (a same-day alert), typing a note if given, and read the replies."""
    await checkin(user, en, day, with_answers(pus="yes"), note=note)
    assert (await user.next_output()).text == en.text("triage.clinic_notified")


async def checkin(
    user: LocalUser, en: LanguagePack, day: int, answers: list[tuple[str, str]], *, note: str | None
) -> None:
    """Do a check-in with these answers, typing the note instead of skipping it when one is given."""
    await start_checkin(user, en, day)
    if note is None:
        await answer_all(user, en, answers)
        return
    await answer_all(user, en, [(question, value) for question, value in answers if question != "note"])
    await user.send(note)
    await user.next_output()


def parse_csv(message: BotMessage) -> list[dict[str, str]]:
    """Read a document the bot sent as CSV rows keyed by the header, checking its encoding on the way."""
    assert message.kind == "document"
    assert message.document is not None
    assert message.document.startswith(b"\xef\xbb\xbf")
    header, *rows = csv.reader(io.StringIO(message.document.decode("utf-8-sig"), newline=""))
    return [dict(zip(header, row, strict=True)) for row in rows]


def header_of(message: BotMessage) -> list[str]:
    """Return the header row of a CSV document the bot sent."""
    assert message.document is not None
    return next(csv.reader(io.StringIO(message.document.decode("utf-8-sig"), newline="")))


# /alerts


async def test_alerts_lists_open_alerts_newest_first_and_acknowledging_there_works_as_in_the_staff_chat(
    bot: RunningBot, fake_telegram: LocalTelegram, en: LanguagePack, clock: Clock, settings: Settings
) -> None:
    """/alerts lists both newest first; Acknowledge there updates the staff chat's alert and tells the patient.

    The alerts were posted while answering the patients, named as their updates named them; /alerts, answering staff,
    asks Telegram for each patient's name.
    """
    first, second = fake_telegram.user(9101, "Ann"), fake_telegram.user(9102, "Bo", username="bo_b")
    for patient in (first, second):
        await onboard(patient, en)
        await report_pus(patient, en, day=0)
        clock.now += timedelta(minutes=5)
    staff_chat = fake_telegram.group(STAFF_CHAT)
    posted = {1: await staff_chat.next_output(), 2: await staff_chat.next_output()}
    assert "Bo (@bo_b)" in posted[2].plain_text
    assert fake_telegram.calls_to("getChat") == []
    staff = fake_telegram.user(STAFF, "Dr Lee")

    await staff.send("/alerts")
    assert (await staff.next_output()).text == en.text("report.alerts_heading", open_count=2)
    newest, older = await staff.next_output(), await staff.next_output()
    await staff.expect_no_output()
    assert "alert #2" in newest.plain_text
    assert "alert #1" in older.plain_text
    assert "Bo (@bo_b)" in newest.plain_text
    assert sorted(int(call.params["chat_id"]) for call in fake_telegram.calls_to("getChat")) == [9101, 9102]
    assert en.text("report.alert_patient", user_id=9102) in newest.text
    assert without_status(older.text).startswith(without_status(posted[1].text)), "the staff chat's alert, as posted"
    assert newest.button_labels() == [en.label("acknowledge"), en.label("resolve")]

    await staff.press(en.label("acknowledge"), message=older)
    here = await staff.next_output()
    assert here.message_id == older.message_id
    assert "acknowledged by Dr Lee" in here.plain_text
    assert here.button_labels() == [en.label("resolve")]
    there = await staff_chat.next_output()
    assert there.message_id == posted[1].message_id, "the staff chat's own alert is updated in place"
    assert without_status(there.text) == without_status(posted[1].text)
    assert "acknowledged by Dr Lee" in there.plain_text
    assert there.button_labels() == [en.label("resolve")]
    assert (await first.next_output()).text == en.text("triage.clinic_acknowledged")
    assert (STAFF, "acknowledged", "escalation:1") in await stored_audit(settings)

    await staff.press(en.label("resolve"), message=newest)
    assert "resolved by Dr Lee" in (await staff.next_output()).plain_text
    resolved_there = await staff_chat.next_output()
    assert resolved_there.message_id == posted[2].message_id
    assert resolved_there.buttons == []
    assert (await second.next_output()).text == en.text("triage.clinic_acknowledged")

    await staff.send("/alerts")
    assert (await staff.next_output()).text == en.text("report.alerts_heading", open_count=1)
    still_open = await staff.next_output()
    assert "alert #1" in still_open.plain_text
    assert "acknowledged by #500" in still_open.plain_text, "who acknowledged it, by id when the name is unknown"
    await staff.press(en.label("resolve"), message=still_open)
    await staff.next_output()
    await staff_chat.next_output()
    await first.expect_no_output()
    await staff.send("/alerts")
    assert (await staff.next_output()).text == en.text("report.alerts_none")
    assert (STAFF, "view", "alerts") in await stored_audit(settings)


async def test_a_stale_alerts_button_after_the_staff_chat_acted_changes_nothing(
    bot: RunningBot, fake_telegram: LocalTelegram, en: LanguagePack
) -> None:
    """Acknowledge under /alerts after a colleague acknowledged in the staff chat says it is already done."""
    patient = fake_telegram.user(9103)
    await onboard(patient, en)
    await report_pus(patient, en, day=0)
    staff_chat = fake_telegram.group(STAFF_CHAT)
    await staff_chat.next_output()
    staff = fake_telegram.user(STAFF, "Dr Lee")
    await staff.send("/alerts")
    await staff.next_output()
    copy = await staff.next_output()
    await staff_chat.press(staff, en.label("acknowledge"))
    await staff_chat.next_output()
    await patient.next_output()
    await staff.press(en.label("acknowledge"), message=copy)
    await staff.expect_no_output()
    await staff_chat.expect_no_output()
    await patient.expect_no_output()
    assert staff.callback_answers()[-1].get("text") == en.text("staff.already")


async def test_alerts_shows_the_newest_ten_and_says_how_many_more(
    bot: RunningBot, fake_telegram: LocalTelegram, en: LanguagePack, settings: Settings, clock: Clock
) -> None:
    """With 12 open alerts, the newest 10 are shown, newest first, and the heading says 2 more are waiting."""
    async with await Database.open(settings.database_path) as database:
        for index in range(12):
            user_id = 9110 + index
            await database.patients.add_consented(user_id, "en", clock.now)
            await database.escalations.record(
                user_id, None, date(2026, 11, 24), "soon", ("rash",), clock.now + timedelta(minutes=index)
            )
    staff = fake_telegram.user(STAFF)
    await staff.send("/alerts")
    heading = await staff.next_output()
    assert heading.text == "\n".join(
        [en.text("report.alerts_heading", open_count=12), en.text("report.alerts_more", shown=10, hidden=2)]
    )
    shown = [await staff.next_output() for _ in range(10)]
    await staff.expect_no_output()
    assert [f"alert #{12 - index}" in message.plain_text for index, message in enumerate(shown)] == [True] * 10
    assert "Patient: #9121" in shown[0].plain_text, "the patient's id when Telegram does not give a name"
    assert all(message.button_labels() == [en.label("acknowledge"), en.label("resolve")] for message in shown)


# /patient


async def test_patient_by_id_or_handle_shows_facts_checkins_alerts_and_chart(
    bot: RunningBot, fake_telegram: LocalTelegram, en: LanguagePack, clock: Clock, settings: Settings
) -> None:
    """/patient by id, by @handle in any case, or by bare handle: the facts, each check-in, the alert, a PNG chart."""
    dana = fake_telegram.user(9201, "Dana", username="Dana_K")
    await onboard(dana, en, "date_3_days")
    await checkin(dana, en, 3, list(NORMAL_DAY), note=None)
    clock.now += timedelta(days=1)
    await report_pus(dana, en, day=4)
    staff = fake_telegram.user(STAFF, "Dr Lee")

    for query in ("9201", "@DANA_K", "dana_k"):
        await staff.send(f"/patient {query}")
        summary = await staff.next_output()
        facts = en.text(
            "report.facts",
            user_id=9201,
            handle="@dana_k",
            recovery_day="4",
            treated_on=en.format_date(date(2026, 11, 21)),
            patient_language="en",
            patient_reminder=en.text("report.default_reminder", time="10:00"),
            patient_messages=en.text("report.messages.on"),
        )
        assert summary.text.startswith(facts)
        assert en.text("report.checkins_heading", checkin_count=2) in summary.text
        assert "Day 3" in summary.plain_text
        assert "Day 4" in summary.plain_text
        assert en.text("history.alert", tier_label=en.text("staff.tier.same_day")) in summary.text
        assert en.text("report.escalations_heading", escalation_count=1) in summary.text
        alert_line = en.text(
            "report.escalation_line",
            escalation_id=1,
            date=en.format_date(date(2026, 11, 25)),
            tier_label=en.text("staff.tier.same_day"),
            alert_status=en.text("report.status.open"),
        )
        assert summary.text.endswith(alert_line)
        chart = await staff.next_output()
        assert chart.photo is not None
        assert chart.photo.startswith(PNG_SIGNATURE)
        assert chart.text == en.text("report.chart_caption", user_id=9201)
    await staff.expect_no_output()
    await dana.expect_no_output()
    assert [entry for entry in await stored_audit(settings) if entry[1] == "view"] == [
        (STAFF, "view", "patient:9201")
    ] * 3


async def test_patient_not_yet_onboarded_and_stopped_shows_what_is_known(
    bot: RunningBot, fake_telegram: LocalTelegram, en: LanguagePack, settings: Settings, clock: Clock
) -> None:
    """A patient who consented but gave no date yet is shown as such, with no check-ins, alerts or chart."""
    newcomer = fake_telegram.user(9202)
    await accept_consent(newcomer, en)
    async with await Database.open(settings.database_path) as database:
        await database.patients.set_messages_stopped(9202, True, clock.now)
        await database.patients.set_unreachable(9202, clock.now)
    staff = fake_telegram.user(STAFF)
    await staff.send("/patient #9202")
    summary = await staff.next_output()
    not_set = en.text("report.not_set")
    stopped = ", ".join(en.text(as_key(f"report.messages.{state}")) for state in ("stopped", "unreachable"))
    assert f"Day of recovery: {not_set}" in summary.plain_text
    assert f"Treatment date: {not_set}" in summary.plain_text
    assert stopped in summary.plain_text
    assert en.text("staff.no_handle") in summary.plain_text
    assert en.text("report.checkins_none") in summary.text
    assert en.text("report.escalations_none") in summary.text
    await staff.expect_no_output()


@pytest.mark.parametrize("query", ["123", "@nobody_here", "no such <b>one</b>", "#4242"])
async def test_an_unknown_patient_is_answered_kindly_and_not_audited(
    bot: RunningBot, fake_telegram: LocalTelegram, en: LanguagePack, settings: Settings, query: str
) -> None:
    """/patient for someone the bot does not know says so, repeating what was typed safely, and audits nothing."""
    staff = fake_telegram.user(STAFF)
    await staff.send(f"/patient {query}")
    reply = await staff.next_output()
    assert reply.text == en.text("report.patient_unknown", query=query)
    assert query in reply.plain_text
    await staff.send("/patient")
    assert (await staff.next_output()).text == en.text("report.patient_usage")
    assert await stored_audit(settings) == []


# /stats


async def test_stats_shows_the_figures_of_a_seeded_clinic(
    bot: RunningBot, fake_telegram: LocalTelegram, en: LanguagePack, settings: Settings
) -> None:
    """/stats counts patients, adherence over the 7 days before today, open alerts by tier and broadcasts sent."""
    async with await Database.open(settings.database_path) as database:
        await seed_clinic(database)
    staff = fake_telegram.user(STAFF)
    await staff.send("/stats")
    reply = await staff.next_output()
    tier_lines = [
        en.text("report.tier_count", tier_label=en.text(as_key(f"staff.tier.{tier}")), tier_count=count)
        for tier, count in (("emergency", SEEDED_OPEN["emergency"]), ("same_day", SEEDED_OPEN["same_day"]))
    ]
    expected = en.text(
        "report.stats",
        date=en.format_date(date(2026, 11, 24)),
        patients_active=SEEDED_ACTIVE,
        patients_in_window=SEEDED_IN_WINDOW,
        last_day=14,
        first_date=en.format_date(date(2026, 11, 17)),
        last_date=en.format_date(date(2026, 11, 23)),
        adherence=en.text(
            "report.adherence",
            adherence_percent=40,
            checkins_received=SEEDED_RECEIVED,
            checkins_expected=SEEDED_EXPECTED,
        ),
        open_alerts="\n".join(["2", *tier_lines]),
        broadcasts_sent=SEEDED_BROADCASTS_DONE,
        patients_unreachable=SEEDED_UNREACHABLE,
    )
    assert reply.text == expected
    assert "40% (4 of 10 expected check-ins)" in reply.plain_text


async def test_stats_of_a_new_clinic_has_no_percentage(
    bot: RunningBot, fake_telegram: LocalTelegram, en: LanguagePack, clock: Clock
) -> None:
    """With nobody expected to check in, adherence says so instead of dividing by zero; a live check-in counts."""
    staff = fake_telegram.user(STAFF)
    await staff.send("/stats")
    reply = await staff.next_output()
    assert en.text("report.adherence_none") in reply.plain_text
    assert en.text("report.open_none") in reply.plain_text
    patient = fake_telegram.user(9301)
    await onboard(patient, en, "date_yesterday")  # day 1 today: expected from today, which counts from tomorrow
    await checkin(patient, en, 1, list(NORMAL_DAY), note=None)
    clock.now += timedelta(days=1)
    await staff.send("/stats")
    assert "100% (1 of 1 expected check-ins)" in (await staff.next_output()).plain_text


# /export


@pytest.mark.http  # one journey over the real network stack
async def test_export_sends_two_csv_files_whose_notes_round_trip_and_formulas_are_neutralised(
    bot: RunningBot, fake_telegram: LocalTelegram, en: LanguagePack, settings: Settings
) -> None:
    """Last 7 days: the check-ins and alerts as CSV with the documented columns, notes as typed, formulas defused."""
    writer, prankster = fake_telegram.user(9401, username="Writer"), fake_telegram.user(9402)
    await onboard(writer, en)
    await checkin(writer, en, 0, list(NORMAL_DAY), note=NOTE)
    await onboard(prankster, en)
    await report_pus(prankster, en, day=0, note=FORMULA_NOTE)
    staff = fake_telegram.user(STAFF)

    await staff.send("/export")
    choose = await staff.next_output()
    assert choose.text == en.text("report.export_choose")
    assert choose.button_labels() == [
        en.text(as_key(f"report.button.export_{choice}")) for choice in ("7", "30", "all")
    ]
    await staff.press(en.text("report.button.export_7"))
    checkins_file, escalations_file = await staff.next_output(), await staff.next_output()
    await staff.expect_no_output()

    assert checkins_file.document_name == "checkins_2026-11-18_to_2026-11-24.csv"
    assert escalations_file.document_name == "escalations_2026-11-18_to_2026-11-24.csv"
    period = en.text("report.period", first_date="2026-11-18", last_date="2026-11-24")
    assert checkins_file.text == en.text("report.export_checkins", period=period, row_count=2)
    assert header_of(checkins_file) == list(CHECKIN_COLUMNS)
    assert header_of(escalations_file) == list(ESCALATION_COLUMNS)
    rows = {row["patient_id"]: row for row in parse_csv(checkins_file)}
    assert rows["9401"]["note"] == NOTE
    assert rows["9401"]["username"] == "writer"
    assert rows["9401"]["tier"] == "self_care"
    assert rows["9401"]["photo"] == "skipped"
    assert rows["9402"]["note"] == "'" + FORMULA_NOTE
    assert rows["9402"]["pus"] == "yes"
    assert rows["9402"]["reasons"] == "pus"
    [alert] = parse_csv(escalations_file)
    assert (alert["patient_id"], alert["tier"], alert["status"], alert["reasons"]) == (
        "9402",
        "same_day",
        "open",
        "pus",
    )
    assert (STAFF, "export", "checkins+escalations:2026-11-18..2026-11-24") in await stored_audit(settings)
    assert NOTE.encode() not in str(await stored_audit(settings)).encode()


async def test_export_of_a_typed_range_and_of_everything(
    bot: RunningBot, fake_telegram: LocalTelegram, en: LanguagePack, settings: Settings, clock: Clock
) -> None:
    """A typed range exports only its dates; Everything exports all; a range the bot cannot read offers the buttons."""
    patient = fake_telegram.user(9403)
    await onboard(patient, en, "date_3_days")
    await checkin(patient, en, 3, list(NORMAL_DAY), note=None)
    clock.now += timedelta(days=2)
    await checkin(patient, en, 5, list(NORMAL_DAY), note=None)
    staff = fake_telegram.user(STAFF)

    await staff.send("/export 2026-11-01 2026-11-24")
    only_first = await staff.next_output()
    assert only_first.document_name == "checkins_2026-11-01_to_2026-11-24.csv"
    assert [row["local_date"] for row in parse_csv(only_first)] == ["2026-11-24"]
    assert parse_csv(await staff.next_output()) == []

    await staff.send("/export last week")
    retry = await staff.next_output()
    assert retry.text == en.text("report.export_bad_range")
    await staff.press(en.text("report.button.export_all"), message=retry)
    everything = await staff.next_output()
    assert everything.document_name == "checkins_all_to_2026-11-26.csv"
    assert [row["day"] for row in parse_csv(everything)] == ["3", "5"]
    assert (await staff.next_output()).document_name == "escalations_all_to_2026-11-26.csv"
    exports = [entry for entry in await stored_audit(settings) if entry[1] == "export"]
    assert exports == [
        (STAFF, "export", "checkins+escalations:start..2026-11-26"),
        (STAFF, "export", "checkins+escalations:2026-11-01..2026-11-24"),
    ]


# Everyone else


@pytest.mark.parametrize("command", ["/alerts", "/patient 9501", "/stats", "/export", "/export 2026-11-01 2026-11-24"])
async def test_a_patient_is_refused_every_clinic_command(
    bot: RunningBot, fake_telegram: LocalTelegram, en: LanguagePack, settings: Settings, command: str
) -> None:
    """A patient typing a staff command gets the unknown-command answer and nothing else; nothing is audited."""
    patient = fake_telegram.user(9501)
    await onboard(patient, en)
    await report_pus(patient, en, day=0)
    await patient.send(command)
    assert (await patient.next_output()).text == en.text("unknown_command")
    await patient.expect_no_output()
    assert fake_telegram.calls_to("sendDocument") == []
    assert await stored_audit(settings) == []


@pytest.mark.parametrize("forged", ["xp:7", "xp:30", "xp:all", "xp:9999", "xp:", "s:ack:1", "s:res:1"])
async def test_a_patient_is_refused_every_clinic_button_even_forged(
    bot: RunningBot, fake_telegram: LocalTelegram, en: LanguagePack, settings: Settings, forged: str
) -> None:
    """Export and alert buttons pressed by a patient, with any data, get the not-staff toast and change nothing."""
    patient = fake_telegram.user(9502)
    await onboard(patient, en)
    await report_pus(patient, en, day=0)
    await patient.press_data(forged, 1)
    await patient.expect_no_output()
    assert patient.callback_answers()[-1].get("text") == en.text("staff.not_staff")
    assert fake_telegram.calls_to("sendDocument") == []
    assert await stored_audit(settings) == []
    staff_chat = fake_telegram.group(STAFF_CHAT)
    assert (await staff_chat.next_output()).button_labels() == [en.label("acknowledge"), en.label("resolve")]
    await staff_chat.expect_no_output()


async def test_a_forged_export_button_from_staff_exports_nothing(
    bot: RunningBot, fake_telegram: LocalTelegram, en: LanguagePack, settings: Settings
) -> None:
    """Staff pressing export data the bot never makes get the stale-button toast; nothing is sent or audited."""
    staff = fake_telegram.user(STAFF)
    await staff.send("/export")
    choose = await staff.next_output()
    await staff.press_data("xp:365", choose.message_id)
    await staff.expect_no_output()
    assert staff.callback_answers()[-1].get("text") == en.text("stale_button")
    assert await stored_audit(settings) == []
