"""The playground in a real browser: Playwright drives Debian's chromium through the issue's journey.

`python -m bot playground` runs as a subprocess on its own data folder; the page is used as a person would
(buttons, the menu, the message box, the time controls). The journey also writes the README's screenshot,
bot/playground/static/screenshot.png, so it never goes stale.
"""

import csv
import os
import queue
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Locator, Page, expect, sync_playwright

from bot.content.keys import as_key
from bot.content.packs import LanguagePack
from bot.local_api.html import parse_html
from bot.reports.export import CHECKIN_COLUMNS
from tests.checkin_steps import label_for, with_answers

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOT = Path(__file__).resolve().parent.parent / "bot" / "playground" / "static" / "screenshot.png"
READY = re.compile(r"playground ready at (http://127\.0\.0\.1:\d+)")
STARTUP_SECONDS = 30
STOP_SECONDS = 15  # it stops in about 2 s, answering a page's waiting long-poll at once
WAIT_MS = 15_000  # how long an expectation waits for the page: the bot answers in well under a second

expect.set_options(timeout=WAIT_MS)


def chromium_or_skip() -> Path:
    """Return Debian's chromium; skip without it, except under CI=true, where its absence fails the test."""
    if CHROMIUM.exists():
        return CHROMIUM
    if os.environ.get("CI") == "true":
        pytest.fail(f"{CHROMIUM} is missing: CI must install it (.ci/run does: apt-get install chromium)")
    pytest.skip("the browser tests need Debian's chromium: apt-get install chromium")


class Playground:
    """`python -m bot playground` as a subprocess, with the address its ready line gives."""

    def __init__(self, data: Path) -> None:
        env = {name: value for name, value in os.environ.items() if name != "TELEGRAM_BOT_TOKEN"}
        self.process = subprocess.Popen(
            [sys.executable, "-m", "bot", "playground", "--port", "0", "--data", str(data)],
            cwd=data,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.lines: queue.Queue[str] = queue.Queue()
        self.log: list[str] = []
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()
        self.url = self._wait_until_ready()

    def _read(self) -> None:
        """Pass on every line the playground writes to stderr, so the pipe never fills."""
        assert self.process.stderr is not None
        for line in self.process.stderr:
            self.lines.put(line)

    def _wait_until_ready(self) -> str:
        """Return the URL from the ready line, failing with what it wrote if it ends or takes too long first."""
        deadline = time.monotonic() + STARTUP_SECONDS
        while time.monotonic() < deadline and self.process.poll() is None:
            try:
                line = self.lines.get(timeout=0.2)
            except queue.Empty:
                continue
            self.log.append(line)
            if found := READY.search(line):
                return found[1]
        self.stop()
        pytest.fail("the playground wrote no ready line:\n" + "".join(self.log))

    def stop(self) -> int:
        """Stop the playground as Ctrl-C would, wait for it to end, and return its exit status."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout=STOP_SECONDS)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.reader.join(timeout=5)
        while not self.lines.empty():
            self.log.append(self.lines.get())
        assert self.process.stderr is not None
        self.process.stderr.close()
        return self.process.returncode


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Debian's chromium, headless, driven by Playwright."""
    executable = chromium_or_skip()
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=executable, headless=True, args=CHROMIUM_FLAGS)
        yield launched
        launched.close()


@pytest.fixture
def playground(tmp_path: Path) -> Iterator[Playground]:
    """The playground on a fresh data folder, on a free port of 127.0.0.1."""
    running = Playground(tmp_path)
    yield running
    assert running.stop() == 0, "the playground did not stop cleanly:\n" + "".join(running.log)


@contextmanager
def open_page(browser: Browser, playground: Playground, width: int, height: int) -> Iterator[Page]:
    """Open the playground at a fixed window size; fail if its script raised; close it (and its long-poll) after."""
    page = browser.new_page(viewport={"width": width, "height": height}, accept_downloads=True, reduced_motion="reduce")
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(playground.url)
    try:
        yield page
    finally:
        page.close()
    assert errors == [], "the page's script raised"


