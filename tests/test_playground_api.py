"""The playground as a user starts it, driven over its HTTP API as the page does (no browser).

`python -m bot playground` runs in a subprocess in a folder with no .env and no token in the environment, under an
audit hook that writes down every address it binds, connects to or looks up: all must be 127.0.0.1.
"""

import asyncio
import csv
import io
import os
import re
import signal
import sys
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any, TypeVar

import aiohttp
import pytest
from multidict import CIMultiDictProxy

from bot.content.packs import LanguagePack
from bot.local_api import BOT_USER, render
from tests.conftest import TEST_ENV
from tests.test_process import BotProcess

T = TypeVar("T")
State = dict[str, Any]
PATIENT, STAFF, STAFF_CHAT = 1001, 900, -100900
READY = re.compile(r"http://127\.0\.0\.1:\d+")
# Runs `python -m bot ARGS...` with an audit hook that appends each socket address used to the file AUDIT_FILE.
AUDITED = """
import runpy, sys
log = open(sys.argv[1], "a", buffering=1)
def audit(event, args):
    if event in ("socket.bind", "socket.connect") and isinstance(args[1], tuple):
        log.write(f"{event} {args[1][0]}\\n")
    elif event == "socket.getaddrinfo":
        log.write(f"{event} {args[0]}\\n")
sys.addaudithook(audit)
sys.argv = ["bot", *sys.argv[2:]]
runpy.run_module("bot", run_name="__main__", alter_sys=True)
"""
# A check-in that reports pus, by question; the others are answered as on a normal day.
PUS_DAY = {"pus": "yes", "pain": "3", "redness": "mild", "redness_trend": "better", "swelling": "none"}
PUS_DAY |= {"pimples": "few", "spreading": "no", "fever": "no", "photo": "skipped", "note": "skipped"}


async def launch(cwd: Path, *args: str, audit: Path | None = None) -> BotProcess:
    """Start `python -m bot ARGS` in cwd without any of the bot's variables (so no token), audited if asked."""
    env = {
        key: value for key, value in os.environ.items() if key not in {*TEST_ENV, "TELEGRAM_API_URL", "DATABASE_PATH"}
    }
    command = ["-c", AUDITED, str(audit), *args] if audit is not None else ["-m", "bot", *args]
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        *command,
        cwd=cwd,
        env=env,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )
    return BotProcess(process)


async def ready_line(running: BotProcess, timeout: float = 30.0) -> str:  # noqa: ASYNC109
    """Wait for the playground's one line on stderr and return it."""
    async with asyncio.timeout(timeout):
        while not READY.search(running.stderr.decode()):
            if running.process.returncode is not None:
                raise AssertionError(f"the playground stopped: {running.stderr.decode()}")
            await asyncio.sleep(0.05)
    return running.stderr.decode().strip()


