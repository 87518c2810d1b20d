"""Alerts after they are raised: re-sent to staff while nobody acknowledges them; acknowledged or resolved, once.

Raising an alert is part of finishing a check-in (bot.care.checkins), in the transaction that stores its outcome.
"""

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from bot.care.services import Services
from bot.domain.records import Escalation, EscalationStatus

logger = logging.getLogger(__name__)

ACKNOWLEDGE, RESOLVE = "ack", "res"


@dataclass(frozen=True)
class AlertChange:
    """An escalation before and after a staff member's action."""

    before: Escalation
    after: Escalation


class AlertCare:
    """Queues re-sends of unacknowledged alerts; acknowledges and resolves them for staff (the guard checked who)."""

    def __init__(self, services: Services, wake: Callable[[], None]) -> None:
        self._services = services
        self._wake = wake  # the outbox's: the patient's word that the clinic has seen it goes out at once

    async def act(self, staff_id: int, escalation_id: int, action: str) -> AlertChange | Escalation | None:
        """Apply a staff action: the change, the escalation as it was when already done, or None when it is gone."""
        services = self._services
        store = services.database.escalations
        before = await store.get(escalation_id)
        if before is None:
            return None
        change = store.acknowledge if action == ACKNOWLEDGE else store.resolve
        after = await change(before.id, staff_id, services.clock())
        if after is None or after.status is before.status:
            return before
        if before.status is EscalationStatus.OPEN:
            self._wake()  # storage queued the patient's word with the change
        await services.database.audit.record(staff_id, after.status.value, f"escalation:{after.id}", services.clock())
        logger.info("escalation %s %s by staff %s", after.id, after.status.value, staff_id)
        return AlertChange(before, after)

    async def queue_resends(self) -> None:
        """Queue a re-send to the staff chat of every alert nobody has acknowledged within the configured time."""
        services = self._services
        cutoff = services.clock() - timedelta(minutes=services.settings.alert_resend_minutes)
        for escalation in await services.database.escalations.due_for_resend(cutoff):
            if escalation.staff_chat_id is not None:
                await services.database.escalations.mark_resent(escalation.id, services.clock())
