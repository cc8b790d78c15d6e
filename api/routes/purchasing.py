"""Purchase orders, receiving, supplier lead-time actuals and available-to-promise."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, BackgroundTasks, Depends, Path, Query, Request

from api.deps import Db, page_limit, require
from api.redaction import redact
from api.routes.inventory import allocate_backorders_after
from api.schemas.common import Page, PageParams
from api.schemas.purchasing import (
    AtpParams,
    AtpPublic,
    PoLineUpdate,
    PurchaseOrderCreate,
    PurchaseOrderParams,
    PurchaseOrderPublic,
    PurchaseOrderSummary,
    ReceiptCreate,
    ReceiptResult,
    SupplierItemPerformance,
)
from erp_core.domain.access import Permission, Principal
from erp_core.domain.stock import StockStatus
from erp_core.queries.atp import available_to_promise
from erp_core.queries.pages import INT64_MAX
from erp_core.queries.purchasing import (
    get_purchase_order,
    purchase_orders_page,
    supplier_performance,
)
from erp_core.services import purchasing as po
from erp_core.services import receiving

router = APIRouter(tags=["purchasing"])
PoId = Annotated[int, Path(ge=1, le=INT64_MAX)]
Reader = Annotated[Principal, Depends(require(Permission.PURCHASING_READ))]
Writer = Annotated[Principal, Depends(require(Permission.PURCHASING_WRITE))]
Approver = Annotated[Principal, Depends(require(Permission.PURCHASING_APPROVE))]
Receiver = Annotated[Principal, Depends(require(Permission.PURCHASING_RECEIVE))]
StockReader = Annotated[Principal, Depends(require(Permission.INVENTORY_READ))]


@router.post(
    "/v1/purchase-orders",
    status_code=201,
    response_model=PurchaseOrderPublic,
    summary="Raise a draft purchase order; MOQ and pack size hold unless overridden with a reason",
)
def post_purchase_order(body: PurchaseOrderCreate, db: Db, who: Writer) -> Any:
    cmd = po.PoCommand(
        supplier=body.supplier,
        location=body.location,
        note=body.note,
        lines=tuple(po.PoLineCommand(**line.model_dump()) for line in body.lines),
    )
    return redact(po.create_purchase_order(db, who.actor, cmd), who)


@router.get(
    "/v1/purchase-orders",
    response_model=Page[PurchaseOrderSummary],
    summary="Purchase orders, oldest first",
)
def list_purchase_orders(
    query: Annotated[PurchaseOrderParams, Query()], db: Db, who: Reader
) -> Any:
    page = purchase_orders_page(
        db, query.status, query.supplier, query.cursor, page_limit(db, query.limit)
    )
    return {"data": redact(page.data, who), "next_cursor": page.next_cursor}


@router.get(
    "/v1/purchase-orders/{po_id}",
    response_model=PurchaseOrderPublic,
    summary="One purchase order with its lines and receipts",
)
def get_one_purchase_order(po_id: PoId, db: Db, who: Reader) -> Any:
    return redact(get_purchase_order(db, po_id), who)


@router.patch(
    "/v1/purchase-orders/{po_id}/lines/{line_no}",
    response_model=PurchaseOrderPublic,
    summary="Change a line of a draft order (an approved order's lines are fixed)",
)
def patch_line(
    po_id: PoId,
    line_no: Annotated[int, Path(ge=1, le=10_000)],
    body: PoLineUpdate,
    db: Db,
    who: Writer,
) -> Any:
    changes = body.model_dump(exclude_unset=True)
    return redact(po.change_line(db, who.actor, po_id, line_no, changes), who)


@router.post(
    "/v1/purchase-orders/{po_id}/approve",
    response_model=PurchaseOrderPublic,
    summary="Approve a draft order (records who and when)",
)
def post_approve(po_id: PoId, db: Db, who: Approver) -> Any:
    return redact(po.approve_purchase_order(db, who.actor, po_id), who)


@router.post(
    "/v1/purchase-orders/{po_id}/send",
    response_model=PurchaseOrderPublic,
    summary="Send to the supplier; 409 approval_required for an unapproved order above the "
    "approval threshold",
)
def post_send(po_id: PoId, db: Db, who: Writer) -> Any:
    return redact(po.send_purchase_order(db, who.actor, po_id), who)


@router.post(
    "/v1/purchase-orders/{po_id}/cancel",
    response_model=PurchaseOrderPublic,
    summary="Cancel an order before anything was received",
)
def post_cancel(po_id: PoId, db: Db, who: Writer) -> Any:
    return redact(po.cancel_purchase_order(db, who.actor, po_id), who)


@router.post(
    "/v1/purchase-orders/{po_id}/close",
    response_model=PurchaseOrderPublic,
    summary="Close a (partly) received order: what never came is no longer expected",
)
def post_close(po_id: PoId, db: Db, who: Writer) -> Any:
    return redact(po.close_purchase_order(db, who.actor, po_id), who)


@router.post(
    "/v1/purchase-orders/{po_id}/receipts",
    status_code=201,
    response_model=ReceiptResult,
    summary="Receive goods against a sent order: stock in at landed cost (to quarantine when "
    "the item or supplier requires inspection), lead time recorded, GRNI posted",
)
def post_receipt(
    po_id: PoId,
    body: ReceiptCreate,
    request: Request,
    tasks: BackgroundTasks,
    db: Db,
    who: Receiver,
) -> Any:
    cmd = receiving.ReceiptCommand(
        lines=tuple(receiving.ReceivedLine(**line.model_dump()) for line in body.lines),
        freight=body.freight,
        duty=body.duty,
        allocate_by=body.allocate_by,
        reference=body.reference,
    )
    receipt = receiving.receive_purchase_order(db, who.actor, po_id, cmd)
    arrived = {
        line["sku"] for line in receipt["lines"] if line["to_status"] == StockStatus.AVAILABLE
    }
    if arrived:
        allocate_backorders_after(tasks, request, db, who, *sorted(arrived))
    return redact(receipt, who)


@router.get(
    "/v1/suppliers/{code}/performance",
    response_model=Page[SupplierItemPerformance],
    tags=["suppliers"],
    summary="Lead-time actuals per item the supplier sells: mean, spread, on-time and fill rate",
)
def get_supplier_performance(
    code: str, query: Annotated[PageParams, Query()], db: Db, _: Reader
) -> Any:
    return supplier_performance(db, code, query.cursor, page_limit(db, query.limit))


@router.get(
    "/v1/atp",
    response_model=AtpPublic,
    tags=["inventory"],
    summary="Available-to-promise at a location by a date: free stock plus inbound by then",
)
def get_atp(query: Annotated[AtpParams, Query()], db: Db, _: StockReader) -> Any:
    return available_to_promise(db, query.sku, query.location, query.date)
