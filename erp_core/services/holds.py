"""Working the exception queue: a hold is released or the order cancelled, with a comment, by
a role permitted for the hold's reason."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from erp_core.adapters.database import Database
from erp_core.adapters.order_tables import Hold, Order
from erp_core.clock import utcnow
from erp_core.domain.access import Principal
from erp_core.domain.anomalies import Outcome
from erp_core.domain.errors import IllegalTransition, InvalidInput, PermissionDenied
from erp_core.domain.order_rules import HoldReason, HoldStatus, may_resolve
from erp_core.domain.orders import OrderStatus
from erp_core.queries.orders import order_detail
from erp_core.services import audit
from erp_core.services.anomaly_scoring import close_order_flags, learn_outcome
from erp_core.services.lookup import locked
from erp_core.services.order_lifecycle import change_status


def resolve_hold(
    db: Database,
    who: Principal,
    hold_id: int,
    release: bool,
    comment: str,
    outcome: Outcome | None = None,
) -> dict[str, Any]:
    """Release the hold (the order becomes ready once no hold is left open) or cancel the
    order (its other open holds close with it). Resolving an anomaly hold records what the
    order turned out to be, for the next training. Returns the order."""

    def work(session: Session) -> dict[str, Any]:
        hold = locked(session, Hold, hold_id, "hold")
        if hold.status != HoldStatus.OPEN:
            raise IllegalTransition(f"hold {hold_id} is already {hold.status.value}", id=hold_id)
        if not may_resolve(who.role, hold.reason):
            raise PermissionDenied(
                f"role {who.role.value} may not resolve {hold.reason.value} holds",
                role=who.role.value,
                reason=hold.reason.value,
            )
        if outcome is not None and hold.reason != HoldReason.ANOMALY:
            raise InvalidInput(
                f"an outcome is recorded on anomaly holds only; hold {hold_id} is "
                f"{hold.reason.value}",
                id=hold_id,
            )
        order = session.get_one(Order, hold.order_id, with_for_update=True)
        closing = [hold] if release else _open_holds(session, order.id)
        for each in closing:
            _close(each, HoldStatus.RELEASED if release else HoldStatus.CANCELLED, who, comment)
        session.flush()
        learnt = learn_outcome(session, hold, outcome, release, who.actor)
        if not release:
            close_order_flags(session, order.id, who.actor, f"order cancelled via hold {hold_id}")
            change_status(session, order, OrderStatus.CANCELLED, who.actor, comment)
        elif not _open_holds(session, order.id):
            change_status(session, order, OrderStatus.READY, who.actor, comment)
        audit.record(
            session.connection(),
            actor=who.actor,
            action="hold.resolve",
            entity="hold",
            key=str(hold_id),
            before={"status": HoldStatus.OPEN},
            after={
                "status": hold.status,
                "order_status": order.status,
                "comment": comment,
                "outcome": learnt,
            },
        )
        return order_detail(session, order.id)

    return db.transact(work)


def _open_holds(session: Session, order_id: int) -> list[Hold]:
    return list(
        session.scalars(
            select(Hold).where(Hold.order_id == order_id, Hold.status == HoldStatus.OPEN)
        )
    )


def _close(hold: Hold, status: HoldStatus, who: Principal, comment: str) -> None:
    hold.status = status
    hold.resolved_at = utcnow()
    hold.resolved_by = who.actor
    hold.comment = comment[:1000]
