"""Picking and shipping: a shipment consumes the reservations it ships, takes the stock out of
the ledger, and is invoiced in the same transaction."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from erp_core.adapters.database import Database
from erp_core.adapters.fulfillment_tables import Shipment, ShipmentLine
from erp_core.adapters.order_tables import OrderAllocation, OrderLine
from erp_core.adapters.tables import RESERVATIONS, Item, Location
from erp_core.clock import utcnow
from erp_core.domain.errors import IllegalTransition, InsufficientStock, InvalidInput
from erp_core.domain.orders import AllocationStatus, OrderStatus
from erp_core.domain.stock import Move, StockStatus
from erp_core.domain.valuation import current_cost
from erp_core.queries.orders import order_detail
from erp_core.services import audit, outbox
from erp_core.services.inventory import record_move
from erp_core.services.invoicing import invoice_shipment
from erp_core.services.lookup import by_code, place_by_ids
from erp_core.services.order_lifecycle import change_status, locked_order

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
        for ship in cmd.lines:
            if ship.line_no not in lines:
                raise InvalidInput(
                    f"order {order_id} has no line {ship.line_no}", line_no=ship.line_no
                )
            line = lines[ship.line_no]
            _consume(session, actor, line, location, ship.qty, shipment.id)
            item = session.get_one(Item, line.item_id)
            session.add(
                ShipmentLine(
                    shipment_id=shipment.id,
                    order_line_id=line.id,
                    qty=ship.qty,
                    # Units leave the shelf at what the shelf cost, not at what the order
                    # expected when it was captured.
                    unit_cost=current_cost(item.unit_cost, item.average_cost),
                )
            )
        session.flush()
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
