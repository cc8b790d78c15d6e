"""The inventory ledger: moves, adjustments, reservations, positions and history."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, BackgroundTasks, Depends, Path, Query, Request
from fastapi.responses import JSONResponse

from api.deps import Db, page_limit, require
from api.redaction import redact
from api.schemas.common import Page
from api.schemas.counts import AdjustmentRequestPublic
from api.schemas.inventory import (
    AdjustmentCreate,
    LedgerParams,
    MoveCreate,
    MovePublic,
    PositionParams,
    PositionPublic,
    RelocationCreate,
    ReservationCreate,
    ReservationPublic,
)
from erp_core.adapters.database import Database
from erp_core.domain.access import Permission, Principal
from erp_core.domain.stock import StockStatus
from erp_core.queries.inventory import inventory_positions, ledger_page
from erp_core.queries.pages import INT64_MAX
from erp_core.services import inventory as inv
from erp_core.services.adjustment_requests import PendingAdjustment
from erp_core.services.backorders import allocate_arrivals

router = APIRouter(prefix="/v1/inventory", tags=["inventory"])
Reader = Annotated[Principal, Depends(require(Permission.INVENTORY_READ))]
Mover = Annotated[Principal, Depends(require(Permission.INVENTORY_MOVE))]
Adjuster = Annotated[Principal, Depends(require(Permission.INVENTORY_ADJUST))]
Reserver = Annotated[Principal, Depends(require(Permission.INVENTORY_RESERVE))]


@router.post(
    "/moves",
    status_code=201,
    response_model=MovePublic,
    summary="Receive stock (no from_status) or move it between statuses",
)
def post_move(
    body: MoveCreate, request: Request, tasks: BackgroundTasks, db: Db, who: Mover
) -> Any:
    moved = redact(inv.move_stock(db, who.actor, inv.MoveCommand(**body.model_dump())), who)
    if body.to_status == StockStatus.AVAILABLE:
        allocate_backorders_after(tasks, request, db, who, body.sku)
    return moved


@router.post(
    "/relocations",
    status_code=201,
    response_model=list[MovePublic],
    summary="Move stock to another location at once: one line out, one line in",
)
def post_relocation(
    body: RelocationCreate, request: Request, tasks: BackgroundTasks, db: Db, who: Mover
) -> Any:
    moved = inv.relocate_stock(db, who.actor, inv.RelocateCommand(**body.model_dump()))
    if body.status == StockStatus.AVAILABLE:
        allocate_backorders_after(tasks, request, db, who, body.sku)
    return moved


@router.post(
    "/adjustments",
    status_code=201,
    response_model=MovePublic,
    responses={202: {"model": AdjustmentRequestPublic, "description": "Held for approval"}},
    summary="Correct a bucket to a counted quantity or by a delta, with a reason; above the "
    "approval threshold, 202 with a pending adjustment request and no stock moved",
)
def post_adjustment(
    body: AdjustmentCreate, request: Request, tasks: BackgroundTasks, db: Db, who: Adjuster
) -> Any:
    moved = inv.adjust_stock(db, who.actor, inv.AdjustCommand(**body.model_dump()))
    if isinstance(moved, PendingAdjustment):
        held = AdjustmentRequestPublic.model_validate(moved.request)
        return JSONResponse(held.model_dump(mode="json"), status_code=202)
    if moved["to_status"] == StockStatus.AVAILABLE:
        allocate_backorders_after(tasks, request, db, who, body.sku)
    return moved


def allocate_backorders_after(
    tasks: BackgroundTasks, request: Request, db: Database, who: Principal, *skus: str
) -> None:
    """Stock arrived: once the reply is sent, orders waiting for it are allocated."""
    tasks.add_task(allocate_arrivals, db, who.actor, skus, request.app.state.router)


@router.post(
    "/reservations",
    status_code=201,
    response_model=ReservationPublic,
    summary="Reserve free stock; 409 insufficient_stock if there is not enough",
)
def post_reservation(body: ReservationCreate, db: Db, who: Reserver) -> Any:
    return inv.reserve_stock(db, who.actor, inv.ReserveCommand(**body.model_dump()))


@router.delete(
    "/reservations/{reservation_id}",
    response_model=ReservationPublic,
    summary="Release a reservation back to free stock",
)
def delete_reservation(
    reservation_id: Annotated[int, Path(ge=1, le=INT64_MAX)], db: Db, who: Reserver
) -> Any:
    return inv.release_reservation(db, who.actor, reservation_id)


@router.get(
    "",
    response_model=Page[PositionPublic],
    summary="Every status bucket and available-to-sell per item and location",
)
def get_inventory(query: Annotated[PositionParams, Query()], db: Db, _: Reader) -> Any:
    return inventory_positions(
        db, query.sku, query.location, query.cursor, page_limit(db, query.limit)
    )


@router.get("/{sku}/moves", response_model=Page[MovePublic], summary="The ledger of one item")
def get_moves(sku: str, query: Annotated[LedgerParams, Query()], db: Db, who: Reader) -> Any:
    page = ledger_page(db, sku, query.location, query.cursor, page_limit(db, query.limit))
    return {"data": [redact(r, who) for r in page.data], "next_cursor": page.next_cursor}
