"""The hold queue: orders that failed a check, oldest first, and their resolution."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query

from api.deps import Db, page_limit, require
from api.schemas.common import Page
from api.schemas.orders import HoldParams, HoldResolution, OrderPublic, QueuedHold
from erp_core.domain.access import Permission, Principal
from erp_core.queries.orders import hold_queue
from erp_core.queries.pages import INT64_MAX
from erp_core.services.holds import resolve_hold

router = APIRouter(prefix="/v1/holds", tags=["holds"])
Reader = Annotated[Principal, Depends(require(Permission.ORDERS_READ))]
Resolver = Annotated[Principal, Depends(require(Permission.HOLDS_RESOLVE))]


@router.get(
    "",
    response_model=Page[QueuedHold],
    summary="The exception queue, oldest first; filter by reason, channel and age",
)
def list_holds(query: Annotated[HoldParams, Query()], db: Db, _: Reader) -> Any:
    older = query.older_than_minutes
    return hold_queue(
        db,
        query.reason,
        query.channel,
        timedelta(minutes=older) if older is not None else None,
        query.status,
        query.cursor,
        page_limit(db, query.limit),
    )


@router.post(
    "/{hold_id}/resolve",
    response_model=OrderPublic,
    summary="Release the hold or cancel the order, with a comment; the role must be "
    "permitted for the hold's reason",
)
def post_resolution(
    hold_id: Annotated[int, Path(ge=1, le=INT64_MAX)],
    body: HoldResolution,
    db: Db,
    who: Resolver,
) -> Any:
    release = body.action == "release"
    return resolve_hold(db, who, hold_id, release, body.comment, body.outcome)
