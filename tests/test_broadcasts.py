"""Broadcasts over HTTP, as staff compose them: text and photo, audiences, preview, send, schedule, cancel, refusals."""

import sqlite3
from datetime import UTC, datetime, timedelta

import pytest

from bot.config import Settings
from bot.content.keys import as_key
from bot.content.packs import Content, LanguagePack
from bot.domain.audience import RecoveryDays, TreatedRecently
from bot.handlers.broadcast import describe
from bot.local_api import BotMessage, LocalTelegram, LocalUser, parse_html, render
from bot.storage import Database
from bot.storage.broadcasts import BroadcastStatus
from bot.telegram.callbacks import broadcast_button as button_data
from tests.broadcast_steps import (
    STAFF,
    add_patients,
    answer_to,
    audit_entries,
    broadcast_id_of,
    choose_audience,
    compose_text,
    delivered,
    outputs,
    report_for,
    skip_translation,
    start_composing,
    stored_broadcast,
    type_audience,
    wait_for_report,
)
from tests.conftest import Clock, RunningBot
from tests.storage_support import NOW, TODAY

NEWS = '<b>Clinic news</b>: <i>we are open</i> on Saturday &amp; Sunday. <a href="https://example.com/h">Our hours</a>'
TWENTY_DAYS_AGO = TODAY - timedelta(days=20)  # outside the reminders' window, so the minute job sends them nothing


def current(user: LocalUser, message: BotMessage) -> BotMessage:
    """Return a message as the chat shows it now."""
    return next(shown for shown in user.messages() if shown.message_id == message.message_id)


@pytest.mark.http  # one journey over the real network stack
async def test_a_formatted_text_goes_to_every_active_patient_exactly_as_previewed(
    bot: RunningBot, fake_telegram: LocalTelegram, en: LanguagePack, settings: Settings
) -> None:
    """Bold, italic and links survive; the preview is what patients get; stopped, blocked and new patients get none."""
    active = await add_patients(settings, fake_telegram, [7001, 7002, 7003])
    await add_patients(settings, fake_telegram, [7004, 7005])
    async with await Database.open(settings.database_path) as database:
        await database.patients.set_messages_stopped(7004, True, NOW)
        await database.patients.set_unreachable(7005, NOW)
        await database.patients.add_consented(7006, "en", NOW)  # consented, no treatment date yet
    fake_telegram.user(7006)
    staff = fake_telegram.user(STAFF, "Dr Lee")

    await compose_text(staff, en, NEWS)
    preview, confirm = await choose_audience(staff, en, "all")
    assert render(preview.text, preview.parse_mode) == parse_html(NEWS), "formatting kept as the staff member wrote it"
    assert confirm.text == en.text("broadcast.confirm", recipients=3, audience=en.text("broadcast.audience.all"))
    assert confirm.button_labels() == [
        en.text("broadcast.button.send_now"),
        en.text("broadcast.button.schedule"),
        en.text("broadcast.button.cancel"),
    ]
    assert delivered(fake_telegram) == {STAFF: 5}, "nothing goes to patients before Send now"

    broadcast_id = broadcast_id_of(confirm)
    await staff.press(en.text("broadcast.button.send_now"))
    report = await wait_for_report(staff, en, broadcast_id)
    assert report.message_id == confirm.message_id, "the confirmation turns into the progress, then the report"
    assert report.text == await report_for(settings, en, broadcast_id)
    assert report.buttons == []
    for user_id in active:
        [received] = fake_telegram.user(user_id).messages()
        assert (received.kind, received.text, received.parse_mode) == ("text", preview.text, preview.parse_mode)
    for user_id in (7004, 7005, 7006):
        assert fake_telegram.user(user_id).messages() == []
    broadcast, tally = await stored_broadcast(settings, broadcast_id)
    assert (broadcast.status, tally.sent, tally.total) == (BroadcastStatus.DONE, 3, 3)
    assert (STAFF, "broadcast sent", f"broadcast:{broadcast_id}") in await audit_entries(settings)


