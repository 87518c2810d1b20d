"""A patient as the bot knows them: the least that the aftercare guidance needs."""

from dataclasses import dataclass
from datetime import date, datetime


@dataclass(frozen=True)
class Patient:
    """A patient who accepted the consent screen; the treatment date is set during onboarding."""

    user_id: int
    language: str
    consented_at: datetime
    treatment_date: date | None

    @property
    def onboarded(self) -> bool:
        """Tell whether onboarding is complete, which is when the treatment date is known."""
        return self.treatment_date is not None
