"""Escalations in storage: one per patient, date and tier, merged reasons, staff transitions and resending."""

import sqlite3
from datetime import timedelta
from pathlib import Path

import pytest

from bot.domain.records import CheckinStatus, DeliveryKind, EscalationStatus
from bot.storage import Database
from bot.storage.outbox import URGENT
from tests.storage_support import NOW, OTHER, PATIENT, TODAY, later

NURSE, DOCTOR = 500, 501


async def _checkin_id(database: Database, user_id: int = PATIENT) -> int:
    """Start and finish a check-in, returning its id."""
    checkin = await database.checkins.start(user_id, TODAY, 4, NOW)
    await database.checkins.finish(checkin.id, CheckinStatus.COMPLETE, "same_day", ("pus",), NOW)
    return checkin.id


async def test_record_creates_an_open_escalation(database: Database) -> None:
    """The first record for a patient, date and tier creates it, open and not yet sent."""
    checkin_id = await _checkin_id(database)
    escalation, created = await database.escalations.record(PATIENT, checkin_id, TODAY, "same_day", ("pus",), NOW)
    assert created
    assert (escalation.user_id, escalation.checkin_id, escalation.local_date) == (PATIENT, checkin_id, TODAY)
    assert (escalation.tier, escalation.reasons, escalation.status) == ("same_day", ("pus",), EscalationStatus.OPEN)
    assert escalation.created_at == escalation.updated_at == NOW
    assert (escalation.staff_chat_id, escalation.staff_message_id, escalation.last_sent_at) == (None, None, None)
    assert (escalation.acknowledged_by, escalation.acknowledged_at) == (None, None)
    assert (escalation.resolved_by, escalation.resolved_at) == (None, None)
    assert await database.escalations.get(escalation.id) == escalation


async def test_recording_again_merges_reasons_into_the_one_row(database: Database, path: Path) -> None:
    """A second record keeps one row, adds only new reasons after the old, and points at the newer check-in."""
    first_checkin = await _checkin_id(database)
    first, _ = await database.escalations.record(PATIENT, first_checkin, TODAY, "same_day", ("pus", "warmth"), NOW)
    second_checkin = await _checkin_id(database)
    merged, created = await database.escalations.record(
        PATIENT, second_checkin, TODAY, "same_day", ("fever", "pus"), later(5)
    )
    assert not created
    assert merged.id == first.id
    assert merged.reasons == ("pus", "warmth", "fever")
    assert (merged.checkin_id, merged.updated_at, merged.created_at) == (second_checkin, later(5), NOW)
    kept, _ = await database.escalations.record(PATIENT, None, TODAY, "same_day", ("pus",), later(6))
    assert kept.checkin_id == second_checkin
    with sqlite3.connect(path) as reader:
        assert reader.execute("SELECT COUNT(*) FROM escalation").fetchone() == (1,)


async def test_other_tiers_dates_and_patients_are_separate_rows(database: Database) -> None:
    """Tier, clinic date and patient each make a different escalation."""
    base, _ = await database.escalations.record(PATIENT, None, TODAY, "same_day", ("pus",), NOW)
    others = [
        await database.escalations.record(PATIENT, None, TODAY, "emergency", ("breathing",), later(1)),
        await database.escalations.record(PATIENT, None, TODAY + timedelta(days=1), "same_day", ("pus",), later(2)),
        await database.escalations.record(OTHER, None, TODAY, "same_day", ("pus",), later(3)),
    ]
    assert all(created for _, created in others)
    assert len({base.id, *(escalation.id for escalation, _ in others)}) == 4
    assert [e.tier for e in await database.escalations.for_patient(PATIENT)] == ["same_day", "emergency", "same_day"]
    assert [e.user_id for e in await database.escalations.for_patient(OTHER)] == [OTHER]


