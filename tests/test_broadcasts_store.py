"""The broadcast store: drafts, the audience snapshot taken once, recipients' rows, cancelling, the list."""

import asyncio
from datetime import date

from bot.domain.audience import DateSpan
from bot.domain.records import DeliveryStatus
from bot.storage import Database
from bot.storage.broadcasts import BroadcastStatus, Tally
from bot.storage.outbox import BULK
from tests.storage_support import NOW, OTHER, PATIENT, later

EVERYONE = DateSpan(None, None)


async def ready_draft(database: Database, created_by: int = 500) -> int:
    """Write a draft with its message and audience chosen, at the confirm step; return its id."""
    draft = await database.broadcasts.create_draft(created_by, "content", NOW)
    assert await database.broadcasts.update_draft(draft.id, "confirm", NOW, text_html="<b>Hi</b>", audience="all")
    return draft.id


async def rows(database: Database) -> dict[int, int]:
    """Return the pending rows of the outbox, due by a day ahead, as patient -> row id, in order."""
    due = await database.outbox.due(BULK, later(24 * 60), 10)
    return {item.delivery.user_id: item.delivery.id for item in due}


async def test_a_draft_belongs_to_its_author_and_keeps_its_step_and_message(database: Database) -> None:
    """A new draft is found by its author, moves through steps, and keeps the message and audience once set."""
    store = database.broadcasts
    draft = await store.create_draft(500, "content", NOW)
    assert (draft.status, draft.compose_step, draft.text_html, draft.audience) == (
        BroadcastStatus.DRAFT,
        "content",
        "",
        "",
    )
    assert await store.update_draft(draft.id, "audience", later(1), text_html="caption", photo_file_id="PHO1")
    assert await store.update_draft(draft.id, "confirm", later(2), audience="recent:7")
    found = await store.draft_of(500)
    assert found is not None
    assert (found.compose_step, found.text_html, found.photo_file_id, found.audience) == (
        "confirm",
        "caption",
        "PHO1",
        "recent:7",
    )
    assert await store.draft_of(501) is None
    assert await store.composers() == {500}


async def test_the_snapshot_takes_only_patients_who_take_messages_within_the_dates(database: Database) -> None:
    """Stopped, unreachable and not-yet-onboarded patients, and those treated outside the span, are left out."""
    store = database.broadcasts
    for user_id in (44, 45, 46, 47):
        await database.patients.add_consented(user_id, "en", NOW)
    for user_id in (44, 45):
        await database.patients.set_treatment_date(user_id, date(2026, 11, 20), NOW)
    await database.patients.set_treatment_date(47, date(2026, 10, 1), NOW)
    await database.patients.set_messages_stopped(44, True, NOW)
    await database.patients.set_unreachable(45, NOW)
    november = DateSpan(date(2026, 11, 1), date(2026, 11, 30))
    assert await store.count_audience(EVERYONE) == 3
    assert await store.count_audience(november) == 2
    broadcast_id = await ready_draft(database)
    assert await store.start(broadcast_id, november, NOW, scheduled=False, report=(500, 9)) == 2
    assert list(await rows(database)) == [PATIENT, OTHER], "the snapshot is rows of the outbox"
    started = await store.get(broadcast_id)
    assert started is not None
    assert (started.status, started.compose_step, started.report_message_id) == (BroadcastStatus.SENDING, None, 9)


async def test_a_broadcast_is_started_once_however_many_try_at_the_same_time(database: Database) -> None:
    """Racing starts (a double press, the job and a press) leave one winner and one set of recipient rows."""
    broadcast_id = await ready_draft(database)
    results = await asyncio.gather(
        *(database.broadcasts.start(broadcast_id, EVERYONE, NOW, scheduled=False, report=None) for _ in range(5))
    )
    assert sorted(results, key=lambda count: count or 0) == [None, None, None, None, 2]
    assert (await database.broadcasts.tally(broadcast_id)).total == 2


async def test_a_scheduled_broadcast_is_due_at_its_time_and_starts_only_as_scheduled(database: Database) -> None:
    """Scheduling takes a draft out of composing; it is due from its moment; a draft start no longer applies."""
    store = database.broadcasts
    broadcast_id = await ready_draft(database)
    assert await store.schedule(broadcast_id, later(60), 500, NOW)
    assert not await store.schedule(broadcast_id, later(60), 500, NOW), "only a draft can be scheduled"
    assert await store.composers() == set()
    assert await store.due(later(59)) == []
    assert [broadcast.id for broadcast in await store.due(later(60))] == [broadcast_id]
    assert await store.start(broadcast_id, EVERYONE, later(60), scheduled=False, report=None) is None
    assert await store.start(broadcast_id, EVERYONE, later(60), scheduled=True, report=None) == 2
    assert [broadcast.id for broadcast in await store.sending()] == [broadcast_id]


