"""Picking and shipping: a shipment consumes the reservations it ships, takes the stock out of
the ledger, and is invoiced in the same transaction."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from erp_core.adapters.database import Database
from erp_core.adapters.fulfillment_tables import Shipment, ShipmentLine
from erp_core.adapters.order_tables import Order, OrderAllocation, OrderLine
from erp_core.adapters.tables import RESERVATIONS, Item, Location
from erp_core.adapters.valuation import lock_cost
from erp_core.clock import utcnow
from erp_core.domain.errors import IllegalTransition, InsufficientStock, InvalidInput
from erp_core.domain.journal import shipping_postings
from erp_core.domain.orders import AllocationStatus, OrderStatus
from erp_core.domain.stock import Move, StockStatus
from erp_core.queries.orders import order_detail
from erp_core.queries.routing_facts import parcel_price
from erp_core.services import audit, outbox
from erp_core.services.inventory import record_move
from erp_core.services.invoicing import invoice_shipment
from erp_core.services.journal import post_entry
from erp_core.services.lookup import by_code, place_by_ids
from erp_core.services.order_lifecycle import change_status, locked_order
from erp_core.settings import Settings

SHIPPABLE = (OrderStatus.ALLOCATED, OrderStatus.BACKORDERED, OrderStatus.PICKED)


@dataclass(frozen=True)
class ShipLine:
    line_no: int
    qty: int


@dataclass(frozen=True)
class ShipCommand:
    location: str
    carrier: str
    lines: tuple[ShipLine, ...]
    tracking: str | None = None
    # The carrier's charge from the label; None: priced on the lane's rates, as routing does.
    shipping_cost: Decimal | None = None


def pick_order(db: Database, actor: str, order_id: int) -> dict[str, Any]:
    """The warehouse has picked every allocated unit of the order."""

    def work(session: Session) -> dict[str, Any]:
        order = locked_order(session, order_id)
        change_status(session, order, OrderStatus.PICKED, actor)
        return order_detail(session, order.id)

    return db.transact(work)


def ship_order(db: Database, actor: str, order_id: int, cmd: ShipCommand) -> dict[str, Any]:
    """Ship allocated units from one location (partial shipments allowed); the order becomes
    shipped, then invoiced, when nothing is left to ship."""
    numbers = [line.line_no for line in cmd.lines]
    if not numbers or len(set(numbers)) != len(numbers):
        raise InvalidInput("name each order line once, with the quantity shipped")

    def work(session: Session) -> dict[str, Any]:
        order = locked_order(session, order_id)
        if order.status not in SHIPPABLE:
            raise IllegalTransition(
                f"order {order_id} is {order.status.value}; nothing to ship",
                order=order_id,
                status=order.status.value,
            )
        location = by_code(session, Location, cmd.location)
        lines = {
            line.line_no: line
            for line in session.scalars(select(OrderLine).where(OrderLine.order_id == order.id))
        }
        shipment = Shipment(
            order_id=order.id,
            location_id=location.id,
            carrier=cmd.carrier,
            tracking=cmd.tracking,
            actor=actor,
        )
        session.add(shipment)
        session.flush()
        unknown = [s.line_no for s in cmd.lines if s.line_no not in lines]
        if unknown:
            raise InvalidInput(f"order {order_id} has no line {unknown[0]}", line_no=unknown[0])
        conn = session.connection()
        # Units leave the shelf at what the shelf cost, not at what the order expected when it
        # was captured; the costs are locked in item order before any stock row.
        costs = {
            item_id: lock_cost(conn, item_id)
            for item_id in sorted({lines[s.line_no].item_id for s in cmd.lines})
        }
        for ship in cmd.lines:
            line = lines[ship.line_no]
            _consume(session, actor, line, location, ship.qty, shipment.id)
            session.add(
                ShipmentLine(
                    shipment_id=shipment.id,
                    order_line_id=line.id,
                    qty=ship.qty,
                    unit_cost=costs[line.item_id],
                )
            )
        session.flush()
        _post_shipping(session, db.settings, actor, order, shipment, cmd)
        invoice = invoice_shipment(session, actor, order, shipment)
        outbox.emit(
            session,
            "order.shipment",
            order.id,
            {
                "order_id": order.id,
                "external_id": order.external_id,
                "carrier": cmd.carrier,
                "tracking": cmd.tracking,
                "lines": [{"line_no": s.line_no, "qty": s.qty} for s in cmd.lines],
            },
        )
        if _nothing_left(session, order.id):
            change_status(session, order, OrderStatus.SHIPPED, actor)
            change_status(session, order, OrderStatus.INVOICED, actor)
        session.flush()
        audit.record(
            session.connection(),
            actor=actor,
            action="order.ship",
            entity="order",
            key=str(order.id),
            before=None,
            after={"shipment": shipment.id, "invoice_total": invoice.total},
        )
        return order_detail(session, order.id)

    return db.transact(work)


def _post_shipping(
    session: Session,
    settings: Settings,
    actor: str,
    order: Order,
    shipment: Shipment,
    cmd: ShipCommand,
) -> None:
    """The carrier's charge for the parcels to shipping expense: as the label says, or priced
    on the lane's rates for the weight shipped."""
    cost = cmd.shipping_cost
    if cost is None:
        weight = session.scalar(
            select(func.coalesce(func.sum(ShipmentLine.qty * Item.weight_kg), 0))
            .join(OrderLine, OrderLine.id == ShipmentLine.order_line_id)
            .join(Item, Item.id == OrderLine.item_id)
            .where(ShipmentLine.shipment_id == shipment.id)
        )
        grams = round(Decimal(weight or 0) * 1000)
        cost = parcel_price(session, settings, order.ship_to, shipment.location_id, grams)
    shipment.shipping_cost = cost
    if cost:
        post_entry(
            session,
            f"shipping, order {order.external_id}",
            f"order:{order.id}/shipment:{shipment.id}",
            actor,
            shipping_postings(cost),
        )


