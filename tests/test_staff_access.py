"""Staff access over HTTP: invitations that work once and expire, /staff, admin-only actions, the fail-closed guard."""

import re
from datetime import timedelta

import pytest

from bot.content.packs import LanguagePack
from bot.local_api import LocalTelegram, LocalUser
from tests.checkin_steps import answer_all, start_checkin, with_answers
from tests.conftest import TEST_ENV, Clock, ErrorLog, RunningBot
from tests.journeys import onboard

ADMIN = 500  # STAFF_USER_IDS in the test settings
STAFF_CHAT = int(TEST_ENV["STAFF_CHAT_ID"])


def staff_commands_of(fake: LocalTelegram, user_id: int) -> list[str]:
    """Return the command names the bot published for one user's chat."""
    key = fake._commands_key({"scope": {"type": "chat", "chat_id": user_id}})
    return [command["command"] for command in fake._commands.get(key, [])]


async def make_invite(admin: LocalUser) -> str:
    """Have the admin send /invite and return the deep link's payload."""
    await admin.send("/invite")
    reply = await admin.next_output()
    match = re.search(r"\?start=(staff-[A-Za-z0-9_-]+)", reply.plain_text)
    assert match, reply.plain_text
    assert len(match[1]) <= 64, "a deep-link payload is at most 64 characters"
    return match[1]


async def raise_alert(fake: LocalTelegram, en: LanguagePack, user_id: int) -> None:
    """Have a new patient report pus, so that an alert with staff buttons is in the staff chat."""
    patient = fake.user(user_id)
    await onboard(patient, en)
    await start_checkin(patient, en, day=0)
    await answer_all(patient, en, with_answers(pus="yes"))
    await patient.next_output()


async def test_admins_get_the_staff_commands_in_their_menu(bot: RunningBot, fake_telegram: LocalTelegram) -> None:
    """At start the admins' chats show the staff commands after the patients' ones; everyone else's do not."""
    commands = staff_commands_of(fake_telegram, ADMIN)
    assert commands[:3] == ["start", "menu", "help"]
    assert {"alerts", "patient", "stats", "export", "broadcast", "invite", "staff"} <= set(commands)
    assert staff_commands_of(fake_telegram, 1234) == []
    assert "alerts" not in [command["command"] for command in fake_telegram.commands]


async def test_an_invitation_works_once_and_makes_staff(
    bot: RunningBot, fake_telegram: LocalTelegram, en: LanguagePack
) -> None:
    """The invited person becomes staff (commands shown, alerts usable, no patient record); the link then fails."""
    payload = await make_invite(fake_telegram.user(ADMIN, "Admin"))
    nurse = fake_telegram.user(600, "Nurse Kim")
    await nurse.send(f"/start {payload}")
    assert (await nurse.next_output()).text == en.text("staff.invite_welcome")
    assert "alerts" in staff_commands_of(fake_telegram, 600)
    assert await bot.stored_patient(600) is None
    await raise_alert(fake_telegram, en, 9001)
    staff_chat = fake_telegram.group(STAFF_CHAT)
    await staff_chat.next_output()
    await staff_chat.press(nurse, en.label("acknowledge"))
    assert "Nurse Kim" in (await staff_chat.next_output()).plain_text

    other = fake_telegram.user(601, "Mallory")
    await other.send(f"/start {payload}")
    assert (await other.next_output()).text == en.text("staff.invite_invalid")
    assert staff_commands_of(fake_telegram, 601) == []


async def test_an_invitation_expires(
    bot: RunningBot, fake_telegram: LocalTelegram, en: LanguagePack, clock: Clock
) -> None:
    """A link used more than 24 hours after it was made is refused."""
    payload = await make_invite(fake_telegram.user(ADMIN))
    clock.now += timedelta(hours=24, minutes=1)
    late = fake_telegram.user(602)
    await late.send(f"/start {payload}")
    assert (await late.next_output()).text == en.text("staff.invite_invalid")


@pytest.mark.parametrize("payload", ["staff-", "staff-nope", "staff-" + "A" * 58])
async def test_a_made_up_invitation_is_refused(
    bot: RunningBot, fake_telegram: LocalTelegram, en: LanguagePack, payload: str
) -> None:
    """Guessed or malformed invitation payloads add nobody."""
    guesser = fake_telegram.user(603)
    await guesser.send(f"/start {payload}")
    assert (await guesser.next_output()).text == en.text("staff.invite_invalid")
    assert staff_commands_of(fake_telegram, 603) == []