async def test_a_resolved_escalation_is_reopened_by_a_new_record(database: Database) -> None:
    """New signs on a resolved escalation make it open again, without the earlier staff handling, and are news."""
    escalation, _ = await database.escalations.record(PATIENT, None, TODAY, "soon", ("redness",), NOW)
    await database.escalations.resolve(escalation.id, NURSE, later(1))
    reopened, news = await database.escalations.record(PATIENT, None, TODAY, "soon", ("swelling",), later(2))
    assert news, "staff must be told afresh"
    assert reopened.status is EscalationStatus.OPEN
    assert reopened.reasons == ("redness", "swelling")
    assert (reopened.acknowledged_by, reopened.acknowledged_at, reopened.resolved_by, reopened.resolved_at) == (
        None,
        None,
        None,
        None,
    )


async def test_an_acknowledged_escalation_reopens_only_for_a_new_reason(database: Database) -> None:
    """The same reasons again leave it with the staff member on it; a new one opens it again, to be posted afresh."""
    escalation, _ = await database.escalations.record(PATIENT, None, TODAY, "soon", ("redness",), NOW)
    await database.escalations.set_staff_message(escalation.id, -100, 7, NOW)
    await database.escalations.acknowledge(escalation.id, NURSE, later(1))
    same, news = await database.escalations.record(PATIENT, None, TODAY, "soon", ("redness",), later(2))
    assert not news
    assert (same.status, same.acknowledged_by, same.acknowledged_at, same.staff_message_id) == (
        EscalationStatus.ACKNOWLEDGED,
        NURSE,
        later(1),
        7,
    )
    merged, news = await database.escalations.record(PATIENT, None, TODAY, "soon", ("swelling",), later(3))
    assert news
    assert (merged.status, merged.acknowledged_by, merged.staff_message_id) == (EscalationStatus.OPEN, None, None)
    assert merged.reasons == ("redness", "swelling")


async def test_record_refuses_an_unknown_tier_code(database: Database) -> None:
    """A tier that is not a code (such as an IntEnum turned into "2") is refused by the schema."""
    with pytest.raises(sqlite3.IntegrityError, match="CHECK"):
        await database.escalations.record(PATIENT, None, TODAY, "2", ("pus",), NOW)
    assert await database.escalations.for_patient(PATIENT) == []


async def test_acknowledge_moves_open_to_acknowledged_once(database: Database) -> None:
    """The first acknowledgement is kept; a second by someone else changes nothing."""
    escalation, _ = await database.escalations.record(PATIENT, None, TODAY, "same_day", ("pus",), NOW)
    acknowledged = await database.escalations.acknowledge(escalation.id, NURSE, later(1))
    assert acknowledged is not None
    assert (acknowledged.status, acknowledged.acknowledged_by, acknowledged.acknowledged_at) == (
        EscalationStatus.ACKNOWLEDGED,
        NURSE,
        later(1),
    )
    assert await database.escalations.acknowledge(escalation.id, DOCTOR, later(2)) == acknowledged


async def test_resolve_from_acknowledged_keeps_who_acknowledged(database: Database) -> None:
    """Resolving an acknowledged escalation records the resolver and keeps the acknowledgement."""
    escalation, _ = await database.escalations.record(PATIENT, None, TODAY, "same_day", ("pus",), NOW)
    await database.escalations.acknowledge(escalation.id, NURSE, later(1))
    resolved = await database.escalations.resolve(escalation.id, DOCTOR, later(2))
    assert resolved is not None
    assert resolved.status is EscalationStatus.RESOLVED
    assert (resolved.acknowledged_by, resolved.acknowledged_at) == (NURSE, later(1))
    assert (resolved.resolved_by, resolved.resolved_at) == (DOCTOR, later(2))


async def test_resolve_from_open_fills_the_acknowledgement_and_is_idempotent(database: Database) -> None:
    """Resolving an open escalation counts as acknowledging it too; later presses change nothing."""
    escalation, _ = await database.escalations.record(PATIENT, None, TODAY, "same_day", ("pus",), NOW)
    resolved = await database.escalations.resolve(escalation.id, NURSE, later(1))
    assert resolved is not None
    assert (resolved.acknowledged_by, resolved.acknowledged_at) == (NURSE, later(1))
    assert (resolved.resolved_by, resolved.resolved_at) == (NURSE, later(1))
    assert await database.escalations.resolve(escalation.id, DOCTOR, later(2)) == resolved
    assert await database.escalations.acknowledge(escalation.id, DOCTOR, later(3)) == resolved


