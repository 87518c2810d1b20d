"""What staff do with an alert: acknowledge it or mark it resolved, once, with an audit line and no health detail."""

import logging
from dataclasses import dataclass

from bot.care.services import Services
from bot.domain.records import Escalation

logger = logging.getLogger(__name__)

ACKNOWLEDGE, RESOLVE = "ack", "res"


@dataclass(frozen=True)
class AlertChange:
    """An escalation before and after a staff member's action."""

    before: Escalation
    after: Escalation


class AlertCare:
    """Acknowledges and resolves escalations for staff (the staff guard has checked who pressed)."""

    def __init__(self, services: Services) -> None:
        self._services = services

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
        await services.database.audit.record(staff_id, after.status.value, f"escalation:{after.id}", services.clock())
        logger.info("escalation %s %s by staff %s", after.id, after.status.value, staff_id)
        return AlertChange(before, after)
