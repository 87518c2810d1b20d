"""What the bot shows: text and buttons built from the content pack, with no sending in here."""

from datetime import date

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.care.caller import Caller
from bot.care.services import Services
from bot.content.packs import Button, Content, LanguagePack
from bot.domain.clinic import ClinicInfo
from bot.domain.treatment_dates import MAX_DAYS_BACK, recent_days
from bot.telegram import callbacks

View = tuple[str, InlineKeyboardMarkup | None]
ButtonSpec = tuple[str, str]

MAIN_SCREEN = "main"
HELP_SCREEN = "get_help"
CALENDAR_PAGE_DAYS = 8
# Screens kept once built, by language, screen and day of recovery: far more than patients ever see in a run.
MAX_KEPT_SCREENS = 4096


def no_buttons(text: str) -> View:
    """Return a view that is only text."""
    markup: InlineKeyboardMarkup | None = None
    return text, markup


def keyboard(rows: list[list[ButtonSpec]]) -> InlineKeyboardMarkup:
    """Build an inline keyboard from rows of (label, callback data)."""
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(label, callback_data=data) for label, data in row] for row in rows if row]
    )


def screen(pack: LanguagePack, screen_id: str, clinic: ClinicInfo, day: int | None) -> View:
    """Show a menu screen with its own buttons, then Back and Main menu on every screen but the main one."""
    shown = pack.screens[screen_id]
    rows = [[(button.label, _button_data(button)) for button in row] for row in shown.rows]
    if shown.parent is not None:
        rows.append(
            [
                (pack.label("back"), callbacks.menu(shown.parent)),
                (pack.label("main_menu"), callbacks.menu(MAIN_SCREEN)),
            ]
        )
    return pack.render_screen(screen_id, clinic, day), keyboard(rows)


def _button_data(button: Button) -> str:
    """Return the callback data of a menu button: a screen to open, or an action to start."""
    return callbacks.action(button.target) if button.is_action else callbacks.menu(button.target)


def with_menu_buttons(text: str, pack: LanguagePack, *, offer_help: bool = False) -> View:
    """Show a message with a button to the menu, and to "When to get help" where the message is a worry."""
    rows = [[(pack.label("get_help"), callbacks.open_screen(HELP_SCREEN))]] if offer_help else []
    rows.append([(pack.label("open_menu"), callbacks.open_screen(MAIN_SCREEN))])
    return text, keyboard(rows)


def consent(pack: LanguagePack, content: Content) -> View:
    """Show the consent screen with Accept and Decline, and a button for each other language the bot speaks."""
    rows = [
        [(pack.label("consent_accept"), callbacks.consent_choice(True, pack.code))],
        [(pack.label("consent_decline"), callbacks.consent_choice(False, pack.code))],
    ]
    return pack.text("consent"), keyboard(rows + language_rows(pack, content))


def language_rows(pack: LanguagePack, content: Content) -> list[list[ButtonSpec]]:
    """Return one row of buttons switching to each other language, each named in itself; none with one language."""
    others = [(other.label("language"), callbacks.language_choice(code)) for code, other in content.languages.items()]
    row = [button for button in others if button[1] != callbacks.language_choice(pack.code)]
    return [row] if row else []


def date_question(pack: LanguagePack, text: str) -> View:
    """Ask for the treatment date with quick buttons and a way into the calendar."""
    rows = [
        [
            (pack.label("date_today"), callbacks.days_back(0)),
            (pack.label("date_yesterday"), callbacks.days_back(1)),
        ],
        [
            (pack.label("date_2_days"), callbacks.days_back(2)),
            (pack.label("date_3_days"), callbacks.days_back(3)),
        ],
        [(pack.label("date_other"), callbacks.picker_page(0))],
    ]
    return text, keyboard(rows)


def calendar(pack: LanguagePack, today: date, offset: int) -> View:
    """Show one page of recent dates, newest first, with Earlier and Later to move between pages."""
    days = recent_days(today, CALENDAR_PAGE_DAYS, offset=offset)
    buttons = [(pack.format_date(day), callbacks.exact_date(day)) for day in days]
    rows = [buttons[i : i + 2] for i in range(0, len(buttons), 2)]
    moves: list[ButtonSpec] = []
    if offset > 0:
        moves.append((pack.label("date_later"), callbacks.picker_page(max(0, offset - CALENDAR_PAGE_DAYS))))
    if offset + CALENDAR_PAGE_DAYS <= MAX_DAYS_BACK:
        moves.append((pack.label("date_earlier"), callbacks.picker_page(offset + CALENDAR_PAGE_DAYS)))
    rows.append(moves)
    rows.append([(pack.label("back"), callbacks.DATE_CHOICES)])
    return pack.text("pick_date"), keyboard(rows)


def risk_question(pack: LanguagePack, *, onboarding: bool) -> View:
    """Ask, optionally, about diabetes or a weakened immune system."""
    context = "onboarding" if onboarding else "settings"
    rows = [
        [(pack.label("yes"), callbacks.risk(context, "yes")), (pack.label("no"), callbacks.risk(context, "no"))],
        [(pack.label("prefer_not"), callbacks.risk(context, "unknown"))],
    ]
    return pack.text("settings.risk_question"), keyboard(rows)


class ScreenViews:
    """Builds menu screens for callers, each built once and kept.

    A screen depends only on the content and the clinic (both fixed while the bot runs), the language, the screen and
    the day of recovery.
    """

    def __init__(self, services: Services) -> None:
        self._services = services
        self._kept: dict[tuple[str, str, int | None], View] = {}

    def main_menu(self, caller: Caller) -> View:
        """Return the main menu for this caller."""
        return self.screen(caller, MAIN_SCREEN)

    def screen(self, caller: Caller, screen_id: str) -> View:
        """Return one screen, personalised with the caller's day of recovery where it has one; built once, then kept."""
        key = (caller.pack.code, screen_id, self._services.day_of(caller.patient))
        kept = self._kept.get(key)
        if kept is None:
            if len(self._kept) >= MAX_KEPT_SCREENS:
                self._kept.clear()
            kept = self._kept[key] = screen(caller.pack, screen_id, self._services.clinic, key[2])
        return kept