@pytest.mark.http  # one journey over the real network stack
async def test_the_preview_says_who_will_get_the_message_in_a_language_not_theirs(
    bot: RunningBot, fake_telegram: LocalTelegram, en: LanguagePack, content: Content, settings: Settings
) -> None:
    """Two of three patients read French: the confirmation says so, naming French, before anything is sent."""
    await add_patients(settings, fake_telegram, [7101, 7102, 7103])
    async with await Database.open(settings.database_path) as database:
        for user_id in (7102, 7103):
            await database.patients.set_language(user_id, "fr", NOW)
    staff = fake_telegram.user(STAFF, "Dr Lee")
    await compose_text(staff, en, NEWS)
    _preview, confirm = await choose_audience(staff, en, "all")
    warning = en.text("broadcast.other_languages", recipients=2, languages=content.pack("fr").label("language"))
    audience = en.text("broadcast.audience.all")
    assert confirm.text == en.text("broadcast.confirm", recipients=3, audience=audience) + "\n" + warning
    assert delivered(fake_telegram) == {STAFF: 5}, "nothing goes to patients before Send now"


async def test_a_broadcast_with_a_french_text_reaches_each_patient_in_their_language(
    bot: RunningBot, fake_telegram: LocalTelegram, en: LanguagePack, content: Content, settings: Settings
) -> None:
    """Staff give the French beside the English: both previewed, no warning, and each patient gets their own."""
    await add_patients(settings, fake_telegram, [7201, 7202])
    async with await Database.open(settings.database_path) as database:
        await database.patients.set_language(7202, "fr", NOW)
    staff = fake_telegram.user(STAFF, "Dr Lee")
    await start_composing(staff, en)
    await staff.send_html("<b>Closed</b> on Monday")
    asked = await staff.next_output()
    assert asked.text == en.text("broadcast.ask_translation", language=content.pack("fr").label("language"))
    await staff.send_html("<b>Fermé</b> lundi")
    assert (await staff.next_output()).text == en.text("broadcast.ask_audience")
    await staff.press(en.text("broadcast.button.all"))
    english, french, confirm, _question = await outputs(staff, 4)
    assert (english.plain_text, french.plain_text) == ("Closed on Monday", "Fermé lundi"), "each as its patients get it"
    assert confirm.text == en.text("broadcast.confirm", recipients=2, audience=en.text("broadcast.audience.all"))
    broadcast_id = broadcast_id_of(confirm)
    await staff.press(en.text("broadcast.button.send_now"))
    await wait_for_report(staff, en, broadcast_id)
    assert [message.plain_text for message in fake_telegram.user(7201).messages()] == ["Closed on Monday"]
    assert [message.plain_text for message in fake_telegram.user(7202).messages()] == ["Fermé lundi"]


async def test_a_photo_with_a_formatted_caption_is_broadcast_by_its_file_id(
    bot: RunningBot, fake_telegram: LocalTelegram, en: LanguagePack, settings: Settings
) -> None:
    """A photo goes out by the file_id staff sent, its caption's formatting kept, to a typed range of recovery days."""
    early = await add_patients(settings, fake_telegram, [7101, 7102], treated=TODAY - timedelta(days=1))
    await add_patients(settings, fake_telegram, [7103], treated=TODAY - timedelta(days=10))
    staff = fake_telegram.user(STAFF)
    await start_composing(staff, en)
    caption = "<b>New</b> aftercare kit: <i>ask at the desk</i>"
    file_id = await staff.send_photo_html(caption)
    await skip_translation(staff, en)

    preview, confirm = await type_audience(staff, "0-3")
    assert (preview.kind, preview.file_id) == ("photo", file_id)
    assert render(preview.text, preview.parse_mode) == parse_html(caption)
    audience = describe(en, RecoveryDays(0, 3), TODAY)
    assert confirm.text == en.text("broadcast.confirm", recipients=2, audience=audience)

    await staff.press(en.text("broadcast.button.send_now"))
    await wait_for_report(staff, en, broadcast_id_of(confirm))
    for user_id in early:
        [received] = fake_telegram.user(user_id).messages()
        assert (received.kind, received.file_id, received.text) == ("photo", file_id, preview.text)
    assert fake_telegram.user(7103).messages() == []


