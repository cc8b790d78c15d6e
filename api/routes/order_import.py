"""Orders in the channels' own shapes: a batch import, and the web-store order webhook.

Every order goes through the capture of POST /v1/orders, a chunk of orders per transaction;
a bad order is refused on its own and does not block the others. The import reports each
order as created, duplicate (channel + external id was captured before; its order is
returned, never a second one) or rejected with the error code and message POST /v1/orders
would have answered.
"""

from __future__ import annotations

from collections import Counter
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field, ValidationError
from pydantic_core import from_json

from api.channel_formats import amazon, b2b_csv, shopify, signatures
from api.deps import BodyText, Db, require
from api.routes.orders import order_command, render_order
from api.schemas.common import Code, Input
from api.schemas.orders import OrderCreate, OrderPublic
from api.webhook_auth import RawBody, WebhookActor
from erp_core.adapters.database import Database
from erp_core.domain.access import Permission, Principal
from erp_core.domain.errors import DomainError, InactiveRecord, InvalidInput
from erp_core.queries.master import get_record
from erp_core.services import master_data as md
from erp_core.services import orders as capture
from erp_core.services.order_commands import OrderCommand
from erp_core.services.order_intake import Outcome

router = APIRouter(tags=["orders"])
Capturer = Annotated[Principal, Depends(require(Permission.ORDERS_CAPTURE))]
Parsed = tuple[str, dict[str, Any] | InvalidInput]
_TEXT = {"schema": {"type": "string"}}
_BODY = {
    "requestBody": {
        "required": True,
        "description": "keel: a JSON list of POST /v1/orders bodies; shopify: one orders/create "
        "webhook or a list of them; amazon: a tab-separated order report; b2b_csv: a CSV file.",
        "content": {
            "application/json": {
                "schema": {
                    "anyOf": [{"type": "array", "items": {"type": "object"}}, {"type": "object"}]
                }
            },
            "text/csv": _TEXT,
            "text/tab-separated-values": _TEXT,
        },
    }
}


class ImportParams(Input):
    channel: Code
    format: Literal["keel", "shopify", "amazon", "b2b_csv"] = "keel"


class ImportedOrder(BaseModel):
    ref: str = Field(description="Where the order is in the payload: `item 1`, `lines 2, 3`")
    external_id: str | None
    result: Literal["created", "duplicate", "rejected"]
    order_id: int | None = None
    code: str | None = None
    message: str | None = None


class ImportReport(BaseModel):
    rows: int = Field(description="Orders in the payload: created + duplicate + rejected")
    created: int
    duplicate: int
    rejected: int
    results: list[ImportedOrder]


@router.post(
    "/v1/orders/import",
    response_model=ImportReport,
    openapi_extra=_BODY,
    summary="Capture a batch of orders in a channel's own format; a report per order",
)
def import_orders(
    params: Annotated[ImportParams, Query()],
    text: BodyText,
    request: Request,
    db: Db,
    who: Capturer,
) -> ImportReport:
    _require_active_channel(db, params.channel)
    parsed = _parsed(params.format, params.channel, text, db.settings.max_import_rows)
    checked = [_checked(ref, values) for ref, values in parsed]
    commands = [check for check in checked if isinstance(check, OrderCommand)]
    outcomes = iter(
        capture.capture_batch(
            db, who.actor, params.channel, commands, scorer=request.app.state.order_scorer
        )
    )
    results = [
        check if isinstance(check, ImportedOrder) else _reported(ref, check, next(outcomes))
        for (ref, _), check in zip(parsed, checked, strict=True)
    ]
    counts = Counter(result.result for result in results)
    return ImportReport(
        rows=len(results),
        created=counts["created"],
        duplicate=counts["duplicate"],
        rejected=counts["rejected"],
        results=results,
    )


_WEBHOOK_BODY = {
    "requestBody": {
        "required": True,
        "description": "One orders/create webhook: a JSON object. For a channel with a secret, "
        f"{signatures.HEADER} must sign these exact bytes.",
        "content": {"application/json": {"schema": {"type": "object"}}},
    }
}


