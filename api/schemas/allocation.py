"""Channel allocation requests and replies."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any

from pydantic import BaseModel, Field

from api.schemas.common import Code, Input, PageParams
from pipelines.channel_allocation import (
    DEFAULT_HORIZON_DAYS,
    DEFAULT_LOOKBACK_DAYS,
    MAX_HORIZON_DAYS,
    MAX_LOOKBACK_DAYS,
    MAX_SKUS,
)

Qty = Annotated[int, Field(ge=0, le=10**9, strict=True)]  # strict: true is not 1
FencesBySku = Annotated[dict[Code, Qty], Field(max_length=MAX_SKUS)]


class RingFence(Input):
    channel: Code
    sku: Code
    qty: Qty


class AllocationCreate(Input):
    skus: Annotated[list[Code], Field(max_length=MAX_SKUS)] = Field(
        default=[], description="SKUs to split; default: every active SKU with stock."
    )
    horizon_days: Annotated[int, Field(ge=1, le=MAX_HORIZON_DAYS)] = Field(
        default=DEFAULT_HORIZON_DAYS, description="Days of demand the split serves."
    )
    lookback_days: Annotated[int, Field(ge=1, le=MAX_LOOKBACK_DAYS)] = Field(
        default=DEFAULT_LOOKBACK_DAYS,
        description="Days of sales that give channel shares, rates and prices.",
    )
    ring_fences: (
        Annotated[dict[Code, FencesBySku], Field(max_length=100)]
        | Annotated[list[RingFence], Field(max_length=MAX_SKUS)]
    ) = Field(
        default={},
        description='Units a channel must hold at least: {"WEB": {"SKU-1": 5}} or '
        '[{"channel": "WEB", "sku": "SKU-1", "qty": 5}].',
    )
    fairness_floor: Annotated[float, Field(ge=0, le=1)] | None = Field(
        default=None,
        description="Share of its demand (of its proportional share when stock is short) each "
        "channel gets at least; default 0.5.",
    )


class SharePublic(BaseModel):
    channel: str
    qty: int
    ring_fence: int
    demand: float
    expected_sales: float
    expected_margin: Decimal | None = Field(description="Hidden from roles without cost:read.")
    why: str


class SkuSplitPublic(BaseModel):
    sku: str
    available: int
    status: str = Field(description="optimal, feasible or infeasible.")
    reason: str | None = Field(description="Why it is infeasible, or what was given up.")
    shares: list[SharePublic]


class AllocationPublic(BaseModel):
    id: int
    status: str = Field(description="The solver's status: optimal, feasible, infeasible, unknown.")
    objective: Decimal | None = Field(
        description="Total expected margin; hidden from roles without cost:read."
    )
    solver: str
    horizon_days: int
    request: dict[str, Any]
    summary: dict[str, Any]
    created_by: str
    created_at: datetime
    published_at: datetime | None = Field(description="Null: nothing could be split.")
    lines: int
    lines_in_force: int = Field(description="Lines not yet superseded by a later run.")


class AllocationRunPublic(AllocationPublic):
    wall_time: float = Field(description="Seconds from request to published split.")
    skus: list[SkuSplitPublic]


class LineParams(PageParams):
    sku: Code | None = None


class LinePublic(BaseModel):
    sku: str
    channel: str
    qty: int
    ring_fence: int
    demand: float
    expected_sales: float
    expected_margin: Decimal | None
    why: str
    in_force: bool
    superseded_at: datetime | None


class AvailabilityParams(PageParams):
    sku: Annotated[list[Code], Field(max_length=500)] = []


class AvailabilityPublic(BaseModel):
    sku: str
    allocation_id: int | None = Field(description="The published run in force; null: none.")
    published_at: datetime | None
    allocated: int | None = Field(description="Null: no published allocation, no limit.")
    ring_fence: int
    consumed: int = Field(description="Units reserved for the channel's orders since then.")
    remaining: int | None
    free: int = Field(description="Available units at active stocking locations.")
    held_for_others: int = Field(description="What other channels' allocations still hold.")
    sellable: int