async def test_each_recipient_is_marked_once_and_the_tally_adds_up(database: Database) -> None:
    """A row leaves 'pending' once; a second mark does nothing; finishing needs a broadcast being delivered."""
    store = database.broadcasts
    broadcast_id = await ready_draft(database)
    await store.start(broadcast_id, EVERYONE, NOW, scheduled=False, report=None)
    ids, outbox = await rows(database), database.outbox
    assert await outbox.settle(ids[PATIENT], DeliveryStatus.SENT, later(1))
    assert not await outbox.settle(ids[PATIENT], DeliveryStatus.FAILED, later(1))
    assert await outbox.settle(ids[OTHER], DeliveryStatus.BLOCKED, later(1), reason="x" * 500)
    assert await store.tally(broadcast_id) == Tally(pending=0, sent=1, blocked=1, failed=0)
    assert await store.finish(broadcast_id, later(2))
    assert not await store.finish(broadcast_id, later(3))
    assert await store.cancel(broadcast_id, later(3)) is None, "a finished broadcast cannot be cancelled"


async def test_a_claimed_recipient_is_sent_once_released_for_later_or_left_unconfirmed_by_a_crash(
    database: Database,
) -> None:
    """Claimed rows leave the pending list; a release puts one back; a restart makes the rest 'unconfirmed'."""
    store = database.broadcasts
    broadcast_id = await ready_draft(database)
    await store.start(broadcast_id, EVERYONE, NOW, scheduled=False, report=None)
    ids, outbox = await rows(database), database.outbox
    assert await outbox.claim_bulk(ids[PATIENT], later(1))
    assert not await outbox.claim_bulk(ids[PATIENT], later(1)), "a row is claimed once"
    assert await outbox.claim_bulk(ids[OTHER], later(1))
    assert await rows(database) == {}
    assert await store.tally(broadcast_id) == Tally(sending=2)
    await outbox.release(ids[OTHER], later(2), later(2))
    assert list(await rows(database)) == [OTHER]
    assert await outbox.resume(later(3)) == (0, 1), "the row a crash left 'sending'"
    assert await store.tally(broadcast_id) == Tally(pending=1, unconfirmed=1)
    assert not await outbox.settle(ids[PATIENT], DeliveryStatus.SENT, later(4)), "never again"
    assert await outbox.resume(later(5)) == (0, 0)


async def test_pending_recipients_say_whether_they_still_take_messages(database: Database) -> None:
    """A patient who blocks the bot or sends /stop after the snapshot is reported as such, to be skipped."""
    broadcast_id = await ready_draft(database)
    await database.broadcasts.start(broadcast_id, EVERYONE, NOW, scheduled=False, report=None)
    await database.patients.set_unreachable(PATIENT, later(1))
    await database.patients.set_messages_stopped(OTHER, True, later(1))
    due = await database.outbox.due(BULK, later(1), 10)
    assert [(item.delivery.user_id, item.unreachable, item.stopped) for item in due] == [
        (PATIENT, True, False),
        (OTHER, False, True),
    ]


async def test_cancelling_returns_the_broadcast_as_it_was_and_the_list_leaves_out_what_went_nowhere(
    database: Database,
) -> None:
    """Cancel gives back the state before; /broadcasts lists sent and scheduled ones, not drafts or cancelled drafts."""
    store = database.broadcasts
    sent = await ready_draft(database)
    await store.start(sent, EVERYONE, NOW, scheduled=False, report=None)
    dropped = await ready_draft(database)
    scheduled = await ready_draft(database)
    await store.schedule(scheduled, later(60), 500, NOW)
    await ready_draft(database, created_by=501)
    before = await store.cancel(dropped, later(1))
    assert before is not None
    assert before.status is BroadcastStatus.DRAFT
    assert await store.cancel(dropped, later(2)) is None
    cancelled_scheduled = await store.cancel(scheduled, later(1))
    assert cancelled_scheduled is not None
    assert cancelled_scheduled.status is BroadcastStatus.SCHEDULED
    listed = [(broadcast.id, broadcast.status, tally.total) for broadcast, tally in await store.recent(10)]
    assert listed == [(scheduled, BroadcastStatus.CANCELLED, 0), (sent, BroadcastStatus.SENDING, 2)]
    await store.cancel(sent, later(3))
    assert await store.tally(sent) == Tally(cancelled=2), "its pending rows are never sent"
    assert await rows(database) == {}
