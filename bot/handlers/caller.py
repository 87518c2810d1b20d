"""Who sent an update: the caller behind it, their @handle kept current, and their open check-in when asked."""

from telegram import Update, User

from bot.care.caller import Caller
from bot.care.services import Services
from bot.domain.patient import Patient
from bot.domain.records import Checkin


async def identify(services: Services, update: Update) -> Caller:
    """Look up the sender of an update; the gate has already dropped updates without a user."""
    user = _sender(update)
    return await _caller(services, user, await services.database.patients.get(user.id))


async def identify_with_checkin(services: Services, update: Update) -> tuple[Caller, Checkin | None]:
    """Look up the sender of an update and their open check-in (or None), in one read of the database."""
    user = _sender(update)
    patient, current = await services.database.checkins.patient_and_open(user.id)
    return await _caller(services, user, patient), current


def _sender(update: Update) -> User:
    """Return the user who sent an update."""
    user = update.effective_user
    if user is None:
        raise RuntimeError("an update without a user got past the gate")
    return user


async def _caller(services: Services, user: User, patient: Patient | None) -> Caller:
    """Return the caller, first keeping the patient's @handle current and marking them reachable again."""
    if patient is not None:
        patients = services.database.patients
        handle = user.username.lower() if user.username else None
        if patient.username != handle:
            await patients.set_username(user.id, handle)  # so staff can find them by their current @handle
        if patient.unreachable_since is not None:
            await patients.set_unreachable(user.id, None)  # they are writing to the bot: reachable again
    return Caller(user_id=user.id, patient=patient, pack=services.pack_for(patient, user.language_code))
