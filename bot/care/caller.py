"""Who the bot is dealing with: a Telegram user, their patient record if any, and the language to speak to them in."""

from dataclasses import dataclass

from bot.care.services import Services
from bot.content.packs import LanguagePack
from bot.domain.patient import Patient


@dataclass(frozen=True)
class Caller:
    """The person an update comes from, or a job writes to, as the use cases and views need them."""

    user_id: int
    patient: Patient | None
    pack: LanguagePack


def patient_caller(services: Services, patient: Patient) -> Caller:
    """Return a stored patient as a caller, speaking their stored language (for jobs and the outbox)."""
    return Caller(user_id=patient.user_id, patient=patient, pack=services.pack_for(patient, None))
