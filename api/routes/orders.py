"""Order capture and reading, and each channel's order validation policy."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Path, Query, Request
from fastapi.responses import JSONResponse
from sqlalchemy.orm import Session

from api.deps import Db, page_limit, require
from api.schemas.common import Page
from api.schemas.orders import (
    OrderCreate,
    OrderParams,
    OrderPolicyBody,
    OrderPolicyPublic,
    OrderPublic,
    OrderSummary,
)
from erp_core.domain.access import Permission, Principal
from erp_core.queries.orders import get_order, order_detail, orders_page
from erp_core.queries.pages import INT64_MAX
from erp_core.services import idempotency, order_policies
from erp_core.services import orders as capture
from erp_core.services.order_commands import CustomerCommand, LineCommand, OrderCommand

router = APIRouter(tags=["orders"])
Capturer = Annotated[Principal, Depends(require(Permission.ORDERS_CAPTURE))]
Reader = Annotated[Principal, Depends(require(Permission.ORDERS_READ))]
PolicyReader = Annotated[Principal, Depends(require(Permission.MASTER_READ))]
PolicyWriter = Annotated[Principal, Depends(require(Permission.CHANNELS_WRITE))]
IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        min_length=1,
        max_length=200,
        description="Makes the POST safe to retry: a replay returns the first reply.",
    ),
]


def render_order(session: Session, order_id: int) -> dict[str, Any]:
    return OrderPublic.model_validate(order_detail(session, order_id)).model_dump(mode="json")


@router.post(
    "/v1/orders",
    status_code=201,
    response_model=OrderPublic,
    responses={200: {"model": OrderPublic, "description": "The channel order was captured before"}},
    summary="Capture one order: validated on receipt, ready or held; never captured twice",
)
def post_order(
    body: OrderCreate,
    request: Request,
    db: Db,
    who: Capturer,
    key: IdempotencyKey = None,
) -> JSONResponse:
    scope = None
    if key is not None:
        scope = (
            f"{who.key_id}:POST /v1/orders:{key}",
            idempotency.request_hash(body.model_dump(mode="json")),
        )
    captured = capture.capture_order(
        db,
        who.actor,
        order_command(body),
        render_order,
        scorer=request.app.state.order_scorer,
        idempotency_scope=scope,
    )
    return JSONResponse(captured.body, status_code=captured.status_code)


@router.get("/v1/orders", response_model=Page[OrderSummary], summary="Orders, newest first")
def list_orders(query: Annotated[OrderParams, Query()], db: Db, _: Reader) -> Any:
    return orders_page(db, query.status, query.channel, query.cursor, page_limit(db, query.limit))


@router.get(
    "/v1/orders/{order_id}",
    response_model=OrderPublic,
    summary="One order with its lines, holds and timeline",
)
def read_order(order_id: Annotated[int, Path(ge=1, le=INT64_MAX)], db: Db, _: Reader) -> Any:
    return get_order(db, order_id)


@router.get(
    "/v1/channels/{code}/order-policy",
    response_model=OrderPolicyPublic,
    summary="The channel's order validation policy",
    tags=["channels"],
)
def read_policy(code: str, db: Db, _: PolicyReader) -> Any:
    return order_policies.get_order_policy(db, code)


@router.put(
    "/v1/channels/{code}/order-policy",
    response_model=OrderPolicyPublic,
    summary="Replace the channel's order validation policy",
    tags=["channels"],
)
def replace_policy(code: str, body: OrderPolicyBody, db: Db, who: PolicyWriter) -> Any:
    return order_policies.set_order_policy(db, who.actor, code, body.model_dump())


def order_command(body: OrderCreate) -> OrderCommand:
    customer = body.customer
    return OrderCommand(
        channel=body.channel,
        external_id=body.external_id,
        lines=tuple(LineCommand(**line.model_dump()) for line in body.lines),
        ship_to=body.ship_to.model_dump(),
        shipping_method=body.shipping_method,
        payment_status=body.payment_status,
        customer=CustomerCommand(**customer.model_dump()) if customer else None,
        currency=body.currency,
        shipping=Decimal(body.shipping),
        requested_delivery_date=body.requested_delivery_date,
    )
