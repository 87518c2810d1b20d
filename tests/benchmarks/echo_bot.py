"""The Answering benchmark's yardstick: `python -m tests.benchmarks.echo_bot`, python-telegram-bot and nothing of ours.

It answers the same updates with the same calls as our bot: a text with sendMessage; a button press with
answerCallbackQuery and editMessageText. With `ECHO_REPLY=screen` every reply carries our main menu screen (its
HTML text and its keyboard, built once at start-up), so the bytes on the wire and the objects the library builds
match ours; that yardstick isolates what our logic and storage cost. With `ECHO_REPLY=echo` it is the plain echo
bot: the text back, and a short edit naming the button. Like any bare bot it handles one update at a time, unless
`ECHO_AT_ONCE=per_chat` gives it our update processor (bot/update_order.py: several chats at once, each in order),
for a comparison in which only our handlers and storage differ, or `ECHO_AT_ONCE=256` lets it handle up to 256
updates at once in any order (the library's `concurrent_updates(True)`). It reads the tests' settings from the
environment, polls until SIGINT or SIGTERM, and logs nothing.
"""

import os

from telegram import InlineKeyboardMarkup, Update
from telegram.constants import ParseMode
from telegram.ext import Application, CallbackQueryHandler, ContextTypes, MessageHandler, filters

from bot.config import load_settings
from bot.content.packs import load_content
from bot.domain.clinic import ClinicInfo
from bot.telegram.update_order import PerChatOrder
from bot.views.screens import MAIN_SCREEN, screen

View = tuple[str, InlineKeyboardMarkup | None]


def main_screen() -> View:
    """Return our main menu screen, as our bot shows it on day 3, read from the shipped content."""
    settings = load_settings(os.environ)
    clinic = ClinicInfo(name=settings.clinic_name, phone=settings.clinic_phone, hours=settings.clinic_hours)
    return screen(load_content(settings.content_dir).pack("en"), MAIN_SCREEN, clinic, 3)


class Replies:
    """The echo bot's two handlers, replying either with the screen or with a plain echo."""

    def __init__(self, view: View | None) -> None:
        self._view = view

    async def text(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Send the screen (or the text back) to the chat the message came from."""
        if update.effective_chat is None or update.effective_message is None:
            return
        if self._view is None:
            await update.effective_chat.send_message(update.effective_message.text or "?")
        else:
            text, markup = self._view
            await update.effective_chat.send_message(text, parse_mode=ParseMode.HTML, reply_markup=markup)

    async def press(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Answer the press, then edit its message (to the screen, or to a line naming the button and update)."""
        query = update.callback_query
        if query is None:
            return
        await query.answer()
        if self._view is None:
            await query.edit_message_text(f"pressed {query.data} (update {update.update_id})")
        else:
            text, markup = self._view
            await query.edit_message_text(
                f"{text}\n<i>update {update.update_id}</i>", parse_mode=ParseMode.HTML, reply_markup=markup
            )


def main() -> None:
    """Build the echo bot against the API URL in the environment and poll until stopped."""
    replies = Replies(main_screen() if os.environ.get("ECHO_REPLY", "echo") == "screen" else None)
    builder = Application.builder().token(os.environ["TELEGRAM_BOT_TOKEN"])
    builder = builder.base_url(f"{os.environ['TELEGRAM_API_URL']}/bot")
    at_once = os.environ.get("ECHO_AT_ONCE", "")
    if at_once == "per_chat":
        builder = builder.concurrent_updates(PerChatOrder())
    elif at_once.isdigit():
        builder = builder.concurrent_updates(int(at_once))
    application = builder.build()
    application.add_handler(MessageHandler(filters.TEXT, replies.text))
    application.add_handler(CallbackQueryHandler(replies.press))
    application.run_polling()


if __name__ == "__main__":
    main()
