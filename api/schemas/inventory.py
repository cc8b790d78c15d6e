"""Inventory request and response bodies."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated

from pydantic import BaseModel, Field, model_validator

from api.schemas.common import Code, Input, Money, PageParams, Reason, Reference
from erp_core.domain.stock import StockStatus

Qty = Annotated[int, Field(gt=0, le=1_000_000_000)]


class MoveCreate(Input):
    sku: Code
    location: Code
    qty: Qty
    to_status: StockStatus
    from_status: StockStatus | None = Field(
        default=None, description="Absent for a receipt from outside the company."
    )
    reason: Reason = "receipt"
    reference: Reference | None = None
    unit_cost: Money | None = Field(
        default=None,
        description="What each received unit cost; moves the item's moving-average cost. "
        "Receipts only.",
    )


class AdjustmentCreate(Input):
    sku: Code
    location: Code
    status: StockStatus = StockStatus.AVAILABLE
    counted_qty: Annotated[int, Field(ge=0, le=1_000_000_000)] | None = None
    delta: Annotated[int, Field(ge=-1_000_000_000, le=1_000_000_000)] | None = None
    reason: Reason
    reference: Reference | None = None

    @model_validator(mode="after")
    def _one_of_counted_or_delta(self) -> AdjustmentCreate:
        if (self.counted_qty is None) == (self.delta is None):
            raise ValueError("give exactly one of counted_qty or delta")
        return self


class RelocationCreate(Input):
    sku: Code
    from_location: Code
    to_location: Code
    qty: Qty
    status: StockStatus = StockStatus.AVAILABLE
    reference: Reference | None = None


class ReservationCreate(Input):
    sku: Code
    location: Code
    qty: Qty
    reference: Reference | None = None


class LedgerParams(PageParams):
    location: Annotated[str, Field(max_length=64)] | None = None


class PositionParams(LedgerParams):
    sku: Annotated[str, Field(max_length=64)] | None = None


class MovePublic(BaseModel):
    id: int
    sku: str
    location: str
    from_status: StockStatus | None
    to_status: StockStatus | None
    qty: int
    reason: str
    reference: str | None
    unit_cost: Decimal | None = Field(
        description="What each received unit cost; null when not valued, or unless your "
        "role may read cost"
    )
    actor: str
    created_at: datetime


class ReservationPublic(BaseModel):
    id: int
    sku: str
    location: str
    qty: int
    reference: str | None
    active: bool
    actor: str
    created_at: datetime
    released_at: datetime | None


class PositionPublic(BaseModel):
    sku: str
    location: str
    available: int = Field(description="Free stock on the shelf.")
    reserved: int = Field(description="On the shelf, promised to a reservation.")
    damaged: int
    quarantine: int
    inspection: int
    in_transit: int
    on_hand: int = Field(description="available + reserved.")
    available_to_sell: int = Field(description="available less channel ring-fences.")
    inbound: int = Field(
        description="Open purchase quantities on their way here, whenever expected; "
        "GET /v1/atp gives them by date."
    )
