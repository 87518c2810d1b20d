"""The bot as a user launches it: `python -m bot` in a subprocess, against the fake Bot API server."""

import asyncio
import os
import re
import shutil
import signal
import sys
from collections.abc import AsyncIterator, Mapping
from pathlib import Path

import pytest

from bot.config import DEFAULT_CONTENT_DIR, DEFAULT_TRIAGE_RULES
from bot.content.packs import Content, LanguagePack
from bot.domain.checkin import Question
from bot.local_api import LocalTelegram
from bot.storage import Database
from tests.broadcast_steps import STAFF, broadcast_id_of, choose_audience, compose_text, wait_for_report
from tests.checkin_steps import answer_all, with_answers
from tests.conftest import TEST_ENV, TEST_TOKEN
from tests.journeys import onboard_typing_the_date
from tests.languages import english_in

STAFF_CHAT = int(TEST_ENV["STAFF_CHAT_ID"])
_OUR_VARIABLES = {
    *TEST_ENV,
    "TELEGRAM_API_URL",
    "DATABASE_PATH",
    "LOG_LEVEL",
    "CLINIC_TIMEZONE",
    "CONTENT_DIR",
    "TRIAGE_RULES",
}


class BotProcess:
    """A running `python -m bot`, its stderr collected as it is written."""

    def __init__(self, process: asyncio.subprocess.Process) -> None:
        self.process = process
        self.stderr = b""
        self._reader = asyncio.create_task(self._collect())

    async def _collect(self) -> None:
        """Read stderr until the process closes it, so a chatty log never blocks the bot."""
        assert self.process.stderr is not None
        while chunk := await self.process.stderr.read(65536):
            self.stderr += chunk

    async def stop(self, sig: signal.Signals = signal.SIGTERM) -> int:
        """Send a stop signal and return the exit status."""
        if self.process.returncode is None:
            self.process.send_signal(sig)
        status = await asyncio.wait_for(self.process.wait(), timeout=20)
        await self._reader
        return status


async def launch(cwd: Path, env: Mapping[str, str]) -> BotProcess:
    """Start `python -m bot` in cwd with only our variables set on top of a clean environment."""
    clean = {key: value for key, value in os.environ.items() if key not in _OUR_VARIABLES}
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        cwd=cwd,
        env={**clean, **env},
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )
    return BotProcess(process)


@pytest.fixture
async def bot_process(tmp_path: Path, fake_telegram: LocalTelegram) -> AsyncIterator[BotProcess]:
    """`python -m bot` at DEBUG, polling the fake server, with its database in tmp_path."""
    env = {
        **TEST_ENV,
        "TELEGRAM_API_URL": fake_telegram.url,
        "DATABASE_PATH": str(tmp_path / "bot.sqlite3"),
        "LOG_LEVEL": "DEBUG",
    }
    fake_telegram.group(STAFF_CHAT, "Clinic staff")
    running = await launch(tmp_path, env)
    try:
        await fake_telegram.wait_polling(timeout=30)
        yield running
    finally:
        await running.stop(signal.SIGKILL)


async def test_a_patient_onboards_and_checks_in_with_the_bot_as_launched(
    bot_process: BotProcess, fake_telegram: LocalTelegram, content: Content, en: LanguagePack, tmp_path: Path
) -> None:
    """Menus in each language; a patient onboards, reports pus, the clinic is alerted; SIGTERM exits 0; clean logs."""
    assert [command["command"] for command in fake_telegram.commands] == list(en.command_descriptions())
    french = fake_telegram.user(4002, "Camille", language_code="fr")
    shown = {
        command["command"]: command["description"] for command in fake_telegram.commands_for(french.chat_id, 4002, "fr")
    }
    assert shown == content.pack("fr").command_descriptions(), "a French phone shows the French menu"
    user = fake_telegram.user(4001, "Robin", username="robin_q")
    assert "21" in (await onboard_typing_the_date(user, en, "Nov 21")).plain_text
    await user.send("/checkin")
    await user.next_output()
    reply = await answer_all(user, en, with_answers(pus="yes"))
    assert reply.text.startswith(en.text("triage.same_day.title"))
    assert (await user.next_output()).text == en.text("triage.clinic_notified")
    alert = await fake_telegram.group(STAFF_CHAT).next_output()
    assert "@robin_q" in alert.plain_text

    assert await bot_process.stop(signal.SIGTERM) == 0
    logs = bot_process.stderr.decode()
    assert "bot ready" in logs
    assert "database closed" in logs
    for secret in (TEST_TOKEN, TEST_TOKEN.split(":")[1], "Nov 21", "Robin", "robin_q", "pus"):
        assert secret not in logs, f"{secret!r} reached the log"
    assert "Traceback" not in logs
    async with await Database.open(tmp_path / "bot.sqlite3") as database:
        patient = await database.patients.get(4001)
        [checkin] = await database.checkins.history(4001)
    assert patient is not None
    assert patient.treatment_date is not None
    assert patient.treatment_date.isoformat().endswith("-11-21")
    assert checkin.answers.get(Question.PUS) == "yes"


