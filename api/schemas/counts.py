"""Count sheet, inventory accuracy and adjustment request bodies."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import AwareDatetime, BaseModel, Field

from api.schemas.common import Code, Input, PageParams
from erp_core.domain.counts import RequestState, SheetStatus
from erp_core.domain.stock import StockStatus

MAX_SHEET_LINES = 500
Counted = Annotated[int, Field(ge=0, le=1_000_000_000)]


class SheetCreate(Input):
    location: Code
    skus: Annotated[list[Code], Field(min_length=1, max_length=MAX_SHEET_LINES)] | None = Field(
        default=None, description="What to count; absent for every SKU stocked at the location."
    )


class CountedLineIn(Input):
    sku: Code
    counted_qty: Counted


class CountsEntry(Input):
    lines: Annotated[list[CountedLineIn], Field(min_length=1, max_length=MAX_SHEET_LINES)]


class SheetParams(PageParams):
    location: Annotated[str, Field(max_length=64)] | None = None
    status: SheetStatus | None = None


class AccuracyParams(Input):
    location: Annotated[str, Field(max_length=64)] | None = None
    since: AwareDatetime = Field(description="Counts posted from this moment on (with a timezone).")


class RequestParams(PageParams):
    state: RequestState | None = RequestState.PENDING


class Decision(Input):
    comment: Annotated[str, Field(min_length=1, max_length=500)] | None = None


class CountLinePublic(BaseModel):
    sku: str
    expected_qty: int | None = Field(
        description="Free stock when the sheet was made; hidden while the sheet is open "
        "unless settings show it."
    )
    counted_qty: int | None
    counted_by: str | None
    counted_at: datetime | None
    variance: int | None = Field(description="counted - expected, once posted.")
    within_tolerance: bool | None


class SheetSummary(BaseModel):
    id: int
    location: str
    status: SheetStatus
    created_by: str
    created_at: datetime
    posted_by: str | None
    posted_at: datetime | None


class SheetPublic(SheetSummary):
    lines: list[CountLinePublic]


class AccuracyPublic(BaseModel):
    location: str
    counted: int = Field(description="SKU-locations counted in the period (latest count each).")
    within_tolerance: int
    accuracy: float = Field(description="within_tolerance / counted.")


class AdjustmentRequestPublic(BaseModel):
    id: int
    sku: str
    location: str
    status: StockStatus
    delta: int = Field(description="The signed correction that waits for approval.")
    reason: str
    reference: str | None
    count_line_id: int | None
    state: RequestState
    requested_by: str
    requested_at: datetime
    decided_by: str | None
    decided_at: datetime | None
    comment: str | None
    move_id: int | None = Field(description="The ledger move an approval posted.")
