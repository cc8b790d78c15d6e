"""Releasing and cancelling orders, and the backorder list."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request

from api.deps import Db, page_limit, require
from api.schemas.common import Page
from api.schemas.orders import (
    BackorderParams,
    BackorderPublic,
    LineCancel,
    OrderCancel,
    OrderPublic,
)
from erp_core.domain.access import Permission, Principal
from erp_core.queries.orders import backorders_page
from erp_core.queries.pages import INT64_MAX
from erp_core.services.line_cancellation import cancel_line
from erp_core.services.release import cancel_order, release_order

router = APIRouter(tags=["orders"])
OrderId = Annotated[int, Path(ge=1, le=INT64_MAX)]
Releaser = Annotated[Principal, Depends(require(Permission.ORDERS_RELEASE))]
Canceller = Annotated[Principal, Depends(require(Permission.ORDERS_CANCEL))]
Reader = Annotated[Principal, Depends(require(Permission.ORDERS_READ))]


@router.post(
    "/v1/orders/{order_id}/release",
    response_model=OrderPublic,
    summary="Route and reserve a ready or backordered order; what cannot ship waits",
)
def post_release(order_id: OrderId, request: Request, db: Db, who: Releaser) -> Any:
    return release_order(db, who.actor, order_id, request.app.state.router)


@router.post(
    "/v1/orders/{order_id}/cancel",
    response_model=OrderPublic,
    summary="Cancel before shipment: reservations return to free stock",
)
def post_cancel(order_id: OrderId, body: OrderCancel, db: Db, who: Canceller) -> Any:
    return cancel_order(db, who.actor, order_id, body.comment)


@router.post(
    "/v1/orders/{order_id}/lines/{line_no}/cancel",
    response_model=OrderPublic,
    summary="Cancel units of one line before they ship: their reservations return to free stock",
)
def post_cancel_line(
    order_id: OrderId,
    line_no: Annotated[int, Path(ge=1, le=100_000)],
    body: LineCancel,
    db: Db,
    who: Canceller,
) -> Any:
    return cancel_line(db, who.actor, order_id, line_no, body.qty, body.comment)


@router.get(
    "/v1/backorders",
    response_model=Page[BackorderPublic],
    summary="Order lines waiting for stock, oldest order first",
)
def list_backorders(query: Annotated[BackorderParams, Query()], db: Db, _: Reader) -> Any:
    return backorders_page(db, query.sku, query.cursor, page_limit(db, query.limit))
