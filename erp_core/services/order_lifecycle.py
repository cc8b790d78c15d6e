"""Moving an order through its states: every change checked, stamped and written to the
order's timeline."""

from __future__ import annotations

from sqlalchemy.orm import Session

from erp_core.adapters.order_tables import Order, OrderStatusChange
from erp_core.clock import utcnow
from erp_core.domain.orders import CUSTOMER_FACING, OrderStatus, check_transition
from erp_core.services import outbox
from erp_core.services.lookup import locked


def locked_order(session: Session, order_id: int) -> Order:
    """The order, locked against concurrent changes for the rest of the transaction."""
    return locked(session, Order, order_id, "order")


def record_receipt(session: Session, order: Order, actor: str) -> None:
    """The first line of a new order's timeline; the order row starts as received."""
    _stamp(session, order, None, OrderStatus.RECEIVED, actor, None)


def change_status(
    session: Session, order: Order, target: OrderStatus, actor: str, note: str | None = None
) -> None:
    check_transition(str(order.id), order.status, target)
    _stamp(session, order, order.status, target, actor, note)


def _stamp(
    session: Session,
    order: Order,
    previous: OrderStatus | None,
    target: OrderStatus,
    actor: str,
    note: str | None,
) -> None:
    now = utcnow()
    order.status = target
    order.status_changed_at = now
    session.add(
        OrderStatusChange(
            order_id=order.id,
            from_status=previous,
            to_status=target,
            at=now,
            actor=actor,
            note=note[:500] if note else None,
        )
    )
    if target in CUSTOMER_FACING:
        outbox.emit(
            session,
            f"order.{target.value}",
            order.id,
            {
                "order_id": order.id,
                "external_id": order.external_id,
                "status": target,
                "at": now,
                "note": note,
            },
        )
