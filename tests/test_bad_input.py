"""Bad input over HTTP: odd messages, media, edits, stale and forged buttons, groups and updates with no user."""

import re

import pytest
from telegram.error import BadRequest

from bot.content.keys import as_key
from bot.content.packs import LanguagePack
from bot.local_api import LocalTelegram
from tests.conftest import TEST_ENV, ErrorLog, RunningBot
from tests.journeys import onboard

STAFF_CHAT = int(TEST_ENV["STAFF_CHAT_ID"])


async def test_free_text_points_to_the_menu(bot: RunningBot, fake_telegram: LocalTelegram, en: LanguagePack) -> None:
    """Plain text outside a flow gets the short reply with a menu button."""
    user = fake_telegram.user(3001)
    await onboard(user, en)
    await user.send("hello, is this thing on?")
    reply = await user.next_output()
    assert reply.text == en.text("free_text")
    assert reply.button_labels() == [en.label("open_menu")]


@pytest.mark.parametrize(
    ("typed", "tier", "sign"),
    [
        ("there is pus in one of the spots", "same_day", "pus"),
        ("I think I have a FEVER", "same_day", "fever"),
        ("the redness is spreading", "same_day", "spreading_slow"),
        ("i cant breathe properly", "emergency", "breathing"),
        ("my eye is swollen shut and there are red streaks", "emergency", "eyes"),
    ],
)
async def test_warning_signs_in_free_text_point_to_help(
    bot: RunningBot, fake_telegram: LocalTelegram, en: LanguagePack, typed: str, tier: str, sign: str
) -> None:
    """Text that names a warning sign gets the tier's advice with the sign read back, the clinic told, the questions."""
    user = fake_telegram.user(3002)
    await onboard(user, en)
    await user.send(typed)
    reply = await user.next_output()
    assert reply.text.startswith(en.text(as_key(f"triage.{tier}.title"))), "what to do now comes first"
    assert f"\n\nYou mentioned {en.text(as_key(f'typed.sign.{sign}'))}" in reply.text
    assert reply.button_labels()[0] == en.label("quick_questions")
    assert (await user.next_output()).text == en.text("typed.clinic_notified")
    assert en.text(as_key(f"staff.tier.{tier}")) in (await fake_telegram.group(STAFF_CHAT).next_output()).plain_text
    await user.press(en.label("quick_questions"), message=reply)
    assert en.text("questions.breathing") in (await user.next_output()).text
    await user.expect_no_output()


async def test_warning_signs_are_answered_before_onboarding_too(
    bot: RunningBot, fake_telegram: LocalTelegram, en: LanguagePack
) -> None:
    """Someone who never pressed Start but writes about pus still gets the advice (and nothing is stored)."""
    user = fake_telegram.user(3003)
    await user.send("pus coming out of my cheek")
    reply = await user.next_output()
    assert en.text("triage.same_day.title") in reply.text
    assert reply.button_labels()[0] == en.label("quick_questions")
    await user.expect_no_output()
    assert await bot.stored_patient(3003) is None


@pytest.mark.parametrize("kind", ["sticker", "photo", "voice", "document", "location"])
async def test_media_gets_a_kind_reply(
    bot: RunningBot, fake_telegram: LocalTelegram, en: LanguagePack, kind: str
) -> None:
    """Stickers, photos, voice notes, files and locations get one short reply, never an error."""
    user = fake_telegram.user(3004)
    await onboard(user, en)
    await getattr(user, f"send_{kind}")()
    assert (await user.next_output()).text == en.text("media", clinic_phone="416-555-0199")
    await user.expect_no_output()


async def test_a_photo_captioned_with_a_warning_sign_gets_the_advice(
    bot: RunningBot, fake_telegram: LocalTelegram, en: LanguagePack
) -> None:
    """A photo whose caption asks about pus is answered with the same-day advice, not only the note about photos."""
    user = fake_telegram.user(3012)
    await onboard(user, en)
    await user.send_photo(caption="is this pus??")
    reply = await user.next_output()
    assert en.text("triage.same_day.title") in reply.text
    assert (await user.next_output()).text == en.text("typed.clinic_notified")
    await user.expect_no_output()


