"""Channel allocation: split SKUs' stock across channels and publish it, read a run and its
lines, and ask what a channel may still sell."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query

from api.deps import Db, page_limit, require
from api.redaction import redact
from api.schemas.allocation import (
    AllocationCreate,
    AllocationPublic,
    AllocationRunPublic,
    AvailabilityParams,
    AvailabilityPublic,
    LineParams,
    LinePublic,
)
from api.schemas.common import Page
from erp_core.domain.access import Permission, Principal
from erp_core.domain.errors import InvalidInput
from erp_core.queries.channel_availability import availability_page
from erp_core.queries.pages import INT64_MAX
from erp_core.services.channel_allocations import allocation_lines, get_allocation
from pipelines.channel_allocation import AllocationAsk, run_allocation

router = APIRouter(tags=["allocation"])
RunId = Annotated[int, Path(ge=1, le=INT64_MAX)]
ChannelCode = Annotated[str, Path(min_length=1, max_length=64)]
Reader = Annotated[Principal, Depends(require(Permission.ALLOCATION_READ))]
Runner = Annotated[Principal, Depends(require(Permission.ALLOCATION_RUN))]
# Margins are cost by another name (RELIABILITY 13): blanked for roles without cost:read.
MARGIN_FIELDS = frozenset({"objective", "expected_margin"})


@router.post(
    "/v1/allocation/channels",
    status_code=201,
    response_model=AllocationRunPublic,
    summary="Split SKUs' available stock across channels by margin-weighted expected sales, "
    "ring-fences, priority and a fairness floor, and publish the split",
)
def post_allocation(body: AllocationCreate, db: Db, who: Runner) -> Any:
    ask = AllocationAsk(
        skus=tuple(body.skus),
        horizon_days=body.horizon_days,
        lookback_days=body.lookback_days,
        ring_fences=_fences(body),
        fairness_floor=body.fairness_floor,
    )
    return redact(run_allocation(db, who.actor, ask), who, MARGIN_FIELDS)


@router.get("/v1/allocation/channels/{run_id}", response_model=AllocationPublic)
def get_one(run_id: RunId, db: Db, who: Reader) -> Any:
    return redact(get_allocation(db, run_id), who, MARGIN_FIELDS)


@router.get(
    "/v1/allocation/channels/{run_id}/lines",
    response_model=Page[LinePublic],
    summary="A run's lines, SKU by SKU, each with the channel's share and why",
)
def get_lines(run_id: RunId, query: Annotated[LineParams, Query()], db: Db, who: Reader) -> Any:
    page = allocation_lines(db, run_id, query.sku, query.cursor, page_limit(db, query.limit))
    return {"data": redact(page.data, who, MARGIN_FIELDS), "next_cursor": page.next_cursor}


@router.get(
    "/v1/channels/{code}/availability",
    response_model=Page[AvailabilityPublic],
    summary="What the channel may still sell per SKU under the published allocation",
)
def get_availability(
    code: ChannelCode, query: Annotated[AvailabilityParams, Query()], db: Db, _: Reader
) -> Any:
    page = availability_page(db, code, query.sku, query.cursor, page_limit(db, query.limit))
    return {"data": page.data, "next_cursor": page.next_cursor}


def _fences(body: AllocationCreate) -> dict[str, dict[str, int]]:
    if isinstance(body.ring_fences, dict):
        return {channel: dict(by_sku) for channel, by_sku in body.ring_fences.items()}
    fences: dict[str, dict[str, int]] = {}
    for fence in body.ring_fences:
        by_sku = fences.setdefault(fence.channel, {})
        if fence.sku in by_sku:
            raise InvalidInput(
                f"ring-fence for {fence.channel}/{fence.sku} given twice",
                channel=fence.channel,
                sku=fence.sku,
            )
        by_sku[fence.sku] = fence.qty
    return fences