@router.post(
    "/v1/channels/{code}/webhooks/shopify",
    status_code=201,
    response_model=OrderPublic,
    responses={200: {"model": OrderPublic, "description": "The channel order was captured before"}},
    openapi_extra=_WEBHOOK_BODY,
    summary="Capture one order from a web-store orders/create webhook (Shopify-like)",
    tags=["channels"],
)
def shopify_webhook(
    code: Annotated[str, Path(max_length=64)],
    body: RawBody,
    request: Request,
    db: Db,
    actor: WebhookActor,
) -> JSONResponse:
    """For a channel with a secret (KEEL_WEBHOOK_SECRETS), the X-Shopify-Hmac-Sha256 header
    carries base64(HMAC-SHA256(secret, body)) and no API key is needed; a missing or wrong
    signature is 401 `bad_signature`, whatever key comes with it. For a channel without a
    secret, an API key with orders:capture."""
    try:
        order = OrderCreate.model_validate(shopify.order(_webhook_object(body), code))
    except ValidationError as error:
        raise RequestValidationError(error.errors()) from None
    captured = capture.capture_order(
        db, actor, order_command(order), render_order, scorer=request.app.state.order_scorer
    )
    return JSONResponse(captured.body, status_code=captured.status_code)


def _webhook_object(body: bytes) -> dict[str, Any]:
    """Parsed, once its signature holds, as FastAPI would parse a JSON object body."""
    if not body:
        raise RequestValidationError(
            [{"type": "missing", "loc": ("body",), "msg": "Field required"}]
        )
    webhook = _json(body)
    if not isinstance(webhook, dict):
        problem = {"type": "dict_type", "loc": ("body",), "msg": "Input should be an object"}
        raise RequestValidationError([problem])
    return webhook


def _require_active_channel(db: Database, code: str) -> None:
    if not get_record(db, md.CHANNELS, code)["active"]:
        raise InactiveRecord(f"channel {code!r} is deactivated", code=code)


def _parsed(fmt: str, channel: str, text: str, max_rows: int) -> list[Parsed]:
    if fmt == "amazon":
        return amazon.orders(text, channel, max_rows)
    if fmt == "b2b_csv":
        return b2b_csv.orders(text, channel, max_rows)
    payload = _json(text)
    if fmt == "keel" and not isinstance(payload, list):
        raise InvalidInput("a keel import is a JSON list of POST /v1/orders bodies")
    if isinstance(payload, list) and len(payload) > max_rows:
        raise InvalidInput(f"imports are limited to {max_rows} orders", limit=max_rows)
    if fmt == "shopify":
        return shopify.orders(payload, channel)
    return [(f"item {n}", _keel_order(order, channel)) for n, order in enumerate(payload, 1)]


def _json(text: str | bytes) -> Any:
    """Parsed as FastAPI parses bodies: no NaN, no lone surrogates, a bounded depth."""
    try:
        return from_json(text, allow_inf_nan=False)
    except ValueError as error:
        problem = {"type": "json_invalid", "loc": ("body",), "msg": f"JSON decode error: {error}"}
        raise RequestValidationError([problem]) from None


def _keel_order(order: Any, channel: str) -> dict[str, Any] | InvalidInput:
    """A POST /v1/orders body; its channel may be left out, but may not be another one."""
    if not isinstance(order, dict):
        return InvalidInput("an order is a JSON object")
    if order.get("channel", channel) != channel:
        return InvalidInput(
            f"the order is for channel {order['channel']!r}, the import for {channel!r}",
            external_id=order.get("external_id"),
        )
    return {"channel": channel, **order}


def _checked(ref: str, values: dict[str, Any] | InvalidInput) -> OrderCommand | ImportedOrder:
    """The order as a capture command, or its rejection as POST /v1/orders would answer."""
    if isinstance(values, InvalidInput):
        return _rejected(ref, values.details.get("external_id"), values.code, values.message)
    try:
        return order_command(OrderCreate.model_validate(values))
    except ValidationError as error:
        return _rejected(ref, values.get("external_id"), "validation_error", _described(error))


def _reported(ref: str, cmd: OrderCommand, outcome: Outcome | DomainError) -> ImportedOrder:
    if isinstance(outcome, DomainError):
        return _rejected(ref, cmd.external_id, outcome.code, outcome.message)
    return ImportedOrder(
        ref=ref,
        external_id=cmd.external_id,
        result="created" if outcome.created else "duplicate",
        order_id=outcome.order_id,
    )


def _rejected(ref: str, external_id: Any, code: str, message: str) -> ImportedOrder:
    known = external_id if isinstance(external_id, str) else None
    return ImportedOrder(ref=ref, external_id=known, result="rejected", code=code, message=message)


def _described(error: ValidationError) -> str:
    problems = error.errors()[:5]
    return "; ".join(f"{'.'.join(map(str, p['loc'])) or 'order'}: {p['msg']}" for p in problems)
