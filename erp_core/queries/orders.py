"""Reading orders: one order with its lines, holds and timeline; the hold queue; order lists."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from erp_core.adapters.anomaly_tables import OrderAnomalyScore
from erp_core.adapters.database import Database
from erp_core.adapters.fulfillment_tables import Invoice, Shipment, ShipmentLine
from erp_core.adapters.order_tables import (
    Hold,
    Order,
    OrderAllocation,
    OrderLine,
    OrderStatusChange,
)
from erp_core.adapters.tables import Channel, Customer, Item, Location
from erp_core.clock import utcnow
from erp_core.domain.errors import NotFound
from erp_core.domain.order_rules import HoldReason, HoldStatus
from erp_core.domain.orders import AllocationStatus, OrderStatus
from erp_core.queries.inbound import inbound
from erp_core.queries.pages import Page, keyset, page_of
from erp_core.services.lookup import by_code

# What of an order line is neither cancelled, reserved for it nor shipped: what it still waits
# for.
_ALLOCATED = (
    select(func.coalesce(func.sum(OrderAllocation.qty), 0))
    .where(
        OrderAllocation.order_line_id == OrderLine.id,
        OrderAllocation.status == AllocationStatus.ACTIVE,
    )
    .scalar_subquery()
)
_SHIPPED = (
    select(func.coalesce(func.sum(ShipmentLine.qty), 0))
    .where(ShipmentLine.order_line_id == OrderLine.id)
    .scalar_subquery()
)
OPEN_QTY = (OrderLine.qty - OrderLine.qty_cancelled - _ALLOCATED - _SHIPPED).label("open_qty")

_ORDER = (
    select(
        Order.id,
        Channel.code.label("channel"),
        Order.external_id,
        Customer.code.label("customer"),
        Order.status,
        Order.payment_status,
        Order.shipping_method,
        Order.ship_to,
        Order.currency,
        Order.requested_delivery_date,
        Order.goods,
        Order.discount,
        Order.tax,
        Order.shipping,
        Order.total,
        Order.created_at,
        Order.status_changed_at,
    )
    .join(Channel, Channel.id == Order.channel_id)
    .outerjoin(Customer, Customer.id == Order.customer_id)
)
_HOLD = (
    select(
        Hold.id,
        Hold.order_id,
        Channel.code.label("channel"),
        Order.external_id,
        Hold.reason,
        Hold.message,
        Hold.details,
        Hold.status,
        Hold.opened_at,
        Hold.resolved_at,
        Hold.resolved_by,
        Hold.comment,
    )
    .join(Order, Order.id == Hold.order_id)
    .join(Channel, Channel.id == Order.channel_id)
)


def order_detail(session: Session, order_id: int) -> dict[str, Any]:
    row = session.execute(_ORDER.where(Order.id == order_id)).first()
    if row is None:
        raise NotFound(f"order {order_id} not found", id=order_id)
    lines = session.execute(
        select(
            OrderLine.line_no,
            Item.sku,
            OrderLine.qty,
            OrderLine.qty_cancelled,
            OrderLine.unit_price,
            OrderLine.discount,
            OrderLine.tax,
        )
        .join(Item, Item.id == OrderLine.item_id)
        .where(OrderLine.order_id == order_id)
        .order_by(OrderLine.line_no)
    )
    timeline = session.execute(
        select(
            OrderStatusChange.from_status,
            OrderStatusChange.to_status,
            OrderStatusChange.at,
            OrderStatusChange.actor,
            OrderStatusChange.note,
        )
        .where(OrderStatusChange.order_id == order_id)
        .order_by(OrderStatusChange.id)
    )
    holds = session.execute(_HOLD.where(Hold.order_id == order_id).order_by(Hold.id))
    allocations = session.execute(
        select(
            OrderLine.line_no,
            Item.sku,
            Location.code.label("location"),
            OrderAllocation.qty,
            OrderAllocation.status,
            OrderAllocation.reservation_id,
        )
        .join(OrderLine, OrderLine.id == OrderAllocation.order_line_id)
        .join(Item, Item.id == OrderLine.item_id)
        .join(Location, Location.id == OrderAllocation.location_id)
        .where(OrderLine.order_id == order_id)
        .order_by(OrderAllocation.id)
    )
    return {
        **row._mapping,
        "lines": [dict(r._mapping) for r in lines],
        "allocations": [dict(r._mapping) for r in allocations],
        "shipments": _shipments(session, order_id),
        "invoices": [
            dict(r._mapping)
            for r in session.execute(
                select(
                    Invoice.id,
                    Invoice.shipment_id,
                    Invoice.issued_at,
                    Invoice.currency,
                    Invoice.goods,
                    Invoice.discount,
                    Invoice.tax,
                    Invoice.shipping,
                    Invoice.total,
                )
                .where(Invoice.order_id == order_id)
                .order_by(Invoice.id)
            )
        ],
        "holds": [dict(r._mapping) for r in holds],
        "timeline": [dict(r._mapping) for r in timeline],
        "anomaly": _anomaly(session, order_id),
    }


def _anomaly(session: Session, order_id: int) -> dict[str, Any] | None:
    """How capture scored the order for anomaly: by the model or by the rules, and why."""
    row = session.execute(
        select(
            OrderAnomalyScore.score,
            OrderAnomalyScore.threshold,
            OrderAnomalyScore.held,
            OrderAnomalyScore.reasons,
            OrderAnomalyScore.scored_by,
            OrderAnomalyScore.model_version,
            OrderAnomalyScore.note,
            OrderAnomalyScore.outcome,
        ).where(OrderAnomalyScore.order_id == order_id)
    ).first()
    if row is None:
        return None
    return {**row._mapping, "degraded": row.scored_by == "rules"}


def _shipments(session: Session, order_id: int) -> list[dict[str, Any]]:
    shipments = [
        dict(r._mapping)
        for r in session.execute(
            select(
                Shipment.id,
                Location.code.label("location"),
                Shipment.carrier,
                Shipment.tracking,
                Shipment.shipped_at,
                Shipment.shipping_cost,
            )
            .join(Location, Location.id == Shipment.location_id)
            .where(Shipment.order_id == order_id)
            .order_by(Shipment.id)
        )
    ]
    lines = session.execute(
        select(ShipmentLine.shipment_id, OrderLine.line_no, ShipmentLine.qty)
        .join(OrderLine, OrderLine.id == ShipmentLine.order_line_id)
        .where(OrderLine.order_id == order_id)
        .order_by(ShipmentLine.id)
    )
    by_shipment: dict[int, list[dict[str, int]]] = {s["id"]: [] for s in shipments}
    for shipment_id, line_no, qty in lines:
        by_shipment[shipment_id].append({"line_no": line_no, "qty": qty})
    return [{**s, "lines": by_shipment[s["id"]]} for s in shipments]


def pick_list(db: Database, location: str) -> list[dict[str, Any]]:
    """What to pick at a location: active allocations of orders not yet shipped, oldest first."""

    def run(session: Session) -> list[dict[str, Any]]:
        found = by_code(session, Location, location)
        rows = session.execute(
            select(
                Order.id.label("order_id"),
                Channel.code.label("channel"),
                Order.external_id,
                OrderLine.line_no,
                Item.sku,
                Item.name,
                func.sum(OrderAllocation.qty).label("qty"),
            )
            .join(OrderLine, OrderLine.id == OrderAllocation.order_line_id)
            .join(Order, Order.id == OrderLine.order_id)
            .join(Channel, Channel.id == Order.channel_id)
            .join(Item, Item.id == OrderLine.item_id)
            .where(
                OrderAllocation.location_id == found.id,
                OrderAllocation.status == AllocationStatus.ACTIVE,
            )
            .group_by(
                Order.id, Channel.code, Order.external_id, OrderLine.line_no, Item.sku, Item.name
            )
            .order_by(Order.id, OrderLine.line_no)
        )
        return [dict(r._mapping) for r in rows]

    return db.read(run)


def get_order(db: Database, order_id: int) -> dict[str, Any]:
    return db.read(lambda session: order_detail(session, order_id))


def orders_page(
    db: Database, status: OrderStatus | None, channel: str | None, cursor: str | None, limit: int
) -> Page:
    query = _ORDER
    if status is not None:
        query = query.where(Order.status == status)
    if channel is not None:
        query = query.where(Channel.code == channel)
    query = keyset(query, Order.id, cursor, limit, newest_first=True)

    def run(session: Session) -> Page:
        rows, next_cursor = page_of(list(session.execute(query)), limit, lambda r: (r.id,))
        return Page([dict(r._mapping) for r in rows], next_cursor)

    return db.read(run)


def hold_queue(
    db: Database,
    reason: HoldReason | None,
    channel: str | None,
    older_than: timedelta | None,
    status: HoldStatus,
    cursor: str | None,
    limit: int,
) -> Page:
    """The exception queue, oldest first: the longest-waiting order is worked first."""
    query = _HOLD.where(Hold.status == status)
    if reason is not None:
        query = query.where(Hold.reason == reason)
    if channel is not None:
        query = query.where(Channel.code == channel)
    if older_than is not None:
        query = query.where(Hold.opened_at <= utcnow() - older_than)
    query = keyset(query, Hold.id, cursor, limit)

    def run(session: Session) -> Page:
        rows, next_cursor = page_of(list(session.execute(query)), limit, lambda r: (r.id,))
        now = utcnow()
        return Page([_aged(dict(r._mapping), now) for r in rows], next_cursor)

    return db.read(run)


def _aged(hold: dict[str, Any], now: datetime) -> dict[str, Any]:
    return {**hold, "age_seconds": int((now - hold["opened_at"]).total_seconds())}


def backorders_page(db: Database, sku: str | None, cursor: str | None, limit: int) -> Page:
    """Lines of backordered orders with what is still to allocate, oldest first."""
    query = (
        select(
            OrderLine.id,
            OrderLine.order_id,
            Channel.code.label("channel"),
            Order.external_id,
            OrderLine.line_no,
            OrderLine.item_id,
            Item.sku,
            OrderLine.qty,
            OPEN_QTY,
            Order.created_at,
            Channel.allocation_priority,
        )
        .join(Order, Order.id == OrderLine.order_id)
        .join(Channel, Channel.id == Order.channel_id)
        .join(Item, Item.id == OrderLine.item_id)
        .where(Order.status == OrderStatus.BACKORDERED, OrderLine.qty - _ALLOCATED - _SHIPPED > 0)
    )
    if sku is not None:
        query = query.where(Item.sku == sku)
    query = keyset(query, OrderLine.id, cursor, limit)

    def run(session: Session) -> Page:
        rows, next_cursor = page_of(list(session.execute(query)), limit, lambda r: (r.id,))
        now = utcnow()
        expected = _expected_inbound(session, {r.item_id for r in rows})
        return Page(
            [
                {
                    **r._mapping,
                    "age_seconds": int((now - r.created_at).total_seconds()),
                    **expected.get(r.item_id, _NOTHING_INBOUND),
                }
                for r in rows
            ],
            next_cursor,
        )

    return db.read(run)


_NOTHING_INBOUND: dict[str, Any] = {"inbound_qty": 0, "next_inbound_date": None}


def _expected_inbound(session: Session, item_ids: set[int]) -> dict[int, dict[str, Any]]:
    """When stock for a backordered item is next expected (any location, any source) and how
    much is on its way in all."""
    expected: dict[int, dict[str, Any]] = {}
    for arrival in inbound(session, sorted(item_ids)) if item_ids else []:
        found = expected.setdefault(
            arrival.item_id, {"inbound_qty": 0, "next_inbound_date": arrival.expected_date}
        )
        found["inbound_qty"] += arrival.qty
    return expected