async def test_typed_audiences_are_read_and_mistakes_answered_kindly(
    bot: RunningBot, fake_telegram: LocalTelegram, en: LanguagePack, settings: Settings
) -> None:
    """Unreadable, reversed, too long, future and empty audiences each get their own answer; then "14" is taken."""
    await add_patients(settings, fake_telegram, [7201, 7202])
    staff = fake_telegram.user(STAFF)
    await compose_text(staff, en, "Hello")
    answers = {
        "next week please": en.text("broadcast.invalid.format"),
        "7-3": en.text("broadcast.invalid.order"),
        "3-400": en.text("broadcast.invalid.too_large", max_days=365),
        "2030-01-01 2030-01-05": en.text("broadcast.invalid.future"),
        "20-30": en.text("broadcast.no_recipients"),
    }
    for typed, answer in answers.items():
        await staff.send(typed)
        assert (await staff.next_output()).text == answer, typed
    _preview, confirm = await type_audience(staff, "14")
    audience = describe(en, TreatedRecently(14), TODAY)
    assert confirm.text == en.text("broadcast.confirm", recipients=2, audience=audience)
    assert "Wed Nov 11 to Tue Nov 24" in audience, "staff see the treatment dates the group covers"


async def test_scheduling_then_the_job_starts_it_when_due(
    bot: RunningBot, fake_telegram: LocalTelegram, en: LanguagePack, settings: Settings, clock: Clock
) -> None:
    """A typed clinic time schedules it (a past one is refused); the minute job sends it once when the time comes."""
    patients = await add_patients(settings, fake_telegram, [7301, 7302], treated=TWENTY_DAYS_AGO)
    staff = fake_telegram.user(STAFF)
    await compose_text(staff, en, "Flu shots at the clinic next week")
    _preview, confirm = await choose_audience(staff, en, "all")
    broadcast_id = broadcast_id_of(confirm)
    await staff.press(en.text("broadcast.button.schedule"))
    taken_off, question = await outputs(staff, 2)
    assert taken_off.message_id == confirm.message_id
    assert taken_off.buttons == []
    assert question.text == en.text("broadcast.ask_send_time", clinic_timezone="America/Toronto")

    await staff.send("2026-11-24 09:00")
    assert (await staff.next_output()).text == en.text("broadcast.send_time_invalid.past")
    await staff.send("tomorrow-ish")
    assert (await staff.next_output()).text == en.text("broadcast.send_time_invalid.format")
    await staff.send("2026-11-24 12:30")
    scheduled = await staff.next_output()
    audience = en.text("broadcast.audience.all")
    expected = en.text(
        "broadcast.scheduled", broadcast_id=broadcast_id, send_time="Tue Nov 24 12:30", audience=audience
    )
    assert scheduled.text == expected
    assert scheduled.button_labels() == [en.text("broadcast.button.cancel_numbered", broadcast_id=broadcast_id)]
    broadcast, _tally = await stored_broadcast(settings, broadcast_id)
    assert broadcast.status is BroadcastStatus.SCHEDULED
    assert broadcast.scheduled_for == datetime(2026, 11, 24, 17, 30, tzinfo=UTC)
    assert (STAFF, "broadcast scheduled", f"broadcast:{broadcast_id}") in await audit_entries(settings)

    clock.now = datetime(2026, 11, 24, 17, 29, tzinfo=UTC)
    await bot.run_jobs()
    await staff.expect_no_output()
    clock.now = datetime(2026, 11, 24, 17, 30, tzinfo=UTC)
    await bot.run_jobs()
    report = await wait_for_report(staff, en, broadcast_id)
    assert report.message_id != scheduled.message_id, "a new progress message tells the staff member it started"
    assert report.text == await report_for(settings, en, broadcast_id)
    await bot.run_jobs()
    await staff.expect_no_output()
    assert [delivered(fake_telegram)[user_id] for user_id in patients] == [1, 1]
    assert (STAFF, "broadcast sent", f"broadcast:{broadcast_id}") in await audit_entries(settings)


