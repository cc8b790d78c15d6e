"""Cycle counts, inventory accuracy, and the approval of large adjustments."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, BackgroundTasks, Depends, Path, Query, Request

from api.deps import Db, page_limit, require
from api.routes.inventory import allocate_backorders_after
from api.schemas.common import Page
from api.schemas.counts import (
    AccuracyParams,
    AccuracyPublic,
    AdjustmentRequestPublic,
    CountsEntry,
    Decision,
    RequestParams,
    SheetCreate,
    SheetParams,
    SheetPublic,
    SheetSummary,
)
from erp_core.domain.access import Permission, Principal
from erp_core.domain.stock import StockStatus
from erp_core.queries.counts import (
    adjustment_requests_page,
    get_sheet,
    inventory_accuracy,
    sheets_page,
)
from erp_core.queries.pages import INT64_MAX
from erp_core.services import adjustment_approvals as approvals
from erp_core.services import counts as svc

router = APIRouter(tags=["counts"])
SheetId = Annotated[int, Path(ge=1, le=INT64_MAX)]
RequestId = Annotated[int, Path(ge=1, le=INT64_MAX)]
Reader = Annotated[Principal, Depends(require(Permission.INVENTORY_READ))]
Counter = Annotated[Principal, Depends(require(Permission.COUNTS_WRITE))]
Approver = Annotated[Principal, Depends(require(Permission.ADJUSTMENTS_APPROVE))]


@router.post(
    "/v1/count-sheets",
    status_code=201,
    response_model=SheetPublic,
    summary="Start a count at a location: the SKUs given, or every SKU stocked there",
)
def post_sheet(body: SheetCreate, db: Db, who: Counter) -> Any:
    skus = tuple(body.skus) if body.skus is not None else None
    return svc.create_sheet(db, who.actor, body.location, skus)


@router.get("/v1/count-sheets", response_model=Page[SheetSummary], summary="Count sheets")
def list_sheets(query: Annotated[SheetParams, Query()], db: Db, _: Reader) -> Any:
    return sheets_page(db, query.location, query.status, query.cursor, page_limit(db, query.limit))


@router.get(
    "/v1/count-sheets/{sheet_id}",
    response_model=SheetPublic,
    summary="One sheet; expected quantities hidden while it is open unless settings show them",
)
def get_one(sheet_id: SheetId, db: Db, _: Reader) -> Any:
    return get_sheet(db, sheet_id)


@router.put(
    "/v1/count-sheets/{sheet_id}/lines",
    response_model=SheetPublic,
    summary="Enter counted quantities; each line is counted once",
)
def put_lines(sheet_id: SheetId, body: CountsEntry, db: Db, who: Counter) -> Any:
    counted = tuple(svc.CountedLine(line.sku, line.counted_qty) for line in body.lines)
    return svc.enter_counts(db, who.actor, sheet_id, counted)


@router.post(
    "/v1/count-sheets/{sheet_id}/post",
    response_model=SheetPublic,
    summary="Post the sheet: variances become count_variance adjustments, or adjustment "
    "requests when above the approval threshold",
)
def post_post(
    sheet_id: SheetId, request: Request, tasks: BackgroundTasks, db: Db, who: Counter
) -> Any:
    posted = svc.post_sheet(db, who.actor, sheet_id)
    allocate_backorders_after(tasks, request, db, who, *(line["sku"] for line in posted["lines"]))
    return posted


@router.get(
    "/v1/inventory-accuracy",
    response_model=list[AccuracyPublic],
    summary="Per location, the share of SKU-locations counted since a moment that were "
    "within tolerance",
)
def get_accuracy(query: Annotated[AccuracyParams, Query()], db: Db, _: Reader) -> Any:
    return inventory_accuracy(db, query.location, query.since, db.settings.page_size_max)


@router.get(
    "/v1/adjustment-requests",
    response_model=Page[AdjustmentRequestPublic],
    summary="Adjustments waiting for approval (or decided ones), oldest first",
)
def list_requests(query: Annotated[RequestParams, Query()], db: Db, _: Reader) -> Any:
    return adjustment_requests_page(db, query.state, query.cursor, page_limit(db, query.limit))


@router.post(
    "/v1/adjustment-requests/{request_id}/approve",
    response_model=AdjustmentRequestPublic,
    summary="Approve: the correction is posted to the ledger; not by the requester",
)
def post_approve(
    request_id: RequestId,
    request: Request,
    tasks: BackgroundTasks,
    db: Db,
    who: Approver,
    body: Decision | None = None,
) -> Any:
    comment = body.comment if body is not None else None
    approved = approvals.approve_adjustment(db, who.actor, request_id, comment)
    if approved["delta"] > 0 and approved["status"] == StockStatus.AVAILABLE:
        allocate_backorders_after(tasks, request, db, who, approved["sku"])
    return approved


@router.post(
    "/v1/adjustment-requests/{request_id}/reject",
    response_model=AdjustmentRequestPublic,
    summary="Reject: the request is closed and stock stays as it is",
)
def post_reject(request_id: RequestId, db: Db, who: Approver, body: Decision | None = None) -> Any:
    comment = body.comment if body is not None else None
    return approvals.reject_adjustment(db, who.actor, request_id, comment)