async def test_a_french_speaking_patient_is_answered_in_french_by_the_bot_as_launched(
    bot_process: BotProcess, fake_telegram: LocalTelegram, content: Content, en: LanguagePack
) -> None:
    """From language_code fr-CA: French throughout, a date typed "21 nov", the alert naming French; a clean log."""
    fr = content.pack("fr")
    user = fake_telegram.user(4002, "Élise", username="elise_q", language_code="fr-CA")
    assert "21" in (await onboard_typing_the_date(user, fr, "21 nov")).plain_text
    await user.send("/checkin")
    await user.next_output()
    reply = await answer_all(user, fr, with_answers(pus="yes"))
    assert reply.text.startswith(fr.text("triage.same_day.title"))
    assert (await user.next_output()).text == fr.text("triage.clinic_notified")
    alert = await fake_telegram.group(STAFF_CHAT).next_output()
    assert "@elise_q" in alert.plain_text
    assert fr.label("language") in alert.plain_text
    assert english_in([message.text for message in user.messages()], en) == []
    assert await bot_process.stop(signal.SIGTERM) == 0
    logs = bot_process.stderr.decode()
    for secret in ("21 nov", "Élise", "elise_q", "pus"):
        assert secret not in logs, f"{secret!r} reached the log"
    assert "Traceback" not in logs


async def test_typed_warnings_with_the_bot_as_launched_reach_the_clinic_and_never_the_log(
    bot_process: BotProcess, fake_telegram: LocalTelegram, en: LanguagePack
) -> None:
    """Typed in French, swollen lips and a fever: 911 at once, the clinic alerted with the words; none in the log."""
    user = fake_telegram.user(4003, "Camille", username="camille_b")
    await onboard_typing_the_date(user, en, "Nov 23")
    await user.send("mes lèvres sont très enflées et jai de la fievre 38,9")
    reply = await user.next_output()
    assert reply.text.startswith(en.text("triage.emergency.title"))
    assert (await user.next_output()).text == en.text("typed.clinic_notified")
    alert = await fake_telegram.group(STAFF_CHAT).next_output()
    assert "mes lèvres sont très enflées" in alert.plain_text
    await user.send("breathing is fine, just itchy")
    assert (await user.next_output()).text.startswith(en.text("typed.self_care", day_text="")[:20])

    assert await bot_process.stop(signal.SIGTERM) == 0
    logs = bot_process.stderr.decode()
    for secret in ("lèvres", "enfl", "fievre", "38,9", "itchy", "breathing", "Camille", "camille_b"):
        assert secret not in logs, f"{secret!r} reached the log"
    assert "Traceback" not in logs


async def test_sigint_also_stops_cleanly(bot_process: BotProcess) -> None:
    """Ctrl-C stops the bot with exit status 0 and the database closed."""
    assert await bot_process.stop(signal.SIGINT) == 0
    assert "database closed" in bot_process.stderr.decode()


@pytest.mark.parametrize(
    ("changes", "variable"),
    [
        ({"TELEGRAM_BOT_TOKEN": ""}, "TELEGRAM_BOT_TOKEN"),
        ({"TELEGRAM_BOT_TOKEN": "123:has spaces"}, "TELEGRAM_BOT_TOKEN"),
        ({"CLINIC_PHONE": ""}, "CLINIC_PHONE"),
        ({"CLINIC_TIMEZONE": "Nowhere/Land"}, "CLINIC_TIMEZONE"),
        ({"STAFF_USER_IDS": "one,two"}, "STAFF_USER_IDS"),
        ({"CONTENT_DIR": "/nonexistent/content"}, "/nonexistent/content"),
    ],
)
async def test_a_bad_setting_stops_the_bot_with_one_line(
    tmp_path: Path, changes: dict[str, str], variable: str
) -> None:
    """A missing or malformed value exits with status 2 and one line naming it, without a traceback."""
    env = {**TEST_ENV, "TELEGRAM_API_URL": "http://127.0.0.1:9", **changes}
    running = await launch(tmp_path, env)
    assert await asyncio.wait_for(running.process.wait(), timeout=30) == 2
    await running.stop()
    lines = running.stderr.decode().strip().splitlines()
    assert len(lines) == 1
    assert variable in lines[0]
    assert TEST_TOKEN.split(":")[1] not in lines[0]


async def test_a_database_from_a_newer_bot_stops_it_with_one_line(tmp_path: Path, fake_telegram: LocalTelegram) -> None:
    """A database the code cannot read is refused at start with status 2, one clear line, no traceback."""
    path = tmp_path / "bot.sqlite3"
    path.write_bytes(b"not a database at all" * 50)
    env = {**TEST_ENV, "TELEGRAM_API_URL": fake_telegram.url, "DATABASE_PATH": str(path)}
    running = await launch(tmp_path, env)
    assert await asyncio.wait_for(running.process.wait(), timeout=30) == 2
    await running.stop()
    last_line = running.stderr.decode().strip().splitlines()[-1]
    assert "cannot be read" in last_line
    assert "Traceback" not in running.stderr.decode()


