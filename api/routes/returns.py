"""Returns (RMA): authorize, receive, inspect, route each unit, refund; the returns queue;
each channel's return policy."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Any

from fastapi import APIRouter, BackgroundTasks, Depends, Path, Query, Request

from api.deps import Db, page_limit, require
from api.routes.inventory import allocate_backorders_after
from api.schemas.common import Page
from api.schemas.returns import (
    DispositionCreate,
    InspectionCreate,
    ReceiptCreate,
    RefundCreate,
    RefundParams,
    RefundPublic,
    RefundRejection,
    RefurbishedCreate,
    ReturnCreate,
    ReturnParams,
    ReturnPolicyBody,
    ReturnPolicyPublic,
    ReturnPublic,
    ReturnSummary,
)
from erp_core.domain.access import Permission, Principal
from erp_core.domain.returns import Disposition
from erp_core.queries.pages import INT64_MAX
from erp_core.queries.returns import get_return, refunds_page, return_queue
from erp_core.services import (
    dispositions,
    refunds,
    return_policies,
    return_receiving,
    returns,
)

router = APIRouter(tags=["returns"])
ReturnId = Annotated[int, Path(ge=1, le=INT64_MAX)]
Reader = Annotated[Principal, Depends(require(Permission.RETURNS_READ))]
Authorizer = Annotated[Principal, Depends(require(Permission.RETURNS_AUTHORIZE))]
Processor = Annotated[Principal, Depends(require(Permission.RETURNS_PROCESS))]
Approver = Annotated[Principal, Depends(require(Permission.REFUNDS_APPROVE))]
PolicyReader = Annotated[Principal, Depends(require(Permission.MASTER_READ))]
PolicyWriter = Annotated[Principal, Depends(require(Permission.CHANNELS_WRITE))]


@router.get(
    "/v1/channels/{code}/return-policy",
    response_model=ReturnPolicyPublic,
    summary="The channel's return window and restocking fee rate",
    tags=["channels"],
)
def read_policy(code: str, db: Db, _: PolicyReader) -> Any:
    return return_policies.get_return_policy(db, code)


@router.put(
    "/v1/channels/{code}/return-policy",
    response_model=ReturnPolicyPublic,
    summary="Replace the channel's return policy",
    tags=["channels"],
)
def replace_policy(code: str, body: ReturnPolicyBody, db: Db, who: PolicyWriter) -> Any:
    return return_policies.set_return_policy(
        db, who.actor, code, body.window_days, body.restocking_fee_rate
    )


@router.post(
    "/v1/returns",
    status_code=201,
    response_model=ReturnPublic,
    summary="Authorize a return of shipped units, within the channel's return window",
)
def post_return(body: ReturnCreate, db: Db, who: Authorizer) -> Any:
    cmd = returns.AuthorizeCommand(
        order_id=body.order_id,
        reason=body.reason,
        reason_text=body.reason_text,
        location=body.location,
        lines=tuple(returns.LineQty(line.line_no, line.qty) for line in body.lines),
    )
    return returns.authorize_return(db, who.actor, cmd)


@router.get(
    "/v1/returns",
    response_model=Page[ReturnSummary],
    summary="The returns queue, oldest first; filter by status, channel and age in status",
)
def list_returns(query: Annotated[ReturnParams, Query()], db: Db, _: Reader) -> Any:
    older = query.older_than_minutes
    return return_queue(
        db,
        query.status,
        query.channel,
        timedelta(minutes=older) if older is not None else None,
        query.cursor,
        page_limit(db, query.limit),
    )


@router.get("/v1/returns/{rma_id}", response_model=ReturnPublic, summary="One return")
def read_return(rma_id: ReturnId, db: Db, _: Reader) -> Any:
    return get_return(db, rma_id)


@router.post(
    "/v1/returns/{rma_id}/cancel",
    response_model=ReturnPublic,
    summary="Cancel a return before anything is received",
)
def post_cancel(rma_id: ReturnId, db: Db, who: Authorizer) -> Any:
    return returns.cancel_return(db, who.actor, rma_id)


@router.post(
    "/v1/returns/{rma_id}/receive",
    response_model=ReturnPublic,
    summary="Receive the returned units into inspection (at most what was authorized)",
)
def post_receipt(rma_id: ReturnId, body: ReceiptCreate, db: Db, who: Processor) -> Any:
    lines = tuple(returns.LineQty(line.line_no, line.qty) for line in body.lines)
    return return_receiving.receive_return(db, who.actor, rma_id, lines)


@router.post(
    "/v1/returns/{rma_id}/inspect",
    response_model=ReturnPublic,
    summary="Record the condition of every received line",
)
def post_inspection(rma_id: ReturnId, body: InspectionCreate, db: Db, who: Processor) -> Any:
    lines = tuple(return_receiving.InspectLine(line.line_no, line.condition) for line in body.lines)
    return return_receiving.inspect_return(db, who.actor, rma_id, lines)


@router.post(
    "/v1/returns/{rma_id}/dispositions",
    status_code=201,
    response_model=ReturnPublic,
    summary="Route inspected units: restock, quarantine, refurbish, write-off or return "
    "to vendor; the return closes when every inspected unit is routed",
)
def post_dispositions(
    rma_id: ReturnId,
    body: DispositionCreate,
    request: Request,
    tasks: BackgroundTasks,
    db: Db,
    who: Processor,
) -> Any:
    lines = tuple(
        dispositions.DisposeLine(line.line_no, line.qty, line.disposition, line.supplier)
        for line in body.lines
    )
    done = dispositions.dispose_units(db, who.actor, rma_id, lines)
    restocked = {line.line_no for line in body.lines if line.disposition == Disposition.RESTOCK}
    skus = sorted({line["sku"] for line in done["lines"] if line["line_no"] in restocked})
    if skus:
        allocate_backorders_after(tasks, request, db, who, *skus)
    return done


@router.post(
    "/v1/returns/{rma_id}/refurbished",
    response_model=ReturnPublic,
    summary="Restock refurbished units: quarantine to available",
)
def post_refurbished(
    rma_id: ReturnId,
    body: RefurbishedCreate,
    request: Request,
    tasks: BackgroundTasks,
    db: Db,
    who: Processor,
) -> Any:
    done = dispositions.restock_refurbished(db, who.actor, rma_id, body.disposition_id, body.qty)
    [line_no] = [d["line_no"] for d in done["dispositions"] if d["id"] == body.disposition_id]
    [sku] = [line["sku"] for line in done["lines"] if line["line_no"] == line_no]
    allocate_backorders_after(tasks, request, db, who, sku)
    return done


@router.post(
    "/v1/returns/{rma_id}/refund",
    status_code=201,
    response_model=RefundPublic,
    summary="Calculate the refund of received units and post its credit note, or leave it "
    "pending approval above the threshold",
    tags=["refunds"],
)
def post_refund(rma_id: ReturnId, body: RefundCreate, db: Db, who: Authorizer) -> Any:
    lines = (
        tuple(returns.LineQty(line.line_no, line.qty) for line in body.lines)
        if body.lines is not None
        else None
    )
    return refunds.request_refund(db, who.actor, rma_id, lines)


@router.get(
    "/v1/refunds",
    response_model=Page[RefundPublic],
    summary="Refunds by status, oldest first (pending approval by default)",
    tags=["refunds"],
)
def list_refunds(query: Annotated[RefundParams, Query()], db: Db, _: Reader) -> Any:
    return refunds_page(db, query.status, query.cursor, page_limit(db, query.limit))


@router.post(
    "/v1/refunds/{refund_id}/approve",
    response_model=RefundPublic,
    summary="Approve a pending refund and post its credit note (not by its requester)",
    tags=["refunds"],
)
def post_approval(
    refund_id: Annotated[int, Path(ge=1, le=INT64_MAX)], db: Db, who: Approver
) -> Any:
    return refunds.approve_refund(db, who.actor, refund_id)


@router.post(
    "/v1/refunds/{refund_id}/reject",
    response_model=RefundPublic,
    summary="Turn a pending refund down: nothing posts, and its units may be refunded again",
    tags=["refunds"],
)
def post_rejection(
    refund_id: Annotated[int, Path(ge=1, le=INT64_MAX)],
    body: RefundRejection,
    db: Db,
    who: Approver,
) -> Any:
    return refunds.reject_refund(db, who.actor, refund_id, body.comment)