async def test_schedule_buttons_and_cancelling_a_scheduled_broadcast_from_the_list(
    bot: RunningBot, fake_telegram: LocalTelegram, en: LanguagePack, settings: Settings, clock: Clock
) -> None:
    """The Tomorrow 10:00 and In 1 hour buttons schedule at clinic time; /broadcasts cancels one, which never goes."""
    patients = await add_patients(settings, fake_telegram, [7401], treated=TWENTY_DAYS_AGO)
    staff = fake_telegram.user(STAFF)
    ids = []
    when = {"tomorrow": "Wed Nov 25 10:00", "in_one_hour": "Tue Nov 24 11:00"}
    for button in ("tomorrow", "in_one_hour"):
        await compose_text(staff, en, f"Broadcast {button}")
        _preview, confirm = await choose_audience(staff, en, "all")
        ids.append(broadcast_id_of(confirm))
        await staff.press(en.text("broadcast.button.schedule"))
        await outputs(staff, 2)
        await staff.press(en.text(as_key(f"broadcast.button.{button}")))
        scheduled = await staff.next_output()
        audience = en.text("broadcast.audience.all")
        assert scheduled.text == en.text(
            "broadcast.scheduled", broadcast_id=ids[-1], send_time=when[button], audience=audience
        )
    tomorrow, in_an_hour = [(await stored_broadcast(settings, broadcast_id))[0] for broadcast_id in ids]
    assert tomorrow.scheduled_for == datetime(2026, 11, 25, 15, 0, tzinfo=UTC), "10:00 in Toronto"
    assert in_an_hour.scheduled_for == NOW + timedelta(hours=1)

    await staff.send("/broadcasts")
    listing = await staff.next_output()
    assert f"#{ids[0]}" in listing.plain_text
    assert f"#{ids[1]}" in listing.plain_text
    assert listing.button_labels() == [
        en.text("broadcast.button.cancel_numbered", broadcast_id=ids[1]),
        en.text("broadcast.button.cancel_numbered", broadcast_id=ids[0]),
    ]
    pressed = await staff.press(en.text("broadcast.button.cancel_numbered", broadcast_id=ids[0]))
    cancelled = await staff.next_output()
    assert cancelled.text == en.text("broadcast.cancelled", broadcast_id=ids[0])
    assert await answer_to(fake_telegram, pressed) == en.text("broadcast.toast.cancelled")
    assert (STAFF, "broadcast cancelled", f"broadcast:{ids[0]}") in await audit_entries(settings)

    clock.now += timedelta(days=1)
    await bot.run_jobs()
    await wait_for_report(staff, en, ids[1])
    assert delivered(fake_telegram)[patients[0]] == 1, "only the broadcast that was not cancelled went out"
    assert (await stored_broadcast(settings, ids[0]))[0].status is BroadcastStatus.CANCELLED


async def test_cancel_while_composing_by_button_and_by_command(
    bot: RunningBot, fake_telegram: LocalTelegram, en: LanguagePack, settings: Settings
) -> None:
    """Cancel (the button, or /cancel) ends the draft; the staff member's text is then an ordinary message again."""
    await add_patients(settings, fake_telegram, [7501])
    staff = fake_telegram.user(STAFF)
    asked = await start_composing(staff, en)
    await staff.press(en.text("broadcast.button.cancel"))
    cancelled = await staff.next_output()
    assert (cancelled.message_id, cancelled.text) == (asked.message_id, en.text("broadcast.cancelled_draft"))
    first_id = broadcast_id_of(asked)
    await staff.send("just saying hello")
    assert (await staff.next_output()).text == en.text("free_text"), "no longer taken as a broadcast"

    question = await compose_text(staff, en, "Second try")
    await staff.send("/cancel")
    assert (await staff.next_output()).text == en.text("broadcast.cancelled_draft")
    second_id = broadcast_id_of(question)
    for broadcast_id in (first_id, second_id):
        assert (await stored_broadcast(settings, broadcast_id))[0].status is BroadcastStatus.CANCELLED
        assert (STAFF, "broadcast cancelled", f"broadcast:{broadcast_id}") in await audit_entries(settings)
    assert delivered(fake_telegram)[7501] == 0
    await staff.send("/broadcasts")
    assert (await staff.next_output()).text == en.text("broadcast.list_empty"), "cancelled drafts went nowhere"