def plain(html_text: str) -> str:
    """Return the first line of a message as the page shows it: Telegram HTML's tags gone, entities decoded."""
    return parse_html(html_text)[0].strip().splitlines()[0]


def new_patient(page: Page, name: str) -> None:
    """Create an English-speaking patient from the page, which then sends /start for them."""
    page.get_by_role("button", name="New patient").click()
    page.get_by_label("Name").fill(name)
    page.get_by_label("Language").select_option("en")
    page.get_by_role("button", name="Create and send /start").click()


def tap(chat: Locator, label: str) -> None:
    """Tap the inline button with this label on the newest message that has one."""
    chat.locator(".message:has(.keyboard)").last.get_by_role("button", name=label, exact=True).click()


def onboard(patient: Locator, en: LanguagePack) -> None:
    """Accept, choose today as the treatment date and answer no to the health question, all with buttons."""
    expect(patient).to_contain_text(plain(en.text("consent")))
    tap(patient, en.label("consent_accept"))
    expect(patient).to_contain_text(plain(en.text("ask_treatment_date")))
    tap(patient, en.text(as_key("button.date_today")))
    expect(patient).to_contain_text(plain(en.text("settings.risk_question")))
    tap(patient, en.text(as_key("button.no")))
    expect(patient).to_contain_text(plain(en.text("settings.risk_saved")))


def check_in_reporting_pus(page: Page, patient: Locator, en: LanguagePack) -> None:
    """Start a check-in from the command menu and tap through it, answering yes to pus."""
    patient.get_by_role("button", name="Menu").click()
    patient.locator(".menu-list .command-name").get_by_text("/checkin", exact=True).click()
    for question, value in with_answers(pus="yes"):
        keyed = patient.locator(".message:has(.keyboard)").last
        expect(keyed).to_contain_text(plain(en.text(as_key(f"questions.{question}"))))
        before = keyed.inner_text()
        keyed.get_by_role("button", name=label_for(en, question, value), exact=True).click()
        if question != "note":
            expect(patient.locator(".message:has(.keyboard)").last).not_to_have_text(before)
    expect(patient).to_contain_text(plain(en.text("triage.same_day.title")))


def test_the_issue_journey_in_a_browser(browser: Browser, playground: Playground, en: LanguagePack) -> None:
    """Onboard, report pus, acknowledge the alert, see /history's chart, download /export, get tomorrow's reminder."""
    with open_page(browser, playground, 1280, 800) as page:
        expect(page.get_by_role("button", name="Load the demo")).to_be_visible()
        patient = page.locator("#patient-chat")
        staff_group = page.locator("#group-chat")
        doctor = page.locator("#doctor-chat")

        new_patient(page, "Alex")
        onboard(patient, en)
        check_in_reporting_pus(page, patient, en)
        alert = staff_group.locator(".message").filter(has_text=plain(en.text("staff.reason.pus")))
        expect(alert).to_be_visible()
        expect(patient).to_contain_text(plain(en.text("triage.clinic_notified")))
        advice = patient.locator(".message").filter(has_text=plain(en.text("triage.same_day.title")))
        advice.evaluate("message => message.scrollIntoView({block: 'start'})")
        page.screenshot(path=SCREENSHOT)

        alert.get_by_role("button", name=en.label("acknowledge"), exact=True).click()
        expect(staff_group).to_contain_text("acknowledged by Dr Lee")
        expect(patient).to_contain_text(plain(en.text("triage.clinic_acknowledged")))

        patient.get_by_label("Message").fill("/history")
        patient.get_by_label("Message").press("Enter")
        chart = patient.locator(".message.from-bot img.photo").last
        expect(chart).to_be_visible()
        page.wait_for_function("image => image.complete && image.naturalWidth > 0", arg=chart.element_handle())

        page.get_by_role("tab", name=re.compile("Dr Lee")).click()
        doctor.get_by_label("Message").fill("/export")
        doctor.get_by_label("Message").press("Enter")
        tap(doctor, en.text(as_key("report.button.export_all")))
        with page.expect_download() as download:
            doctor.get_by_role("link", name=re.compile(r"^checkins_.*\.csv")).click()
        header = next(csv.reader(download.value.path().read_text(encoding="utf-8-sig").splitlines()))
        assert header == list(CHECKIN_COLUMNS)

        page.get_by_role("button", name="Tomorrow 09:59").click()
        expect(page.locator("#clock")).to_contain_text("09:59")
        page.get_by_role("button", name="+1 hour").click()
        expect(patient).to_contain_text(plain(en.text("reminders.daily", day=1)))


