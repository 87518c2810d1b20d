"""The outbox's lanes at 10,000 patients: the minute's reminder run delays neither an alert re-send nor a reply."""

from pathlib import Path

from tests.benchmarks.outbox_priority import minute_with_reminders

PATIENTS = 10_000


async def test_at_10000_patients_the_reminder_run_delays_neither_the_alert_resend_nor_a_reply(tmp_path: Path) -> None:
    """With 10,000 reminders due at the bulk pace, the re-send goes before the 10th, and a reply while they go out.

    The re-send is decided first and sent by the urgent lane while the reminders are still being decided; the reply
    goes straight through the request layer, with at most the one reminder already in flight beside it.
    """
    outcome = await minute_with_reminders(
        tmp_path, PATIENTS, rate=20, latency=0.01, reminders_before_reply=10, reminders_in_all=30
    )
    assert outcome.resend_position < 10, "the alert re-send went out before the 10th reminder"
    assert outcome.reminders_during_reply <= 1, "the reply waited behind no more than the reminder in flight"
    assert outcome.reminders_after_reply > 0, "the bulk lane was still busy when the reply went out"
