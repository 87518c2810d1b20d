"""The sequence log: who a step is due for, claimed once per patient and step, ever."""

from datetime import date, timedelta

from bot.domain.records import DeliveryKind
from bot.storage import Database
from bot.storage.outbox import BULK
from tests.storage_support import NOW, OTHER, PATIENT, later

TREATED = date(2026, 11, 20)  # the storage fixture's patients were treated on this date


async def test_a_due_step_is_pending_for_the_patients_treated_on_its_date(database: Database) -> None:
    """Only patients treated on a due step's date are returned, by patient and then in the steps' order."""
    await database.patients.add_consented(44, "en", NOW)
    await database.patients.set_treatment_date(44, TREATED - timedelta(days=2), NOW)
    await database.patients.add_consented(45, "en", NOW)  # never gave a date: never due
    due = [("day3", TREATED - timedelta(days=2)), ("day1", TREATED)]
    assert await database.sequence.pending(due) == [(PATIENT, "day1"), (OTHER, "day1"), (44, "day3")]
    assert await database.sequence.pending([("day1", TREATED), ("day1_evening", TREATED)]) == [
        (PATIENT, "day1"),
        (PATIENT, "day1_evening"),
        (OTHER, "day1"),
        (OTHER, "day1_evening"),
    ]
    assert await database.sequence.pending([("day1", TREATED + timedelta(days=1))]) == []
    assert await database.sequence.pending([]) == []


async def test_a_step_is_claimed_once_per_patient_ever(database: Database) -> None:
    """The first claim wins; a second (another run, or after a restart) does not; the step is no longer pending."""
    assert await database.sequence.claim(PATIENT, "day1", NOW)
    assert not await database.sequence.claim(PATIENT, "day1", later(5))
    assert await database.sequence.claim(OTHER, "day1", NOW)
    assert await database.sequence.claim(PATIENT, "day3", later(60))
    assert await database.sequence.pending([("day1", TREATED), ("day7", TREATED)]) == [
        (PATIENT, "day7"),
        (OTHER, "day7"),
    ]
    assert await database.sequence.sent_to(PATIENT) == ["day1", "day3"]
    assert await database.sequence.sent_to(OTHER) == ["day1"]


async def test_a_claim_queues_the_step_in_the_outbox_in_the_same_transaction(database: Database) -> None:
    """A claimed step is a bulk row of the outbox for that patient and step, due at once; a second claim adds none."""
    assert await database.sequence.claim(PATIENT, "day1", NOW, expires_at=later(60))
    assert not await database.sequence.claim(PATIENT, "day1", later(1))
    [due] = await database.outbox.due(BULK, later(1), 10)
    assert (due.delivery.kind, due.delivery.user_id, due.delivery.step) == (DeliveryKind.STEP, PATIENT, "day1")
    assert due.delivery.expires_at == later(60)


async def test_stopped_and_unreachable_patients_are_never_pending(database: Database) -> None:
    """A patient who sent /stop, or who blocked the bot, is left out until that changes."""
    await database.patients.set_messages_stopped(PATIENT, True, NOW)
    await database.patients.set_unreachable(OTHER, NOW)
    assert await database.sequence.pending([("day1", TREATED)]) == []
    await database.patients.set_messages_stopped(PATIENT, False, later(1))
    await database.patients.set_unreachable(OTHER, None)
    assert await database.sequence.pending([("day1", TREATED)]) == [(PATIENT, "day1"), (OTHER, "day1")]
