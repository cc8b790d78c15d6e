"""Picking, shipping (which invoices), pick lists, and the outbox of customer-facing events."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query

from api.deps import Db, require
from api.schemas.orders import (
    EventAck,
    EventParams,
    EventPublic,
    OrderPublic,
    PickLine,
    ShipmentCreate,
)
from erp_core.domain.access import Permission, Principal
from erp_core.queries.orders import pick_list
from erp_core.queries.pages import INT64_MAX
from erp_core.services import fulfillment, outbox

router = APIRouter(tags=["fulfillment"])
OrderId = Annotated[int, Path(ge=1, le=INT64_MAX)]
Shipper = Annotated[Principal, Depends(require(Permission.ORDERS_SHIP))]
Reader = Annotated[Principal, Depends(require(Permission.ORDERS_READ))]
Consumer = Annotated[Principal, Depends(require(Permission.EVENTS_CONSUME))]


@router.post(
    "/v1/orders/{order_id}/pick",
    response_model=OrderPublic,
    summary="Confirm every allocated unit of the order is picked",
)
def post_pick(order_id: OrderId, db: Db, who: Shipper) -> Any:
    return fulfillment.pick_order(db, who.actor, order_id)


@router.post(
    "/v1/orders/{order_id}/shipments",
    status_code=201,
    response_model=OrderPublic,
    summary="Confirm a shipment from one location: consumes the reservations, moves "
    "the stock out and invoices what shipped",
)
def post_shipment(order_id: OrderId, body: ShipmentCreate, db: Db, who: Shipper) -> Any:
    cmd = fulfillment.ShipCommand(
        location=body.location,
        carrier=body.carrier,
        tracking=body.tracking,
        lines=tuple(fulfillment.ShipLine(line.line_no, line.qty) for line in body.lines),
        shipping_cost=body.shipping_cost,
    )
    return fulfillment.ship_order(db, who.actor, order_id, cmd)


@router.get(
    "/v1/locations/{code}/pick-list",
    response_model=list[PickLine],
    summary="What to pick at a location, by order",
    tags=["locations"],
)
def get_pick_list(code: str, db: Db, _: Reader) -> Any:
    return pick_list(db, code)


@router.get(
    "/v1/events",
    response_model=list[EventPublic],
    tags=["events"],
    summary="Undelivered customer-facing events, oldest first (at-least-once delivery)",
)
def get_events(query: Annotated[EventParams, Query()], db: Db, _: Consumer) -> Any:
    return outbox.pending_events(db, query.after_id, query.limit)


@router.post(
    "/v1/events/ack",
    tags=["events"],
    summary="Mark events delivered; acknowledging twice is harmless",
)
def post_ack(body: EventAck, db: Db, _: Consumer) -> dict[str, int]:
    return {"acknowledged": outbox.acknowledge(db, body.ids)}
