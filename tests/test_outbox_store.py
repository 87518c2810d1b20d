"""The outbox table: rows written with their state, claimed once, resumed after a crash, migrated from 0008."""

import sqlite3
from pathlib import Path
from typing import cast

from bot.care.reminders import Reminders
from bot.care.services import Services
from bot.config import load_settings
from bot.content.packs import Content
from bot.domain.records import DeliveryKind
from bot.domain.triage import TriageRules
from bot.outbox.worker import Outbox
from bot.storage import Database
from bot.storage.migrations import migration_scripts
from bot.storage.outbox import BULK, URGENT, Message
from bot.telegram.request_layer import ApiBot
from tests.conftest import TEST_ENV, shipped_reader
from tests.storage_support import NOW, OTHER, PATIENT, TODAY, later


class SilentBot:
    """A Bot stand-in that records what it is asked to send."""

    def __init__(self) -> None:
        self.sent: list[int] = []

    async def send_message(self, chat_id: int, _text: str, **_options: object) -> None:
        """Record the chat."""
        self.sent.append(chat_id)


async def test_a_crash_makes_held_urgent_rows_due_and_claimed_bulk_rows_unconfirmed_never_resent(
    database: Database,
) -> None:
    """At start: an urgent row held for its writer is due at once; a reminder left 'sending' is gone, not resent."""
    outbox = database.outbox
    advice = await outbox.add(
        DeliveryKind.ADVICE, PATIENT, Message(PATIENT, escalation_id=None), due_at=later(10), now=NOW
    )
    reminders = [(PATIENT, DeliveryKind.REMINDER, Message(PATIENT)), (OTHER, DeliveryKind.NUDGE, Message(OTHER))]
    assert await database.reminders.queue(TODAY, reminders, NOW) == [PATIENT, OTHER]
    [claimed, waiting] = await outbox.due(BULK, NOW, 10)
    assert await outbox.claim_bulk(claimed.delivery.id, NOW)
    assert await outbox.due(URGENT, NOW, 10) == []
    assert await outbox.resume(later(1)) == (1, 1)
    assert [due.delivery.id for due in await outbox.due(URGENT, later(1), 10)] == [advice.id]
    assert [due.delivery.id for due in await outbox.due(BULK, later(1), 10)] == [waiting.delivery.id]
    assert await database.reminders.last_claimed(OTHER, "nudge") == TODAY, "a nudge claims the day's reminder too"
    assert await database.reminders.queue(TODAY, [(OTHER, DeliveryKind.REMINDER, Message(OTHER))], NOW) == []


async def test_a_bulk_row_past_its_moment_is_dropped_without_a_send_and_one_in_time_goes_once(
    database: Database, content: Content, rules: TriageRules
) -> None:
    """A reminder due again after its window closed (the bot was down) is not sent; one still in time goes, once."""
    services = Services(load_settings(TEST_ENV), content, rules, shipped_reader(), clock=lambda: later(300))
    services.attach_database(database)
    bot = SilentBot()
    outbox = Outbox(services, {DeliveryKind.REMINDER: Reminders(services, wake=lambda: None).send}, {})
    reminders = [
        (PATIENT, DeliveryKind.REMINDER, Message(PATIENT, expires_at=later(240))),
        (OTHER, DeliveryKind.REMINDER, Message(OTHER, expires_at=later(360))),
    ]
    await database.reminders.queue(TODAY, reminders, NOW)
    await outbox.run_due(cast("ApiBot", bot))
    await outbox.run_due(cast("ApiBot", bot))
    assert bot.sent == [OTHER]
    assert await database.outbox.due(BULK, later(300), 10) == [], "both settled, and gone (reminder_log keeps them)"


async def test_deliveries_of_version_8_become_urgent_rows_of_the_outbox(tmp_path: Path) -> None:
    """A version-8 file's advice and alert deliveries are urgent outbox rows after 0009, the alert to the staff chat."""
    path = tmp_path / "bot.sqlite3"
    with sqlite3.connect(path) as connection:
        for script in migration_scripts()[:8]:
            connection.executescript(script)
        connection.execute("PRAGMA user_version = 8")
        connection.execute(
            "INSERT INTO patient (user_id, language, consented_at, updated_at) VALUES (7, 'en', 'x', 'x')"
        )
        connection.execute(
            "INSERT INTO escalation (id, user_id, local_date, tier, reasons, status, created_at, updated_at)"
            " VALUES (3, 7, '2026-11-24', 'same_day', 'pus', 'open', 'x', 'x')"
        )
        for kind in ("advice", "alert"):
            connection.execute(
                "INSERT INTO delivery (kind, user_id, escalation_id, attempts, due_at, created_at)"
                " VALUES (?, 7, 3, 2, ?, ?)",
                (kind, NOW.isoformat(), NOW.isoformat()),
            )
    async with await Database.open(path) as database:
        due = await database.outbox.due(URGENT, NOW, 10)
    assert [(d.delivery.kind, d.delivery.chat_id, d.delivery.attempts) for d in due] == [
        (DeliveryKind.ADVICE, 7, 2),
        (DeliveryKind.ALERT, None, 2),
    ]