class Page:
    """What the page does: JSON calls to the playground's API, and waiting on the state's long poll."""

    def __init__(self, session: aiohttp.ClientSession, url: str) -> None:
        self.session, self.url = session, url
        self.state: State = {}  # as the long poll last answered

    async def get(self, path: str) -> tuple[int, bytes, CIMultiDictProxy[str]]:
        """GET a path; return the status, body and headers."""
        async with self.session.get(self.url + path) as response:
            return response.status, await response.read(), response.headers

    async def post(self, path: str, body: dict[str, Any], status: int = 200) -> Any:
        """POST JSON to the API and return the JSON answer, checking the status."""
        async with self.session.post(self.url + path, json=body) as response:
            answer = await response.json()
            assert response.status == status, answer
            return answer

    async def until(self, probe: Callable[[State], T | None], timeout: float = 20.0) -> T:  # noqa: ASYNC109
        """Follow the state's long poll until probe(state) is not None (the state seen last first), and return that."""
        try:
            async with asyncio.timeout(timeout):
                while (found := probe(self.state) if self.state else None) is None:
                    query = f"?after={self.state['version']}" if self.state else ""
                    async with self.session.get(f"{self.url}/api/state{query}") as response:
                        self.state = await response.json()
                return found
        except TimeoutError:
            chats = {
                chat: [(m["from"], m["text"][:60], m["buttons"]) for m in shown["messages"][-3:]]
                for chat, shown in self.state.get("chats", {}).items()
            }
            raise AssertionError(f"not seen within {timeout}s; the chats end with {chats}") from None

    async def fresh(self) -> State:
        """Return the state as it is now."""
        async with self.session.get(f"{self.url}/api/state") as response:
            self.state = await response.json()
        return self.state

    async def press(self, chat_id: int, user_id: int, wanted: Callable[[str], bool]) -> dict[str, Any]:
        """Press, as a user, the wanted button on the newest bot message offering one; return the answer (toast)."""

        def offered(state: State) -> tuple[int, str] | None:
            for message in reversed(bot_messages(state, chat_id)):
                for data in [button["data"] for row in message["buttons"] for button in row if button["data"]]:
                    if wanted(data):
                        return message["id"], data
            return None

        message_id, data = await self.until(offered)
        body = {"chat_id": chat_id, "user_id": user_id, "message_id": message_id, "data": data}
        return dict(await self.post("/api/press", body))

    async def send(self, chat_id: int, user_id: int, text: str) -> int:
        """Type a message as a user; return its message_id."""
        return int((await self.post("/api/send", {"chat_id": chat_id, "user_id": user_id, "text": text}))["message_id"])


def bot_messages(state: State, chat_id: int, after: int = 0) -> list[dict[str, Any]]:
    """Return the bot's messages in a chat of the state, after a message id."""
    shown = state["chats"].get(str(chat_id), {"messages": []})["messages"]
    return [message for message in shown if message["from"] == "bot" and message["id"] > after]


def newest_with(text: str, chat_id: int, after: int = 0) -> Callable[[State], dict[str, Any] | None]:
    """Return a probe for the newest bot message in a chat, after a message id, whose text holds `text`."""
    return lambda state: next((m for m in reversed(bot_messages(state, chat_id, after)) if text in m["text"]), None)


@pytest.fixture
async def playground(tmp_path: Path) -> AsyncIterator[tuple[BotProcess, Page, Path]]:
    """The playground started as `python -m bot playground --port 0 --data DIR`, audited; the page's session on it."""
    audit = tmp_path / "sockets.txt"
    running = await launch(tmp_path, "playground", "--port", "0", "--data", str(tmp_path / "play"), audit=audit)
    try:
        url = READY.findall(await ready_line(running))[0]
        async with aiohttp.ClientSession() as session:
            yield running, Page(session, url), audit
    finally:
        await running.stop(signal.SIGKILL)


def question_asked(state: State) -> str | None:
    """Return the check-in question the patient's newest bot message asks (from its buttons' data), or None."""
    newest = bot_messages(state, PATIENT)[-1]
    data = [button["data"] or "" for row in newest["buttons"] for button in row]
    return next((match[1] for item in data if (match := re.fullmatch(r"k:([a-z_]+):[a-z0-9_.]+", item))), None)


async def onboard_and_report_pus(page: Page) -> None:
    """Create a patient, onboard them with buttons, and run a check-in that reports pus."""
    assert await page.post("/api/patients", {"name": "Alex", "language": "en"}) == {"user_id": PATIENT}
    await page.send(PATIENT, PATIENT, "/start")
    await page.press(PATIENT, PATIENT, lambda data: data.startswith("c:yes"))
    await page.press(PATIENT, PATIENT, lambda data: data == "d:1")
    await page.press(PATIENT, PATIENT, lambda data: data.startswith("o:risk:onboarding:no"))
    await page.send(PATIENT, PATIENT, "/checkin")
    answered: list[str | None] = [None]
    for _ in range(25):
        [question] = await page.until(
            lambda state: [asked] if (asked := question_asked(state)) != answered[0] else None
        )
        if question is None:
            return
        answer = f"k:{question}:{PUS_DAY.get(question, 'no')}"
        await page.press(PATIENT, PATIENT, answer.__eq__)
        answered[0] = question
    raise AssertionError("the check-in did not end")


