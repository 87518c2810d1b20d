"""A patient as the bot knows them: the least that the aftercare guidance needs."""

from dataclasses import dataclass
from datetime import date, datetime, time


@dataclass(frozen=True)
class Patient:
    """A patient who accepted the consent screen; the treatment date is set during onboarding.

    reminder_time is the local time of the daily reminder (None for the clinic's default); at_risk is whether
    they have diabetes or a weakened immune system (None until answered, and risk_asked tells whether it was
    asked); messages_stopped is set by /stop and keeps every unprompted message from them; username is their
    Telegram @handle, kept so staff can look them up; unreachable_since is set when Telegram says they blocked
    the bot.
    """

    user_id: int
    language: str
    consented_at: datetime
    treatment_date: date | None
    reminder_time: time | None = None
    at_risk: bool | None = None
    risk_asked: bool = False
    messages_stopped: bool = False
    username: str | None = None
    unreachable_since: datetime | None = None

    @property
    def onboarded(self) -> bool:
        """Tell whether onboarding is complete, which is when the treatment date is known."""
        return self.treatment_date is not None