@pytest.mark.http  # one journey over the real network stack
async def test_cancel_during_delivery_stops_it_and_reports_what_was_not_sent(
    bot: RunningBot, fake_telegram: LocalTelegram, en: LanguagePack, settings: Settings
) -> None:
    """Cancel sending on the progress message stops at the next recipient; the report counts the unsent ones."""
    patients = await add_patients(settings, fake_telegram, range(8000, 8150))
    staff = fake_telegram.user(STAFF)
    await compose_text(staff, en, "A long one")
    _preview, confirm = await choose_audience(staff, en, "all")
    broadcast_id = broadcast_id_of(confirm)
    await staff.press(en.text("broadcast.button.send_now"))
    await fake_telegram._wait_until(lambda: sum(delivered(fake_telegram).values()) >= 20 or None, 10.0)
    progress = current(staff, confirm)
    assert progress.button_labels() == [en.text("broadcast.button.cancel_sending")]
    pressed = await staff.press(en.text("broadcast.button.cancel_sending"), message=progress)
    report = await wait_for_report(staff, en, broadcast_id, cancelled=True)
    assert report.text == await report_for(settings, en, broadcast_id)
    assert await answer_to(fake_telegram, pressed) == en.text("broadcast.toast.cancelled")
    sent_then = delivered(fake_telegram)
    await staff.expect_no_output(within=0.5)
    assert delivered(fake_telegram) == sent_then, "nothing more goes out after the report"
    _broadcast, tally = await stored_broadcast(settings, broadcast_id)
    assert tally.total == len(patients)
    assert 0 < tally.unsent < len(patients)
    assert tally.pending == 0, "the rows not sent are cancelled"
    assert tally.sent == sum(sent_then[user_id] for user_id in patients)
    assert (STAFF, "broadcast cancelled", f"broadcast:{broadcast_id}") in await audit_entries(settings)
    late = await staff.press_data(button_data(broadcast_id, "x"), report.message_id)
    assert await answer_to(fake_telegram, late) == en.text("broadcast.toast.over")


async def test_someone_who_is_not_staff_is_refused_every_broadcast_command_and_button(
    bot: RunningBot, fake_telegram: LocalTelegram, en: LanguagePack, settings: Settings
) -> None:
    """A patient gets the unknown-command answer and "not staff" for every button, forged ones too; nothing changes."""
    await add_patients(settings, fake_telegram, [7601])
    staff = fake_telegram.user(STAFF)
    await compose_text(staff, en, "Staff only")
    _preview, confirm = await choose_audience(staff, en, "all")
    broadcast_id = broadcast_id_of(confirm)

    patient = fake_telegram.user(7601)
    for command in ("/broadcast", "/broadcasts"):
        await patient.send(command)
        assert (await patient.next_output()).text == en.text("unknown_command"), command
    forged = ["send", "later", "x", "a:all", "at:1h", "a:days:0-400"]
    presses = [await patient.press_data(button_data(broadcast_id, action), confirm.message_id) for action in forged]
    presses += [await patient.press_data("bc:999999:x", 1), await patient.press_data("bc:nonsense", 1)]
    answers = [await answer_to(fake_telegram, pressed) for pressed in presses]
    assert answers == [en.text("staff.not_staff")] * len(presses)
    await patient.expect_no_output()
    broadcast, tally = await stored_broadcast(settings, broadcast_id)
    assert (broadcast.status, broadcast.compose_step, tally.total) == (BroadcastStatus.DRAFT, "confirm", 0)
    assert [shown.text for shown in patient.messages()] == [en.text("unknown_command")] * 2, "and no broadcast"


async def test_another_staff_member_cannot_act_on_someone_elses_draft(
    bot: RunningBot, fake_telegram: LocalTelegram, en: LanguagePack, settings: Settings
) -> None:
    """Invited staff pressing Send or Cancel on another's draft are told it is gone; a forged audience is refused."""
    await add_patients(settings, fake_telegram, [7651])
    async with await Database.open(settings.database_path) as database:
        await database.staff.create_invite("tok", STAFF, NOW, NOW + timedelta(days=1))
        assert await database.staff.redeem("tok", 600, NOW)
    staff = fake_telegram.user(STAFF)
    await compose_text(staff, en, "Mine")
    _preview, confirm = await choose_audience(staff, en, "all")
    broadcast_id = broadcast_id_of(confirm)
    colleague = fake_telegram.user(600, "Nurse Kim")
    presses = [
        await colleague.press_data(button_data(broadcast_id, a), confirm.message_id) for a in ("send", "x", "later")
    ]
    assert [await answer_to(fake_telegram, pressed) for pressed in presses] == [en.text("broadcast.toast.gone")] * 3
    forged = await staff.press_data(button_data(broadcast_id, "a:days:0-400"), confirm.message_id)
    assert await answer_to(fake_telegram, forged) == en.text("broadcast.toast.stale")
    assert (await stored_broadcast(settings, broadcast_id))[0].status is BroadcastStatus.DRAFT


