"""What the bot knows about the clinic it speaks for."""

from dataclasses import dataclass


@dataclass(frozen=True)
class ClinicInfo:
    """The clinic's public contact details, shown to patients."""

    name: str
    phone: str
    hours: str