@pytest.mark.http
async def test_the_journey_through_the_api_stays_on_127_0_0_1(
    playground: tuple[BotProcess, Page, Path], en: LanguagePack
) -> None:
    """Onboard, report pus, the alert acknowledged, chart and CSV served, a day's jump, reset and demo; local only."""
    running, page, audit = playground
    first = await page.fresh()
    assert (first["demo_offered"], first["patients"], first["staff"]["chat_id"]) == (True, [], STAFF_CHAT)
    assert "menu" in [command["command"] for command in first["chats"][str(STAFF)]["commands"]]
    await onboard_and_report_pus(page)
    told = en.text("triage.clinic_notified")
    await page.until(newest_with(render(told, "HTML")[0][:40], PATIENT))
    alert = await page.until(newest_with("Alex", STAFF_CHAT))
    assert [button["data"][:6] for button in alert["buttons"][0]] == ["s:ack:", "s:res:"]
    assert alert["sender"] == BOT_USER["first_name"], "the staff group shows the bot's name above its messages"
    await page.press(STAFF_CHAT, STAFF, lambda data: data.startswith("s:ack:"))
    acknowledged = render(en.text("triage.clinic_acknowledged"), "HTML")[0]
    await page.until(newest_with(acknowledged[:40], PATIENT))
    again = {"chat_id": STAFF_CHAT, "user_id": STAFF, "message_id": alert["id"], "data": alert["buttons"][0][0]["data"]}
    assert await page.post("/api/press", again) == {"toast": en.text("staff.already"), "show_alert": False}
    state = await page.fresh()
    assert state["clock"]["day_of_recovery"] == {str(PATIENT): 1}
    [start] = [m for m in state["chats"][str(PATIENT)]["messages"] if m["from"] == "user" and m["text"] == "/start"]
    assert (start["sender"], start["entities"][0]["type"]) == ("Alex", "bot_command")

    await page.send(PATIENT, PATIENT, "/history")
    chart = await page.until(
        lambda state: next((m for m in bot_messages(state, PATIENT) if m["kind"] == "photo"), None)
    )
    status, body, headers = await page.get(chart["file_url"])
    assert (status, headers["Content-Type"], body[:8]) == (200, "image/png", b"\x89PNG\r\n\x1a\n")

    await page.send(STAFF, STAFF, "/export")
    await page.press(STAFF, STAFF, lambda data: data == "xp:7")
    exported = await page.until(
        lambda state: next((m for m in bot_messages(state, STAFF) if m["kind"] == "document"), None)
    )
    assert exported["file_name"].startswith("checkins_")
    status, body, headers = await page.get(exported["file_url"])
    assert status == 200
    assert f'filename="{exported["file_name"]}"' in headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"))))
    assert [(row["patient_id"], row["pus"]) for row in rows] == [(str(PATIENT), "yes")]

    last = bot_messages(await page.fresh(), PATIENT)[-1]["id"]
    clock = await page.post("/api/clock", {"to": "tomorrow_0959"})
    assert clock["label"].endswith("09:59")
    assert clock["day_of_recovery"] == {str(PATIENT): 2}
    reminder = render(en.text("reminders.daily", day=2), "HTML")[0]
    assert newest_with(reminder, PATIENT, last)(await page.fresh()) is None
    await page.post("/api/clock", {"to": "plus_hour"})
    await page.until(newest_with(reminder, PATIENT, last))
    past = await page.post("/api/clock", {"to": "recovery_day", "user_id": PATIENT, "day": 1}, status=400)
    assert "past" in past["error"]

    emptied = await page.post("/api/reset", {})
    assert (emptied["demo_offered"], emptied["patients"], emptied["clock"]["day_of_recovery"]) == (True, [], {})
    assert all(chat["messages"] == [] for chat in emptied["chats"].values())
    seeded = await page.post("/api/demo", {})
    assert seeded["demo_offered"] is False
    assert len(seeded["clock"]["day_of_recovery"]) == len(seeded["patients"]) >= 3
    open_alerts = [m for m in bot_messages(seeded, STAFF_CHAT) if any(b["data"] for row in m["buttons"] for b in row)]
    assert len(open_alerts) == 1
    await page.post("/api/demo", {}, status=409)

    assert await running.stop(signal.SIGTERM) == 0
    used = audit.read_text(encoding="utf-8").split("\n")
    assert any(line.startswith("socket.bind") for line in used)
    assert any(line.startswith("socket.connect") for line in used)
    assert [line for line in used if line and not line.endswith(" 127.0.0.1")] == []
    assert "Traceback" not in running.stderr.decode()