async def test_a_patients_messages_are_unaffected_while_staff_compose(
    bot: RunningBot, fake_telegram: LocalTelegram, en: LanguagePack, settings: Settings
) -> None:
    """While staff compose, a patient's text, commands and photos get the usual answers, and the draft takes none."""
    await add_patients(settings, fake_telegram, [7701])
    staff = fake_telegram.user(STAFF)
    await start_composing(staff, en)
    patient = fake_telegram.user(7701)
    await patient.send("hello, a quick question")
    assert (await patient.next_output()).text == en.text("free_text")
    await patient.send("/help")
    assert (await patient.next_output()).text == en.text("help")
    await patient.send_photo()
    assert (await patient.next_output()).text == en.text("media", clinic_phone="416-555-0199")
    await patient.send("/cancel")
    assert (await patient.next_output()).text == en.text("checkin.nothing_to_cancel")
    await staff.expect_no_output()

    await staff.send("The staff member's own text")
    await skip_translation(staff, en)  # the draft took the staff's text
    conn = sqlite3.connect(settings.database_path)
    with conn:
        [(stored,)] = conn.execute("SELECT text_html FROM broadcast").fetchall()
    conn.close()
    assert stored == "The staff member&#x27;s own text"


async def test_a_restart_mid_compose_carries_on_where_it_was(
    bot: RunningBot, fake_telegram: LocalTelegram, en: LanguagePack, settings: Settings
) -> None:
    """After a restart, typed input still goes to the draft, and /broadcast shows where it stands."""
    await add_patients(settings, fake_telegram, [7801])
    staff = fake_telegram.user(STAFF)
    question = await compose_text(staff, en, "Before the restart")
    await bot.restart()
    _preview, confirm = await type_audience(staff, "0-3")
    await bot.restart()
    stale = await staff.press(en.text("broadcast.button.all"), message=question)
    assert await answer_to(fake_telegram, stale) == en.text("broadcast.toast.stale")
    await staff.send("/broadcast")
    resumed, preview, again = await outputs(staff, 3)
    assert resumed.text == en.text("broadcast.resumed")
    assert preview.text == "Before the restart"
    assert again.text == confirm.text
    await staff.press(en.text("broadcast.button.send_now"), message=again)
    await wait_for_report(staff, en, broadcast_id_of(again))
    assert delivered(fake_telegram)[7801] == 1


async def test_broadcasts_lists_past_broadcasts_with_their_figures(
    bot: RunningBot, fake_telegram: LocalTelegram, en: LanguagePack, settings: Settings
) -> None:
    """/broadcasts shows each sent broadcast's status, start and figures, newest first."""
    await add_patients(settings, fake_telegram, [7901, 7902, 7903])
    fake_telegram.block(7902)
    staff = fake_telegram.user(STAFF)
    await compose_text(staff, en, "First")
    _preview, confirm = await choose_audience(staff, en, "all")
    broadcast_id = broadcast_id_of(confirm)
    await staff.press(en.text("broadcast.button.send_now"))
    await wait_for_report(staff, en, broadcast_id)
    await staff.send("/broadcasts")
    listing = await staff.next_output()
    line = en.text(
        "broadcast.line",
        broadcast_id=broadcast_id,
        broadcast_status=en.text("broadcast.status.done"),
        send_time="Tue Nov 24 10:00",
        recipients=3,
        sent_count=2,
        blocked_count=1,
        failed_count=0,
    )
    assert listing.text == en.text("broadcast.list", broadcast_lines=line)
    assert listing.buttons == []
    patient = await bot.stored_patient(7902)
    assert patient is not None
    assert patient.unreachable_since is not None, "a patient who blocked the bot is marked unreachable"


async def test_a_message_telegram_refuses_is_asked_for_again_before_anything_is_sent(
    bot: RunningBot, fake_telegram: LocalTelegram, en: LanguagePack, settings: Settings
) -> None:
    """If Telegram refuses the preview, it would refuse every patient's copy: the staff member is asked to resend."""
    await add_patients(settings, fake_telegram, [7951])
    staff = fake_telegram.user(STAFF)
    await compose_text(staff, en, "Fine as typed")
    # (HTML Telegram cannot parse is sent again as plain text by the request layer, to patients as to the preview.)
    fake_telegram.fail_next("sendMessage", 400, "Bad Request: message is too long")
    await staff.press(en.text("broadcast.button.all"))
    refused, question = await outputs(staff, 2)
    assert refused.text == en.text("broadcast.preview_failed")
    assert question.buttons == []
    await staff.send("Second attempt")
    await skip_translation(staff, en)  # back to the message step
    assert delivered(fake_telegram)[7951] == 0
