"""Transfers between locations: draft, ship into transit, receive (partly if need be)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, BackgroundTasks, Depends, Path, Query, Request

from api.deps import Db, page_limit, require
from api.routes.inventory import allocate_backorders_after
from api.schemas.common import Page, PageParams
from api.schemas.transfers import (
    InTransitPublic,
    TransferCreate,
    TransferParams,
    TransferPublic,
    TransferReceipt,
    TransferSummary,
)
from erp_core.domain.access import Permission, Principal
from erp_core.queries.pages import INT64_MAX
from erp_core.queries.transfers import get_transfer, in_transit_to, transfers_page
from erp_core.services import transfers as svc

router = APIRouter(tags=["transfers"])
TransferId = Annotated[int, Path(ge=1, le=INT64_MAX)]
Reader = Annotated[Principal, Depends(require(Permission.INVENTORY_READ))]
Writer = Annotated[Principal, Depends(require(Permission.TRANSFERS_WRITE))]


@router.post(
    "/v1/transfers", status_code=201, response_model=TransferPublic, summary="Plan a transfer"
)
def post_transfer(body: TransferCreate, db: Db, who: Writer) -> Any:
    cmd = svc.TransferCommand(
        source=body.source,
        destination=body.destination,
        lines=tuple(svc.TransferLineCommand(line.sku, line.qty) for line in body.lines),
        expected_arrival=body.expected_arrival,
        reference=body.reference,
    )
    return svc.create_transfer(db, who.actor, cmd)


@router.get(
    "/v1/transfers", response_model=Page[TransferSummary], summary="Transfers, newest first"
)
def list_transfers(query: Annotated[TransferParams, Query()], db: Db, _: Reader) -> Any:
    return transfers_page(
        db, query.status, query.location, query.cursor, page_limit(db, query.limit)
    )


@router.get("/v1/transfers/{transfer_id}", response_model=TransferPublic, summary="One transfer")
def get_one(transfer_id: TransferId, db: Db, _: Reader) -> Any:
    return get_transfer(db, transfer_id)


@router.post(
    "/v1/transfers/{transfer_id}/ship",
    response_model=TransferPublic,
    summary="Ship every line: out of the source, into transit at the destination; "
    "409 insufficient_stock if the source is short",
)
def post_ship(transfer_id: TransferId, db: Db, who: Writer) -> Any:
    return svc.ship_transfer(db, who.actor, transfer_id)


@router.post(
    "/v1/transfers/{transfer_id}/receive",
    response_model=TransferPublic,
    summary="Receive into available at the destination: the lines given, or all in transit",
)
def post_receive(
    transfer_id: TransferId,
    request: Request,
    tasks: BackgroundTasks,
    db: Db,
    who: Writer,
    body: TransferReceipt | None = None,
) -> Any:
    lines = body.lines if body is not None else None
    received = svc.receive_transfer(
        db,
        who.actor,
        transfer_id,
        tuple(svc.TransferLineCommand(line.sku, line.qty) for line in lines)
        if lines is not None
        else None,
    )
    allocate_backorders_after(tasks, request, db, who, *(line["sku"] for line in received["lines"]))
    return received


@router.post(
    "/v1/transfers/{transfer_id}/cancel",
    response_model=TransferPublic,
    summary="Cancel a draft transfer",
)
def post_cancel(transfer_id: TransferId, db: Db, who: Writer) -> Any:
    return svc.cancel_transfer(db, who.actor, transfer_id)


@router.get(
    "/v1/locations/{code}/in-transit",
    response_model=Page[InTransitPublic],
    summary="Stock in transit to a location, per SKU, with the transfers carrying it",
    tags=["locations"],
)
def get_in_transit(code: str, query: Annotated[PageParams, Query()], db: Db, _: Reader) -> Any:
    return in_transit_to(db, code, query.cursor, page_limit(db, query.limit))