async def test_unknown_commands_and_edits(bot: RunningBot, fake_telegram: LocalTelegram, en: LanguagePack) -> None:
    """An unknown command and an edited message each get their own short reply."""
    user = fake_telegram.user(3005)
    await onboard(user, en)
    await user.send("/frobnicate now")
    assert (await user.next_output()).text == en.text("unknown_command")
    sent = await user.send("hello")
    await user.next_output()
    await user.edit(sent, "hello again")
    assert (await user.next_output()).text == en.text("edited")


async def test_an_edit_that_mentions_a_warning_sign_is_answered(
    bot: RunningBot, fake_telegram: LocalTelegram, en: LanguagePack
) -> None:
    """Editing a message to mention pus gets the advice, not just the note about edits."""
    user = fake_telegram.user(3006)
    await onboard(user, en)
    sent = await user.send("ok")
    await user.next_output()
    await user.edit(sent, "actually there is pus now")
    reply = await user.next_output()
    assert en.text("triage.same_day.title") in reply.text
    assert reply.button_labels()[0] == en.label("quick_questions")


@pytest.mark.parametrize("forged", ["m:nowhere", "m:", "zzz", "m:MAIN", "x" * 64])
async def test_forged_buttons_get_a_fresh_menu(
    bot: RunningBot, fake_telegram: LocalTelegram, en: LanguagePack, forged: str
) -> None:
    """Button data the bot never made is answered with the stale notice and a fresh main menu."""
    user = fake_telegram.user(3007)
    menu = await onboard(user, en)
    await user.press_data(forged, menu.message_id)
    assert (await user.next_output()).text == en.screens["main"].text
    assert user.callback_answers()[-1].get("text") == en.text("stale_button")


async def test_help_lists_the_commands(bot: RunningBot, fake_telegram: LocalTelegram, en: LanguagePack) -> None:
    """/help answers with the help text and a way to the menu."""
    user = fake_telegram.user(3008)
    await user.send("/help")
    reply = await user.next_output()
    assert reply.text == en.text("help")
    assert reply.button_labels() == [en.label("open_menu")]


async def test_a_group_is_told_the_bot_works_in_private(
    bot: RunningBot, fake_telegram: LocalTelegram, en: LanguagePack
) -> None:
    """A command in a group gets only the private-chat notice, and nothing is stored for its sender."""
    user = fake_telegram.user(3009)
    group = fake_telegram.group()
    await group.send(user, "/start")
    assert (await group.next_output()).text == en.text("group_only")
    assert await bot.stored_patient(3009) is None


async def test_updates_without_a_user_are_ignored_quietly(
    bot: RunningBot, fake_telegram: LocalTelegram, en: LanguagePack, fail_on_logged_errors: ErrorLog
) -> None:
    """A channel post (no user) changes nothing and raises nothing; the bot keeps answering others."""
    await fake_telegram.push_update(
        {"channel_post": {"message_id": 1, "date": 1, "chat": {"id": -100900, "type": "channel"}, "text": "hi"}}
    )
    user = fake_telegram.user(3010)
    await user.send("/help")
    assert (await user.next_output()).text == en.text("help")
    assert fake_telegram.calls_to("sendMessage")[0].params["chat_id"] != -100900


async def test_a_failing_handler_gets_the_patient_an_apology_not_a_traceback(
    bot: RunningBot, fake_telegram: LocalTelegram, en: LanguagePack, fail_on_logged_errors: ErrorLog
) -> None:
    """When Telegram rejects the bot's reply, the error is logged without content and the patient gets an apology."""
    user = fake_telegram.user(3011)
    await onboard(user, en)
    fake_telegram.fail_next("sendMessage", 400, "Bad Request: chat not found")
    await user.send("what now?")
    apology = await user.next_output()
    assert apology.text == en.text("error_apology")
    assert "Traceback" not in apology.plain_text
    [record] = fail_on_logged_errors.records
    logged = re.fullmatch(r"handling update \d+ failed \(error id ([0-9a-f]{8})\)", record.getMessage())
    assert logged
    staff_note = await fake_telegram.group(STAFF_CHAT).next_output()
    assert logged[1] in staff_note.plain_text, "staff get the same error id as the log, and no patient detail"
    assert "what now" not in staff_note.plain_text
    assert record.exc_info is not None
    assert isinstance(record.exc_info[1], BadRequest)
    fail_on_logged_errors.records.clear()
    await user.send("/help")
    assert (await user.next_output()).text == en.text("help"), "the bot carries on"
