"""`python -m bot backup PATH`: an online backup of the live database, taken while the bot runs, and restored."""

import asyncio
import os
import shutil
import signal
import sys
from pathlib import Path

import pytest

from bot.content.packs import LanguagePack
from bot.local_api import LocalTelegram
from bot.storage import Database
from tests.conftest import TEST_ENV, TEST_TOKEN
from tests.journeys import accept_consent, answer_health_question
from tests.test_process import _OUR_VARIABLES, BotProcess, launch


async def backup(cwd: Path, database: Path, *args: str) -> tuple[int, list[str], list[str]]:
    """Run `python -m bot backup ARGS` with only DATABASE_PATH set (no token): status, stdout, stderr."""
    clean = {key: value for key, value in os.environ.items() if key not in _OUR_VARIABLES}
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "backup",
        *args,
        cwd=cwd,
        env={**clean, "DATABASE_PATH": str(database)},
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), timeout=60)
    assert process.returncode is not None
    return process.returncode, out.decode().strip().splitlines(), err.decode().strip().splitlines()


async def _onboard(fake_telegram: LocalTelegram, en: LanguagePack) -> None:
    """Take a patient through consent, treatment date and the health question."""
    user = fake_telegram.user(4201, "Robin")
    await accept_consent(user, en)
    await user.send("Nov 21")
    await user.next_output()
    await answer_health_question(user, en)


async def test_a_backup_taken_while_the_bot_writes_is_valid_and_restores(
    tmp_path: Path, fake_telegram: LocalTelegram, en: LanguagePack
) -> None:
    """Backups during an onboarding all succeed; the last holds the patient, and a bot started on its copy runs."""
    live = tmp_path / "bot.sqlite3"
    env = {**TEST_ENV, "TELEGRAM_API_URL": fake_telegram.url, "DATABASE_PATH": str(live)}
    running: BotProcess = await launch(tmp_path, env)
    try:
        await fake_telegram.wait_polling(timeout=30)
        onboarding = asyncio.create_task(_onboard(fake_telegram, en))
        taken = 0
        while not onboarding.done() or taken == 0:
            status, _, err = await backup(tmp_path, live, str(tmp_path / f"during-{taken}.sqlite3"))
            assert (status, err) == (0, []), err
            taken += 1
        await onboarding
        status, [line], err = await backup(tmp_path, live, str(tmp_path / "after.sqlite3"))
        assert (status, err) == (0, [])
        assert str(tmp_path / "after.sqlite3") in line
        assert "schema version" in line
        assert await running.stop(signal.SIGTERM) == 0
    finally:
        await running.stop(signal.SIGKILL)

    for index in range(taken):
        async with await Database.open(tmp_path / f"during-{index}.sqlite3"):
            pass  # each one opens, passes the integrity checks and migrates
    restored = tmp_path / "restored" / "bot.sqlite3"
    restored.parent.mkdir()
    shutil.copyfile(tmp_path / "after.sqlite3", restored)
    since = len(fake_telegram.calls)
    again = await launch(tmp_path, {**env, "DATABASE_PATH": str(restored)})
    try:
        await fake_telegram.wait_for_call("getUpdates", since=since, timeout=30)  # started on the restored copy
        assert await again.stop(signal.SIGTERM) == 0
    finally:
        await again.stop(signal.SIGKILL)
    assert "database closed" in again.stderr.decode()
    async with await Database.open(restored) as database:
        patient = await database.patients.get(4201)
    assert patient is not None
    assert patient.treatment_date is not None
    assert patient.treatment_date.isoformat().endswith("-11-21")


@pytest.mark.parametrize(
    ("make_args", "expected"),
    [
        (lambda tmp: ["missing.sqlite3"], "no database"),
        (lambda tmp: [str(tmp / "live.sqlite3")], "live database itself"),
        (lambda tmp: [str(tmp / "not-a-folder.txt" / "copy.sqlite3")], "does not exist"),
        (lambda tmp: [str(tmp)], "is a folder"),
        (lambda tmp: [], "usage"),
    ],
    ids=["missing-database", "same-path", "unwritable", "folder", "no-path"],
)
async def test_a_backup_problem_exits_2_with_one_line(tmp_path: Path, make_args: object, expected: str) -> None:
    """A missing database, the live path itself, an unwritable path or no path: status 2 and one clear line."""
    live = tmp_path / "live.sqlite3"
    async with await Database.open(live):
        pass
    (tmp_path / "not-a-folder.txt").write_text("x", encoding="utf-8")
    assert callable(make_args)
    args: list[str] = make_args(tmp_path)
    database = tmp_path / "missing.sqlite3" if expected == "no database" else live
    status, out, err = await backup(tmp_path, database, *args)
    assert status == 2
    assert out == []
    [line] = err
    assert expected in line
    assert TEST_TOKEN not in line