async def test_unknown_escalation_ids_give_none(database: Database) -> None:
    """Get, acknowledge and resolve of an id that does not exist return None."""
    assert await database.escalations.get(999) is None
    assert await database.escalations.acknowledge(999, NURSE, NOW) is None
    assert await database.escalations.resolve(999, NURSE, NOW) is None


async def test_staff_message_and_resending(database: Database) -> None:
    """Sent escalations are due again only when open and last sent before the cut-off; resending resets that."""
    sent, _ = await database.escalations.record(PATIENT, None, TODAY, "same_day", ("pus",), NOW)
    await database.escalations.set_staff_message(sent.id, -100500, 31, later(1))
    stored = await database.escalations.get(sent.id)
    assert stored is not None
    assert (stored.staff_chat_id, stored.staff_message_id, stored.last_sent_at) == (-100500, 31, later(1))
    handled, _ = await database.escalations.record(OTHER, None, TODAY, "same_day", ("pus",), NOW)
    await database.escalations.set_staff_message(handled.id, -100500, 32, later(1))
    await database.escalations.acknowledge(handled.id, NURSE, later(2))

    assert await database.escalations.due_for_resend(later(1)) == []
    assert [e.id for e in await database.escalations.due_for_resend(later(30))] == [sent.id]
    await database.escalations.mark_resent(sent.id, later(31))
    assert await database.escalations.due_for_resend(later(30)) == []
    resent = await database.escalations.get(sent.id)
    assert resent is not None
    assert (resent.last_sent_at, resent.staff_message_id) == (later(31), 31)


async def test_an_escalation_never_sent_is_due_once_old_enough(database: Database) -> None:
    """An escalation whose staff message was never sent is due for sending, counted from its creation."""
    unsent, _ = await database.escalations.record(PATIENT, None, TODAY, "same_day", ("pus",), NOW)
    assert await database.escalations.due_for_resend(NOW) == []
    assert [e.id for e in await database.escalations.due_for_resend(later(1))] == [unsent.id]


async def test_deleting_a_checkin_keeps_its_escalation(database: Database, path: Path) -> None:
    """An escalation outlives the check-in it came from, with the link cleared."""
    checkin_id = await _checkin_id(database)
    escalation, _ = await database.escalations.record(PATIENT, checkin_id, TODAY, "same_day", ("pus",), NOW)
    with sqlite3.connect(path) as writer:
        writer.execute("PRAGMA foreign_keys = ON")
        writer.execute("DELETE FROM checkin WHERE id = ?", (checkin_id,))
    stored = await database.escalations.get(escalation.id)
    assert stored is not None
    assert stored.checkin_id is None


async def _patient_notices(database: Database) -> list[tuple[DeliveryKind, int | None]]:
    """Return the urgent outbox rows for the patient: their kind and escalation."""
    due = await database.outbox.due(URGENT, later(60), 20)
    return [(row.delivery.kind, row.delivery.escalation_id) for row in due if row.delivery.user_id == PATIENT]


@pytest.mark.parametrize("first", ["acknowledge", "resolve"])
async def test_the_first_staff_action_queues_one_word_to_the_patient(database: Database, first: str) -> None:
    """Acknowledging or resolving an open alert queues "the clinic has seen it" once; later actions queue nothing."""
    escalation, _ = await database.escalations.record(PATIENT, None, TODAY, "same_day", ("pus",), NOW)
    assert await _patient_notices(database) == []
    await getattr(database.escalations, first)(escalation.id, NURSE, later(1))
    assert await _patient_notices(database) == [(DeliveryKind.ACKNOWLEDGED, escalation.id)]
    await database.escalations.acknowledge(escalation.id, DOCTOR, later(2))
    await database.escalations.resolve(escalation.id, DOCTOR, later(3))
    assert await _patient_notices(database) == [(DeliveryKind.ACKNOWLEDGED, escalation.id)]