def shipped_quantities(session: Session, order_id: int) -> dict[int, int]:
    return {
        line_id: int(qty)
        for line_id, qty in session.execute(
            select(ShipmentLine.order_line_id, func.sum(ShipmentLine.qty))
            .join(OrderLine, OrderLine.id == ShipmentLine.order_line_id)
            .where(OrderLine.order_id == order_id)
            .group_by(ShipmentLine.order_line_id)
        )
    }


def _consume(
    session: Session,
    actor: str,
    line: OrderLine,
    location: Location,
    qty: int,
    shipment_id: int,
) -> None:
    """Take `qty` out of the line's active allocations at the location, oldest first."""
    allocations = list(
        session.scalars(
            select(OrderAllocation)
            .where(
                OrderAllocation.order_line_id == line.id,
                OrderAllocation.location_id == location.id,
                OrderAllocation.status == AllocationStatus.ACTIVE,
            )
            .order_by(OrderAllocation.id)
            .with_for_update()
        )
    )
    allocated = sum(a.qty for a in allocations)
    if qty <= 0 or qty > allocated:
        raise InsufficientStock(
            f"line {line.line_no} has {allocated} allocated at {location.code}, {qty} to ship",
            line_no=line.line_no,
            allocated=allocated,
            requested=qty,
        )
    conn = session.connection()
    place = place_by_ids(conn, line.item_id, location.id)
    record_move(
        conn,
        "inventory.ship",
        place,
        Move(StockStatus.RESERVED, None, qty),
        "shipment",
        f"shipment:{shipment_id}",
        actor,
    )
    left = qty
    for allocation in allocations:
        take = min(left, allocation.qty)
        _shrink_reservation(session, allocation.reservation_id, take, allocation.qty)
        if take == allocation.qty:
            allocation.status = AllocationStatus.SHIPPED
        else:
            allocation.qty -= take
        left -= take
        if left == 0:
            break


def _shrink_reservation(session: Session, reservation_id: int, take: int, held: int) -> None:
    """A shipped reservation is consumed: used up entirely, or reduced by what shipped."""
    values: dict[str, Any] = (
        {"active": False, "released_at": utcnow()}
        if take == held
        else {"qty": RESERVATIONS.c.qty - take}
    )
    session.connection().execute(
        update(RESERVATIONS).where(RESERVATIONS.c.id == reservation_id).values(values)
    )


def _nothing_left(session: Session, order_id: int) -> bool:
    shipped = shipped_quantities(session, order_id)
    return all(
        shipped.get(line.id, 0) >= line.qty - line.qty_cancelled
        for line in session.scalars(select(OrderLine).where(OrderLine.order_id == order_id))
    )
