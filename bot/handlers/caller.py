"""Who sent an update: their Telegram id, their patient record if any, and the language to answer in."""

from dataclasses import dataclass

from telegram import Update

from bot.content import LanguagePack
from bot.domain.patient import Patient
from bot.services import Services


@dataclass(frozen=True)
class Caller:
    """The person behind an update, as the handlers need them."""

    user_id: int
    patient: Patient | None
    pack: LanguagePack


async def identify(services: Services, update: Update) -> Caller:
    """Look up the sender of an update; the gate has already dropped updates without a user."""
    user = update.effective_user
    if user is None:
        raise RuntimeError("an update without a user got past the gate")
    patient = await services.database.patients.get(user.id)
    return Caller(user_id=user.id, patient=patient, pack=services.pack_for(patient, user.language_code))
