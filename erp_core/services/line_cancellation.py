"""Cancelling part of an order before it ships: units of one line, the rest going on.

Cancelled units come first out of what the line still waits for, then out of its
reservations (newest first, so the oldest promises stand), which go back to free stock in the
same transaction. The order follows: all of it cancelled, it is cancelled; everything left
shipped, it is shipped and invoiced; nothing left waiting, a backordered order is allocated.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from erp_core.adapters.database import Database
from erp_core.adapters.order_tables import Order, OrderAllocation, OrderLine
from erp_core.domain.errors import IllegalTransition, InvalidInput, NotFound
from erp_core.domain.orders import AllocationStatus, OrderStatus
from erp_core.queries.orders import OPEN_QTY, order_detail
from erp_core.services import audit, outbox
from erp_core.services.fulfillment import shipped_quantities
from erp_core.services.inventory import unreserve
from erp_core.services.order_lifecycle import change_status, locked_order
from erp_core.services.release import close_open_holds

# Before shipment is over: the states in which a line still has units that may not ship.
CANCELLABLE = frozenset(
    {
        OrderStatus.RECEIVED,
        OrderStatus.HELD,
        OrderStatus.READY,
        OrderStatus.ALLOCATED,
        OrderStatus.BACKORDERED,
        OrderStatus.PICKED,
    }
)


def cancel_line(
    db: Database, actor: str, order_id: int, line_no: int, qty: int | None, comment: str
) -> dict[str, Any]:
    """Cancel `qty` units of the line (None: every unit not yet shipped)."""

    def work(session: Session) -> dict[str, Any]:
        order = locked_order(session, order_id)
        if order.status not in CANCELLABLE:
            raise IllegalTransition(
                f"order {order_id} is {order.status.value}; its lines can no longer change",
                order=order_id,
                status=order.status.value,
            )
        line = _line(session, order_id, line_no)
        shipped = shipped_quantities(session, order_id)
        unshipped = line.qty - line.qty_cancelled - shipped.get(line.id, 0)
        cancelled = unshipped if qty is None else qty
        if not 0 < cancelled <= unshipped:
            raise InvalidInput(
                f"line {line_no} has {unshipped} units not shipped or cancelled, "
                f"{cancelled} to cancel",
                line_no=line_no,
                unshipped=unshipped,
            )
        waiting = int(session.scalar(select(OPEN_QTY).where(OrderLine.id == line.id)) or 0)
        _release(session, actor, line, cancelled - min(cancelled, waiting))
        line.qty_cancelled += cancelled
        session.flush()
        _follow(session, order, shipped, actor, comment)
        outbox.emit(
            session,
            "order.line_cancelled",
            order.id,
            {
                "order_id": order.id,
                "external_id": order.external_id,
                "line_no": line_no,
                "qty": cancelled,
                "comment": comment,
            },
        )
        audit.record(
            session.connection(),
            actor=actor,
            action="order.cancel_line",
            entity="order",
            key=str(order.id),
            before={"line_no": line_no, "qty_cancelled": line.qty_cancelled - cancelled},
            after={"line_no": line_no, "qty_cancelled": line.qty_cancelled, "comment": comment},
        )
        return order_detail(session, order.id)

    return db.transact(work)


def _line(session: Session, order_id: int, line_no: int) -> OrderLine:
    line = session.scalar(
        select(OrderLine)
        .where(OrderLine.order_id == order_id, OrderLine.line_no == line_no)
        .with_for_update()
    )
    if line is None:
        raise NotFound(f"order {order_id} has no line {line_no}", line_no=line_no)
    return line


def _release(session: Session, actor: str, line: OrderLine, qty: int) -> None:
    """Give `qty` of the line's reserved units back to free stock, newest reservation first."""
    allocations = session.scalars(
        select(OrderAllocation)
        .where(
            OrderAllocation.order_line_id == line.id,
            OrderAllocation.status == AllocationStatus.ACTIVE,
        )
        .order_by(OrderAllocation.id.desc())
        .with_for_update()
    )
    left = qty
    for allocation in allocations:
        if left == 0:
            break
        take = min(left, allocation.qty)
        unreserve(session.connection(), actor, allocation.reservation_id, take)
        if take == allocation.qty:
            allocation.status = AllocationStatus.RELEASED
        else:
            allocation.qty -= take
        left -= take


def _follow(
    session: Session, order: Order, shipped: dict[int, int], actor: str, comment: str
) -> None:
    """The order's status after a line changed (`shipped`: units shipped per line id)."""
    lines = session.scalars(select(OrderLine).where(OrderLine.order_id == order.id))
    left = sum(line.qty - line.qty_cancelled - shipped.get(line.id, 0) for line in lines)
    if left == 0 and not shipped:
        change_status(session, order, OrderStatus.CANCELLED, actor, comment)
        close_open_holds(session, order.id, actor, comment)
    elif left == 0:
        change_status(session, order, OrderStatus.SHIPPED, actor, comment)
        change_status(session, order, OrderStatus.INVOICED, actor)
    elif order.status == OrderStatus.BACKORDERED and _nothing_waiting(session, order.id):
        change_status(
            session, order, OrderStatus.ALLOCATED, actor, "the backordered part was cancelled"
        )


def _nothing_waiting(session: Session, order_id: int) -> bool:
    waiting = session.scalars(select(OPEN_QTY).where(OrderLine.order_id == order_id))
    return all(qty <= 0 for qty in waiting)
