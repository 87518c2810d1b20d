"""Sending and editing the bot's messages, the same way everywhere."""

import asyncio
import logging
from collections.abc import Awaitable
from typing import TypeVar

from telegram import CallbackQuery, Message, Update
from telegram.error import BadRequest, TelegramError

from bot.domain.records import Delivery
from bot.outbox.alerts import patient_of_update
from bot.outbox.worker import Outbox
from bot.storage.outcomes import Outcome
from bot.views.screens import View

logger = logging.getLogger(__name__)

T = TypeVar("T")


async def send(update: Update, view: View) -> Message:
    """Send a new message to the chat the update came from."""
    text, markup = view
    chat = update.effective_chat
    if chat is None:
        raise RuntimeError("an update without a chat reached a handler that replies")
    return await chat.send_message(text, reply_markup=markup)


def pressed_message(update: Update) -> Message | None:
    """Return the message a pressed button sits on, or None when there is none the bot can still edit.

    A press on a message that is gone (deleted, or too old) carries it with date 0: it cannot be edited.
    """
    query = update.callback_query
    message = query.message if query is not None else None
    return message if isinstance(message, Message) and message.is_accessible else None


async def show(update: Update, view: View) -> None:
    """Replace the message a pressed button sits on; send a new one when that message cannot be edited."""
    query = update.callback_query
    if query is None or pressed_message(update) is None:
        await send(update, view)
        return
    text, markup = view
    try:
        await query.edit_message_text(text, reply_markup=markup)
    except BadRequest as error:
        if "message is not modified" not in error.message.lower():
            raise
        logger.debug("screen already shown; nothing to edit")


async def remove_buttons(update: Update) -> None:
    """Take the buttons off the message a pressed button sits on, so it cannot be pressed twice."""
    query, message = update.callback_query, pressed_message(update)
    if query is None or message is None or message.reply_markup is None:
        return
    await query.edit_message_reply_markup(reply_markup=None)


async def stop_spinner(query: CallbackQuery, toast: str | None = None) -> None:
    """Answer a button press (its spinner stops; a toast shows if given): a failure is logged, the work goes on."""
    try:
        await query.answer(toast)
    except TelegramError as error:
        logger.warning("a button press was not answered (%s); going on", type(error).__name__)


async def answering(query: CallbackQuery, work: Awaitable[T], *, toast: str | None = None) -> T:
    """Do what a press asks while the press is answered: neither Bot API round trip waits for the other.

    The answer to the press only stops the spinner, with a toast that does not depend on the work (stop_spinner: a
    failure is logged), so it need not come first; on Telegram each call is a round trip of 30-150 ms, and the patient
    sees the new screen one round trip sooner. Whatever decides who may press (the staff guard) has run before.
    """
    _answered, done = await asyncio.gather(stop_spinner(query, toast), work)
    return done


async def together(*works: Awaitable[object]) -> None:
    """Do works that do not depend on each other's replies at once, each to its end; then raise the first failure."""
    for outcome in await asyncio.gather(*works, return_exceptions=True):
        if isinstance(outcome, BaseException):
            raise outcome


async def give_advice(
    update: Update, view: View, advice: Delivery | None, deliveries: Outbox, *, edit: bool = False
) -> None:
    """Give stored advice as the answer to an update (editing the pressed message, or a new one) as its first try.

    Telegram's confirmation ends the delivery. An edit Telegram refuses is sent as a new message at once; any other
    failure leaves the delivery to be tried again, so the caller goes on (to the clinic's alert) whatever happened.
    """
    try:
        try:
            await (show if edit else send)(update, view)
        except BadRequest:
            if not edit:
                raise
            await send(update, view)  # the pressed message could not be edited: the advice goes out as a new one
    except TelegramError as error:
        if advice is not None:
            await deliveries.failed(advice, error)
        return
    if advice is not None:
        await deliveries.confirmed(advice)


async def give_outcome(update: Update, view: View, outcome: Outcome, deliveries: Outbox, *, edit: bool = False) -> None:
    """Give an outcome's stored advice as the reply while the clinic's alert is posted: neither waits for the other.

    Each is a stored delivery tried again until confirmed, so a failure of one costs nothing of the other. The patient
    is told that the clinic has the alert only once the advice's first try is over: in their chat, the advice first.
    The alert names the patient as the update does, without asking Telegram first.
    """
    advice = asyncio.create_task(give_advice(update, view, outcome.advice, deliveries, edit=edit))
    try:
        if outcome.alert is not None:
            with patient_of_update(update.effective_user):
                await deliveries.attempt(update.get_bot(), outcome.alert, after=advice)
    finally:
        await advice