async def test_admins_list_and_remove_staff(bot: RunningBot, fake_telegram: LocalTelegram, en: LanguagePack) -> None:
    """/staff lists the invited staff with a remove button; removal takes away their rights and their commands."""
    admin = fake_telegram.user(ADMIN)
    payload = await make_invite(admin)
    nurse = fake_telegram.user(604, "Nurse Ray")
    await nurse.send(f"/start {payload}")
    await nurse.next_output()
    await admin.send("/staff")
    listing = await admin.next_output()
    assert "604" in listing.plain_text
    await admin.press(en.text("button.remove_staff", user_id=604))
    assert en.text("staff.removed", user_id=604) in (await admin.next_output()).plain_text
    assert staff_commands_of(fake_telegram, 604) == []
    await nurse.send("/alerts")
    assert (await nurse.next_output()).text == en.text("unknown_command")


async def test_staff_who_are_not_admins_cannot_invite(
    bot: RunningBot, fake_telegram: LocalTelegram, en: LanguagePack
) -> None:
    """Invited staff are told /invite and /staff are for admins; patients are told the command is unknown."""
    payload = await make_invite(fake_telegram.user(ADMIN))
    nurse = fake_telegram.user(605)
    await nurse.send(f"/start {payload}")
    await nurse.next_output()
    for command in ("/invite", "/staff"):
        await nurse.send(command)
        assert (await nurse.next_output()).text == en.text("staff.admins_only")
    patient = fake_telegram.user(606)
    await patient.send("/invite")
    assert (await patient.next_output()).text == en.text("unknown_command")


@pytest.mark.parametrize("forged", ["sm:rm:500", "s:ack:1", "s:res:1"])
async def test_forged_staff_buttons_are_refused(
    bot: RunningBot, fake_telegram: LocalTelegram, en: LanguagePack, forged: str
) -> None:
    """A patient pressing made-up staff button data in their own chat is refused and nothing changes."""
    await raise_alert(fake_telegram, en, 9002)
    patient = fake_telegram.user(9002)
    await patient.press_data(forged, 1)
    await patient.expect_no_output()
    assert patient.callback_answers()[-1].get("text") == en.text("staff.not_staff")
    staff_chat = fake_telegram.group(STAFF_CHAT)
    alert = await staff_chat.next_output()
    assert alert.button_labels() == [en.label("acknowledge"), en.label("resolve")]


async def test_the_staff_guard_fails_closed(
    bot: RunningBot, fake_telegram: LocalTelegram, en: LanguagePack, fail_on_logged_errors: ErrorLog
) -> None:
    """When the staff check itself fails, an invited staff member is refused rather than let through."""
    payload = await make_invite(fake_telegram.user(ADMIN))
    nurse = fake_telegram.user(607)
    await nurse.send(f"/start {payload}")
    await nurse.next_output()
    assert bot.built is not None

    async def broken(user_id: int) -> bool:
        """Fail the way a broken database would."""
        raise RuntimeError("database is locked")

    services = bot.built.jobs._services  # the running bot's own services, to break its staff check
    original = services.database.staff.is_member
    services.database.staff.is_member = broken  # type: ignore[method-assign]
    await raise_alert(fake_telegram, en, 9005)
    staff_chat = fake_telegram.group(STAFF_CHAT)
    await staff_chat.next_output()
    try:
        await staff_chat.press(nurse, en.label("acknowledge"))
        await staff_chat.expect_no_output()
        assert nurse.callback_answers()[-1].get("text") == en.text("staff.not_staff")
    finally:
        services.database.staff.is_member = original  # type: ignore[method-assign]
    messages = [record.getMessage() for record in fail_on_logged_errors.records]
    assert messages == ["the staff check failed; the action was refused"]
    fail_on_logged_errors.records.clear()


async def test_blocking_and_unblocking_the_bot_is_followed(
    bot: RunningBot, fake_telegram: LocalTelegram, en: LanguagePack
) -> None:
    """A my_chat_member update for a block marks the patient unreachable; an unblock marks them reachable."""
    user = fake_telegram.user(9003, username="Sam_T")
    await onboard(user, en)
    patient = await bot.stored_patient(9003)
    assert patient is not None
    assert patient.username == "sam_t", "the @handle is kept, lowercase, for staff lookups"
    for status, unreachable in (("kicked", True), ("member", False)):
        await fake_telegram.push_update(
            {
                "my_chat_member": {
                    "chat": {"id": 9003, "type": "private", "first_name": "Alex"},
                    "from": {"id": 9003, "is_bot": False, "first_name": "Alex"},
                    "date": 1,
                    "old_chat_member": {"status": "member", "user": {"id": 7000001, "is_bot": True, "first_name": "A"}},
                    "new_chat_member": {
                        "status": status,
                        **({"until_date": 0} if status == "kicked" else {}),
                        "user": {"id": 7000001, "is_bot": True, "first_name": "A"},
                    },
                }
            }
        )
        await bot.settle()  # nothing answers a membership change: wait until the bot has handled it
        patient = await bot.stored_patient(9003)
        assert patient is not None
        assert (patient.unreachable_since is not None) is unreachable