CONTRAST_FAILURES = """
() => {
  const rgba = (text) => (text.match(/[\\d.]+/g) || []).map(Number);
  const luminance = ([r, g, b]) => {
    const linear = (c) => (c /= 255) <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
    return 0.2126 * linear(r) + 0.7152 * linear(g) + 0.0722 * linear(b);
  };
  const background = (element) => {
    for (let at = element; at; at = at.parentElement) {
      const colour = rgba(getComputedStyle(at).backgroundColor);
      if (colour.length === 3 || colour[3] > 0) return colour;
    }
    return [255, 255, 255];
  };
  const failures = [];
  for (const element of document.querySelectorAll("body *")) {
    const own = [...element.childNodes].some((node) => node.nodeType === 3 && node.textContent.trim());
    if (!own || !element.checkVisibility() || element.closest(":disabled, .spoiler")) continue;
    const [a, b] = [luminance(rgba(getComputedStyle(element).color)), luminance(background(element))];
    const ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
    if (ratio < 4.5) failures.push(`${element.tagName}.${element.className}: ${ratio.toFixed(2)}`);
  }
  return failures;
}
"""
UNNAMED_CONTROLS = """
() => [...document.querySelectorAll("button, input, select, a[href]")]
  .filter((control) => control.checkVisibility())
  .filter((control) => !(control.textContent.trim() || control.getAttribute("aria-label") || control.title
    || (control.labels && control.labels.length)))
  .map((control) => control.outerHTML.slice(0, 80))
"""


def test_the_page_at_phone_width_by_keyboard_with_readable_contrast(
    browser: Browser, playground: Playground, en: LanguagePack
) -> None:
    """At 380 px the panes stack without sideways scrolling; the keyboard alone onboards a patient; text is 4.5:1."""
    with open_page(browser, playground, 380, 800) as page:
        new = page.get_by_role("button", name="New patient")
        for _ in range(30):  # Tab through the top bar to the patient picker's button
            page.keyboard.press("Tab")
            if new.evaluate("button => button === document.activeElement"):
                break
        expect(new).to_be_focused()
        assert new.evaluate("button => getComputedStyle(button).outlineStyle") != "none", "focus must be visible"
        page.keyboard.press("Enter")
        expect(page.get_by_label("Name")).to_be_focused()
        page.keyboard.type("Sam")
        page.keyboard.press("Enter")
        patient = page.locator("#patient-chat")
        accept = patient.get_by_role("button", name=en.label("consent_accept"), exact=True)
        accept.focus()
        page.keyboard.press("Enter")
        expect(patient).to_contain_text(plain(en.text("ask_treatment_date")))
        in_chat = "document.querySelector('#patient-chat').contains(document.activeElement)"
        assert page.evaluate(in_chat), "the focus stays in the chat when the pressed message changes"

        assert page.evaluate("document.documentElement.scrollWidth") <= 380
        patient_box = page.locator("#patient-pane").bounding_box()
        clinic_box = page.locator("#clinic-pane").bounding_box()
        assert patient_box is not None
        assert clinic_box is not None
        assert patient_box["y"] + patient_box["height"] <= clinic_box["y"], "the panes stack on a phone"
        assert page.evaluate(UNNAMED_CONTROLS) == []
        assert page.evaluate(CONTRAST_FAILURES) == []
