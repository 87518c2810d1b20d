"""The breakout explainer: the main menu and its screens, navigated by editing one message in place."""

from telegram import Update
from telegram.ext import ContextTypes

from bot.care.caller import Caller
from bot.care.services import Services
from bot.handlers.caller import identify
from bot.handlers.replies import send, show
from bot.telegram import callbacks
from bot.views import screens as views

# Screens kept once built, by language, screen and day of recovery: far more than patients ever see in a run.
MAX_KEPT_SCREENS = 4096


class MenuHandlers:
    """Opens the menu and moves between its screens."""

    def __init__(self, services: Services) -> None:
        self._services = services
        # A screen depends only on the content, the clinic (both fixed while the bot runs) and these keys.
        self._kept: dict[tuple[str, str, int | None], views.View] = {}

    def main_menu(self, caller: Caller) -> views.View:
        """Return the main menu for this caller."""
        return self.screen(caller, views.MAIN_SCREEN)

    def screen(self, caller: Caller, screen_id: str) -> views.View:
        """Return one screen, personalised with the caller's day of recovery where it has one; built once, then kept."""
        key = (caller.pack.code, screen_id, self._services.day_of(caller.patient))
        kept = self._kept.get(key)
        if kept is None:
            if len(self._kept) >= MAX_KEPT_SCREENS:
                self._kept.clear()
            kept = self._kept[key] = views.screen(caller.pack, screen_id, self._services.clinic, key[2])
        return kept

    async def open_menu(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Send the main menu as a new message (/menu)."""
        caller = await identify(self._services, update)
        await send(update, self.main_menu(caller))

    async def navigate(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Show the screen a button points to, in place within the menu or as a new message from anywhere else."""
        query = update.callback_query
        if query is None:
            return
        caller = await identify(self._services, update)
        target = callbacks.parse_menu(query.data or "")
        if target is None or target[0] not in caller.pack.screens:
            await query.answer(caller.pack.text("stale_button"))
            await send(update, self.main_menu(caller))
            return
        await query.answer()
        screen_id, in_place = target
        await (show if in_place else send)(update, self.screen(caller, screen_id))
