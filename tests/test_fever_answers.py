"""The fever question over HTTP: "hot or shivery, can't measure" counts as a fever, and a temperature in °F counts."""

from bot.config import Settings
from bot.content.packs import LanguagePack
from bot.local_api import LocalTelegram
from tests.checkin_steps import NORMAL_DAY, answer_all, label_for, start_checkin, with_answers
from tests.conftest import TEST_ENV, RunningBot
from tests.journeys import onboard
from tests.test_checkin import stored_answers

STAFF_CHAT = int(TEST_ENV["STAFF_CHAT_ID"])


async def test_hot_or_shivery_skips_the_temperature_and_is_a_same_day_fever(
    bot: RunningBot, fake_telegram: LocalTelegram, en: LanguagePack, settings: Settings
) -> None:
    """The button is offered; it goes straight to pus (no temperature asked); same day, with an alert."""
    user = fake_telegram.user(5301)
    await onboard(user, en, "date_2_days")
    await start_checkin(user, en, day=2)
    fever_question = await answer_all(user, en, list(NORMAL_DAY[:4]))
    assert label_for(en, "fever", "hot_unmeasured") in fever_question.button_labels()
    reply = await answer_all(user, en, with_answers(fever="hot_unmeasured")[4:])  # fever, then pus: no temperature
    assert reply.text.startswith(en.text("triage.same_day.title"))
    assert en.text("reasons.fever") in reply.text
    assert (await user.next_output()).text == en.text("triage.clinic_notified")
    alert = await fake_telegram.group(STAFF_CHAT).next_output()
    assert en.text("staff.reason.fever") in alert.plain_text
    answers = stored_answers(settings, 5301)
    assert answers["fever"] == "hot_unmeasured"
    assert "temperature" not in answers


async def test_a_temperature_typed_in_fahrenheit_counts(
    bot: RunningBot, fake_telegram: LocalTelegram, en: LanguagePack, settings: Settings
) -> None:
    """With spreading redness, a fever typed as 101.3 °F is stored as 38.5 °C and makes it an emergency at once."""
    user = fake_telegram.user(5302)
    await onboard(user, en)
    await start_checkin(user, en, day=0)
    steps = [("breathing", "no"), ("eyes", "no"), ("unwell", "no"), ("spreading", "slow"), ("fever", "yes")]
    await answer_all(user, en, steps)
    await user.send("101.3 °F")
    reply = await user.next_output()
    assert reply.text.startswith(en.text("triage.emergency.title"))
    assert en.text("reasons.fever_with_skin_sign") in reply.text
    assert stored_answers(settings, 5302)["temperature"] == "38.5"
