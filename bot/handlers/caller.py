"""Who sent an update: the caller behind it, their @handle kept current, and their check-ins when asked.

Each lookup is one read of the database (one trip to its thread), with what the update goes on to need read in it:
the open check-in, what triage reads of the others, or today's finished one.
"""

from telegram import Update, User

from bot.care.caller import Caller
from bot.care.services import Services
from bot.domain.checkin import PastCheckin
from bot.domain.patient import Patient
from bot.domain.records import Checkin


async def identify(services: Services, update: Update) -> Caller:
    """Look up the sender of an update; the gate has already dropped updates without a user."""
    user = _sender(update)
    return await _caller(services, user, await services.database.patients.get(user.id))


async def identify_for_triage(services: Services, update: Update) -> tuple[Caller, Checkin | None, list[PastCheckin]]:
    """Look up the sender, their open check-in (or None) and what triage reads of their complete ones, in one read."""
    user = _sender(update)
    patient, current, history = await services.database.checkins.for_triage(user.id)
    return await _caller(services, user, patient), current, history


async def identify_for_opening(services: Services, update: Update) -> tuple[Caller, Checkin | None, Checkin | None]:
    """Look up the sender, their open check-in and their last one finished of those started today, in one read."""
    user = _sender(update)
    patient, current, done_today = await services.database.checkins.for_opening(user.id, services.today())
    return await _caller(services, user, patient), current, done_today


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
