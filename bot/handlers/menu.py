"""The breakout explainer: the main menu and its screens, navigated by editing one message in place."""

from telegram import Update
from telegram.ext import ContextTypes

from bot.care.services import Services
from bot.handlers.caller import identify
from bot.handlers.replies import answering, send, show
from bot.telegram import callbacks
from bot.views.screens import ScreenViews


class MenuHandlers:
    """Opens the menu and moves between its screens."""

    def __init__(self, services: Services, screens: ScreenViews) -> None:
        self._services = services
        self._screens = screens

    async def open_menu(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Send the main menu as a new message (/menu)."""
        caller = await identify(self._services, update)
        await send(update, self._screens.main_menu(caller))

    async def navigate(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Show the screen a button points to, in place within the menu or as a new message from anywhere else."""
        query = update.callback_query
        if query is None:
            return
        caller = await identify(self._services, update)
        target = callbacks.parse_menu(query.data or "")
        if target is None or target[0] not in caller.pack.screens:
            await query.answer(caller.pack.text("stale_button"))
            await send(update, self._screens.main_menu(caller))
            return
        screen_id, in_place = target
        await answering(query, (show if in_place else send)(update, self._screens.screen(caller, screen_id)))