async def test_the_api_refuses_what_it_cannot_do_with_a_short_sentence(
    playground: tuple[BotProcess, Page, Path],
) -> None:
    """Unknown patients, bad bodies, a jump backwards and missing files get 400/404 with an error, never a traceback."""
    _running, page, _audit = playground
    assert "error" in await page.post("/api/send", {"chat_id": 4242, "user_id": 4242, "text": "hi"}, status=404)
    assert "error" in await page.post("/api/send", {"chat_id": PATIENT, "text": "hi"}, status=400)
    assert "error" in await page.post("/api/patients", {"name": "Sam", "language": "de"}, status=400)
    assert "error" in await page.post("/api/clock", {"to": "yesterday"}, status=400)
    assert "error" in await page.post("/api/clock", {"to": "recovery_day", "user_id": PATIENT, "day": 3}, status=404)
    await page.post("/api/patients", {"name": "Sam", "language": "fr"})
    assert "error" in await page.post("/api/send", {"chat_id": PATIENT, "user_id": STAFF, "text": "hi"}, status=400)
    photo = await page.post("/api/photo", {"chat_id": PATIENT, "user_id": PATIENT, "caption": "day 0"})
    shown = await page.until(lambda state: next(iter(state["chats"][str(PATIENT)]["messages"]), None))
    assert (shown["id"], shown["kind"], shown["text"]) == (photo["message_id"], "photo", "day 0")
    status, body, headers = await page.get(shown["file_url"])
    assert (status, headers["Content-Type"], body[:4]) == (200, "image/png", b"\x89PNG")
    status, body, _headers = await page.get("/api/files/nothing-here")
    assert (status, b"error" in body) == (404, True)
    status, body, _headers = await page.get("/static/..%2Fweb.py")
    assert status == 404


async def test_with_no_token_configured_plain_python_m_bot_starts_the_playground(tmp_path: Path) -> None:
    """No .env and no TELEGRAM_BOT_TOKEN: `python -m bot` starts the playground and says so, and how to go live."""
    running = await launch(tmp_path)
    try:
        [line] = (await ready_line(running)).splitlines()
    finally:
        assert await running.stop(signal.SIGTERM) == 0
    assert "playground" in line
    assert ".env.example" in line
    assert "@BotFather" in line
    assert (tmp_path / "data" / "playground" / "bot.sqlite3").exists(), "its own database, not DATABASE_PATH's"


@pytest.mark.parametrize(
    ("env_file", "args", "named"),
    [
        ("TELEGRAM_BOT_TOKEN=not a token\n", [], "TELEGRAM_BOT_TOKEN"),
        ("", ["playground", "--port", "0", "--data", "data"], "DATABASE_PATH"),
    ],
)
async def test_a_broken_setting_still_stops_with_its_line(
    tmp_path: Path, env_file: str, args: list[str], named: str
) -> None:
    """A bad token in .env stops the bot, and a playground on DATABASE_PATH's file is refused: one line, status 2."""
    (tmp_path / ".env").write_text(env_file, encoding="utf-8")
    running = await launch(tmp_path, *args)
    assert await asyncio.wait_for(running.process.wait(), timeout=30) == 2
    await running.stop()
    [line] = running.stderr.decode().strip().splitlines()
    assert named in line
