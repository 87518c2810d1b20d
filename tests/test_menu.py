"""The breakout explainer over HTTP: every screen reached, left by Back, and personalised by day."""

from collections import deque
from datetime import timedelta

from bot.content.packs import LanguagePack
from bot.local_api import LocalTelegram
from bot.telegram.callbacks import menu as menu_data
from tests.conftest import TEST_CLINIC, Clock, RunningBot
from tests.journeys import onboard, press_answers_held


async def test_every_screen_is_reached_and_left_by_back(
    bot: RunningBot, fake_telegram: LocalTelegram, en: LanguagePack
) -> None:
    """Walking the whole menu by its buttons reaches every screen, edits one message, and Back returns each time."""
    user = fake_telegram.user(2001)
    menu = await onboard(user, en)
    seen = {"main"}
    queue = deque([("main", menu)])
    while queue:
        screen_id, shown = queue.popleft()
        for row in en.screens[screen_id].rows:
            for button in row:
                if button.is_action:
                    continue  # an action (the check-in) opens no screen
                await user.press(button.label, message=shown)
                child = await user.next_output()
                assert child.message_id == menu.message_id, "navigation edits the same message"
                assert child.button_labels()[-2:] == [en.label("back"), en.label("main_menu")]
                if button.target not in seen:
                    seen.add(button.target)
                    queue.append((button.target, child))
                await user.press(en.label("back"), message=child)
                back = await user.next_output()
                assert back.text.startswith(en.screens[screen_id].text.split("{", 1)[0])
                shown = back
    assert seen == set(en.screens)
    assert len(user.callback_answers()) == len(fake_telegram.calls_to("answerCallbackQuery"))


async def test_main_menu_button_returns_from_deep_screens(
    bot: RunningBot, fake_telegram: LocalTelegram, en: LanguagePack
) -> None:
    """Main menu on a second-level screen goes straight back to the main menu."""
    user = fake_telegram.user(2002)
    menu = await onboard(user, en)
    await user.press_data(menu_data("tell_cold_sore"), menu.message_id)
    deep = await user.next_output()
    assert en.screens["tell_cold_sore"].parent == "tell_apart"
    await user.press(en.label("main_menu"), message=deep)
    assert (await user.next_output()).text == en.screens["main"].text


async def test_what_is_normal_names_the_patients_day(
    bot: RunningBot, fake_telegram: LocalTelegram, en: LanguagePack, clock: Clock
) -> None:
    """The 'what is normal' screen shows the day since treatment, and moves on with the clinic's calendar."""
    user = fake_telegram.user(2003)
    menu = await onboard(user, en, "date_3_days")
    await user.press_data(menu_data("normal"), menu.message_id)
    normal = await user.next_output()
    assert normal.text == en.render_screen("normal", TEST_CLINIC, 3)
    clock.now += timedelta(days=5)
    await user.send("/menu")
    fresh = await user.next_output()
    await user.press_data(menu_data("normal"), fresh.message_id)
    assert (await user.next_output()).text == en.render_screen("normal", TEST_CLINIC, 8)


async def test_the_same_screen_twice_is_not_an_error(
    bot: RunningBot, fake_telegram: LocalTelegram, en: LanguagePack
) -> None:
    """Pressing a button that shows the screen already on display is answered, and nothing breaks."""
    user = fake_telegram.user(2004)
    menu = await onboard(user, en)
    await user.press_data(menu_data("main"), menu.message_id)
    await user.expect_no_output()
    assert user.callback_answers()[-1].get("text") in (None, "")


async def test_contact_and_help_show_the_clinics_details(
    bot: RunningBot, fake_telegram: LocalTelegram, en: LanguagePack
) -> None:
    """The contact and get-help screens carry the clinic's phone and hours, 911 and 811."""
    user = fake_telegram.user(2005)
    menu = await onboard(user, en)
    for screen_id in ("contact", "get_help"):
        await user.press_data(menu_data(screen_id), menu.message_id)
        shown = await user.next_output()
        assert "416-555-0199" in shown.plain_text
        assert "Mon-Fri 9:00-17:00" in shown.plain_text
    assert "911" in shown.plain_text
    assert "811" in shown.plain_text


async def test_the_screen_changes_while_the_press_is_still_being_answered(
    bot: RunningBot, fake_telegram: LocalTelegram, en: LanguagePack
) -> None:
    """A tap's new screen does not wait for the answer to the press (on Telegram, each is a round trip)."""
    user = fake_telegram.user(2010)
    menu = await onboard(user, en)
    answered = len(user.callback_answers())
    with press_answers_held(fake_telegram):
        await user.press_data(menu_data("normal"), menu.message_id)
        shown = await user.next_output()
        assert (shown.message_id, len(user.callback_answers())) == (menu.message_id, answered), "edited, answer held"
    await bot.settle()
    assert len(user.callback_answers()) == answered + 1