async def test_the_env_file_is_read(tmp_path: Path, fake_telegram: LocalTelegram) -> None:
    """Settings in a .env file in the working folder are used when the environment does not set them."""
    lines = [f"{key}={value}" for key, value in {**TEST_ENV, "TELEGRAM_API_URL": fake_telegram.url}.items()]
    (tmp_path / ".env").write_text("\n".join(lines) + "\n", encoding="utf-8")
    running = await launch(tmp_path, {})
    await fake_telegram.wait_polling(timeout=30)
    assert await running.stop() == 0
    assert (tmp_path / "data" / "bot.sqlite3").exists()


async def test_a_broken_content_file_stops_the_bot_naming_file_and_key(tmp_path: Path) -> None:
    """A content file with a button to a missing screen stops start-up with one line naming the file and key."""
    content_dir = tmp_path / "content"
    shutil.copytree(DEFAULT_CONTENT_DIR, content_dir)
    screens = content_dir / "en" / "screens.toml"
    screens.write_text(screens.read_text(encoding="utf-8").replace('to = "why"', 'to = "whyy"'), encoding="utf-8")
    env = {**TEST_ENV, "TELEGRAM_API_URL": "http://127.0.0.1:9", "CONTENT_DIR": str(content_dir)}
    running = await launch(tmp_path, env)
    assert await asyncio.wait_for(running.process.wait(), timeout=30) == 2
    await running.stop()
    [line] = running.stderr.decode().strip().splitlines()
    assert "screens.toml" in line
    assert "whyy" in line


async def test_a_broken_triage_file_stops_the_bot_naming_file_and_key(tmp_path: Path) -> None:
    """A triage rules file with a bad threshold stops start-up with one line naming the file and the key."""
    rules = tmp_path / "triage.toml"
    shipped = DEFAULT_TRIAGE_RULES.read_text(encoding="utf-8")
    rules.write_text(re.sub(r"(?m)^severe_pain = \d+", "severe_pain = 11", shipped), encoding="utf-8")
    env = {**TEST_ENV, "TELEGRAM_API_URL": "http://127.0.0.1:9", "TRIAGE_RULES": str(rules)}
    running = await launch(tmp_path, env)
    assert await asyncio.wait_for(running.process.wait(), timeout=30) == 2
    await running.stop()
    [line] = running.stderr.decode().strip().splitlines()
    assert "triage.toml" in line
    assert "severe_pain" in line


async def test_the_clinic_side_as_launched_keeps_names_messages_and_symptoms_out_of_the_log(
    bot_process: BotProcess, fake_telegram: LocalTelegram, en: LanguagePack
) -> None:
    """An alert acknowledged, /patient, /export and a broadcast at DEBUG: the log holds ids and events only."""
    user = fake_telegram.user(4002, "Sasha", username="sasha_w")
    await onboard_typing_the_date(user, en, "Nov 22")
    await user.send("/checkin")
    await user.next_output()
    await answer_all(user, en, with_answers(pus="yes"))
    staff_chat = fake_telegram.group(STAFF_CHAT)
    await staff_chat.next_output()
    staff = fake_telegram.user(STAFF, "Dr Morgan", username="dr_morgan")
    await staff_chat.press(staff, en.label("acknowledge"))
    assert "acknowledged by Dr Morgan" in (await staff_chat.next_output()).plain_text
    await staff.send("/patient @sasha_w")
    assert "@sasha_w" in (await staff.next_output()).plain_text
    assert (await staff.next_output()).photo is not None, "the recovery chart"
    await staff.send("/export")
    assert (await staff.next_output()).text == en.text("report.export_choose")
    await staff.press(en.text("report.button.export_7"))
    checkins_file, _alerts_file = await staff.next_output(), await staff.next_output()
    assert checkins_file.document_name is not None
    await compose_text(staff, en, "Flu clinic on Friday, bring your card")
    _preview, confirm = await choose_audience(staff, en, "all")
    await staff.press(en.text("broadcast.button.send_now"))
    await wait_for_report(staff, en, broadcast_id_of(confirm))
    assert [shown.text for shown in user.messages()].count("Flu clinic on Friday, bring your card") == 1

    assert await bot_process.stop(signal.SIGTERM) == 0
    logs = bot_process.stderr.decode()
    for secret in (TEST_TOKEN.split(":")[1], "Sasha", "sasha_w", "Morgan", "dr_morgan", "Flu clinic", "pus"):
        assert secret not in logs, f"{secret!r} reached the log"
    assert "Traceback" not in logs
    assert "broadcast 1 finished" in logs, "the log still tells what happened, by id"
