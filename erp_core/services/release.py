"""Releasing orders: ask the router where each line ships from, reserve that stock in the same
transaction, backorder what cannot ship yet; and cancelling orders before shipment."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from erp_core.adapters.database import Database
from erp_core.adapters.fulfillment_tables import ShipmentLine
from erp_core.adapters.order_tables import Hold, Order, OrderAllocation, OrderLine
from erp_core.adapters.tables import Channel
from erp_core.clock import utcnow
from erp_core.domain.errors import IllegalTransition
from erp_core.domain.order_rules import HoldStatus
from erp_core.domain.orders import AllocationStatus, OrderStatus
from erp_core.domain.routing import Assignment, Router
from erp_core.queries.orders import order_detail
from erp_core.queries.routing_facts import AskedLine, open_lines_of, routing_facts
from erp_core.services import audit
from erp_core.services.anomaly_scoring import close_order_flags
from erp_core.services.inventory import reserve, unreserve
from erp_core.services.lookup import place_by_ids
from erp_core.services.order_lifecycle import change_status, locked_order
from erp_core.services.order_policies import policy_for
from erp_core.settings import Settings

RELEASABLE = (OrderStatus.READY, OrderStatus.BACKORDERED)


def release_order(db: Database, actor: str, order_id: int, router: Router) -> dict[str, Any]:
    """Allocate a ready (or backordered) order; the order ends allocated or backordered, its
    reservations all made or none (one transaction)."""

    def work(session: Session) -> dict[str, Any]:
        order = locked_order(session, order_id)
        if order.status not in RELEASABLE:
            raise IllegalTransition(
                f"order {order_id} is {order.status.value}, not releasable",
                order=order_id,
                status=order.status.value,
            )
        if order.status == OrderStatus.READY:
            change_status(session, order, OrderStatus.RELEASED, actor)
        open_lines = {line.line_id: line for line in open_lines_of(session, order.id)}
        plan = _plan(session, db.settings, order, open_lines, router)
        complete = _covers(plan, open_lines)
        if not complete and not policy_for(session, order.channel_id).ship_partial:
            plan = []
        _allocate(session, actor, order, open_lines, plan)
        target = OrderStatus.ALLOCATED if complete else OrderStatus.BACKORDERED
        if order.status != target:
            change_status(session, order, target, actor)
        allocated = [{"line": a.line_id, "location": a.location_id, "qty": a.qty} for a in plan]
        audit.record(
            session.connection(),
            actor=actor,
            action="order.release",
            entity="order",
            key=str(order.id),
            before=None,
            after={"status": order.status, "allocated": allocated},
        )
        return order_detail(session, order.id)

    return db.transact(work)


def cancel_order(db: Database, actor: str, order_id: int, comment: str) -> dict[str, Any]:
    """Cancel what has not shipped: reservations go back to free stock, open holds close. An
    order with nothing shipped is cancelled; one partly shipped ends invoiced for what shipped."""

    def work(session: Session) -> dict[str, Any]:
        order = locked_order(session, order_id)
        if _anything_shipped(session, order.id):
            # The shipped part stands (and is invoiced); only the rest is cancelled.
            change_status(session, order, OrderStatus.SHIPPED, actor, comment)
            change_status(session, order, OrderStatus.INVOICED, actor)
        else:
            change_status(session, order, OrderStatus.CANCELLED, actor, comment)
        conn = session.connection()
        for allocation in _active_allocations(session, order.id):
            unreserve(conn, actor, allocation.reservation_id)
            allocation.status = AllocationStatus.RELEASED
        close_open_holds(session, order.id, actor, comment)
        audit.record(
            conn,
            actor=actor,
            action="order.cancel",
            entity="order",
            key=str(order.id),
            before=None,
            after={"comment": comment},
        )
        return order_detail(session, order.id)

    return db.transact(work)


def close_open_holds(session: Session, order_id: int, actor: str, comment: str) -> None:
    """A cancelled order's holds are closed with it: nobody needs to work them any more."""
    open_holds = select(Hold).where(Hold.order_id == order_id, Hold.status == HoldStatus.OPEN)
    for hold in session.scalars(open_holds):
        hold.status, hold.resolved_at = HoldStatus.CANCELLED, utcnow()
        hold.resolved_by, hold.comment = actor, comment[:1000]
    close_order_flags(session, order_id, actor, f"order cancelled: {comment}")


def releasable_orders(db: Database, limit: int) -> list[int]:
    """Ready orders first, then backordered ones; within each, by channel priority, then age."""
    query = (
        select(Order.id)
        .join(Channel, Channel.id == Order.channel_id)
        .where(Order.status.in_(RELEASABLE))
        .order_by(
            Order.status != OrderStatus.READY,
            Channel.allocation_priority,
            Order.created_at,
            Order.id,
        )
        .limit(limit)
    )
    return db.read(lambda session: list(session.scalars(query)))


def _anything_shipped(session: Session, order_id: int) -> bool:
    shipped = session.scalar(
        select(func.count())
        .select_from(ShipmentLine)
        .join(OrderLine, OrderLine.id == ShipmentLine.order_line_id)
        .where(OrderLine.order_id == order_id)
    )
    return bool(shipped)


def _plan(
    session: Session,
    settings: Settings,
    order: Order,
    open_lines: dict[int, AskedLine],
    router: Router,
) -> list[Assignment]:
    if not open_lines:
        return []
    lines = list(open_lines.values())
    channel = session.get_one(Channel, order.channel_id)
    facts = routing_facts(
        session, settings, lines, order.ship_to, channel, order.requested_delivery_date, lock=True
    )
    return router.route(facts)


def _covers(plan: list[Assignment], open_lines: dict[int, AskedLine]) -> bool:
    assigned: dict[int, int] = defaultdict(int)
    for a in plan:
        assigned[a.line_id] += a.qty
    return all(assigned[line_id] >= line.qty for line_id, line in open_lines.items())


def _allocate(
    session: Session,
    actor: str,
    order: Order,
    open_lines: dict[int, AskedLine],
    plan: list[Assignment],
) -> None:
    """Reserve each assignment; a router that overcommits fails here (insufficient stock)
    and the whole release rolls back."""
    conn = session.connection()
    for a in plan:
        item_id = open_lines[a.line_id].item_id
        place = place_by_ids(conn, item_id, a.location_id)
        made = reserve(conn, actor, place, a.qty, f"order:{order.id}/line:{a.line_id}")
        session.add(
            OrderAllocation(
                order_line_id=a.line_id,
                location_id=a.location_id,
                reservation_id=made["id"],
                qty=a.qty,
                status=AllocationStatus.ACTIVE,
            )
        )


def _active_allocations(session: Session, order_id: int) -> list[OrderAllocation]:
    return list(
        session.scalars(
            select(OrderAllocation)
            .join(OrderLine, OrderLine.id == OrderAllocation.order_line_id)
            .where(
                OrderLine.order_id == order_id, OrderAllocation.status == AllocationStatus.ACTIVE
            )
            .order_by(OrderAllocation.id)
        )
    )
