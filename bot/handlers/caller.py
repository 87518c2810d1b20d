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
    patients = services.database.patients
    patient = await patients.get(user.id)
    if patient is not None:
        handle = user.username.lower() if user.username else None
        if patient.username != handle:
            await patients.set_username(user.id, handle)  # so staff can find them by their current @handle
        if patient.unreachable_since is not None:
            await patients.set_unreachable(user.id, None)  # they are writing to the bot: reachable again
    return Caller(user_id=user.id, patient=patient, pack=services.pack_for(patient, user.language_code))
