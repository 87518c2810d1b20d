"""The automated aftercare sequence as a schedule: which message is due for which treatment date, and when.

Each step goes to a patient on one day of their recovery (0 is the treatment day), from a local time at the
clinic until midnight: a step missed while the bot was down still goes out later that day, never the next.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, time, timedelta


@dataclass(frozen=True)
class SequenceStep:
    """One message of the sequence.

    key names the step for good (the log of what was sent uses it, so changing it sends the step again); text is
    the content key of its message; buttons are screen ids of the menu, "main", or actions such as "checkin".
    """

    key: str
    day: int
    at: time
    text: str
    buttons: tuple[str, ...] = ()


@dataclass(frozen=True)
class DueStep:
    """A step that is due now for every patient treated on one date."""

    step: SequenceStep
    treatment_date: date


@dataclass(frozen=True)
class AftercareSequence:
    """The steps, in order of day and time; no steps means no sequence."""

    steps: tuple[SequenceStep, ...] = ()

    def due_on_day(self, day: int, local_time: time) -> tuple[SequenceStep, ...]:
        """Return the steps due for a patient on this day of recovery at this local time, in order."""
        return due_steps(self.steps, day, local_time)

    def due_today(self, today: date, local_time: time) -> tuple[DueStep, ...]:
        """Return each step whose moment has come today, with the treatment date of the patients it is for."""
        return tuple(
            DueStep(step, today - timedelta(days=step.day)) for step in self.steps if is_due(step, step.day, local_time)
        )


def is_due(step: SequenceStep, day: int, local_time: time) -> bool:
    """Tell whether a step is due on a day of recovery at a local time: that day, at or after its time."""
    return step.day == day and local_time >= step.at


def due_steps(steps: Sequence[SequenceStep], day: int, local_time: time) -> tuple[SequenceStep, ...]:
    """Return the steps due on a day of recovery at a local time, keeping their order."""
    return tuple(step for step in steps if is_due(step, day, local_time))
