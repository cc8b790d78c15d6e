"""Replenishment plan requests and replies."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field, StringConstraints

from api.schemas.common import Code, Input, Money, PageParams
from erp_core.domain.replenishment import LineStatus, PlanStatus

Codes = Annotated[list[Code], Field(max_length=10_000)]
Capacity = Annotated[int, Field(ge=0, le=10**12)]
Note = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]


class PlanCreate(Input):
    planning_date: date | None = Field(default=None, description="Default: today.")
    skus: Codes = []
    locations: Codes = Field(default=[], description="Stocking locations; default: all.")
    suppliers: Codes = Field(default=[], description="Buy only from these; default: any.")
    budget: Money | None = Field(default=None, description="Most the plan may spend.")
    space_by_location: dict[Code, Capacity] = Field(
        default={}, description="Most units each location can take in."
    )
    units_by_supplier: dict[Code, Capacity] = Field(
        default={}, description="Most units each supplier can deliver."
    )
    service_levels: dict[Code, float] = Field(
        default={},
        description='Service targets strictly between 0 and 1, per ABC x XYZ class ("AX") '
        "or per SKU; they override the settings.",
    )
    service_type: Literal["cycle", "fill_rate"] | None = None
    review_period: Annotated[int, Field(ge=1, le=90)] | None = None


class PlanPublic(BaseModel):
    id: int
    status: PlanStatus
    planning_date: date
    request: dict[str, Any]
    budget: Decimal | None
    forecast_run_id: int | None
    summary: dict[str, Any]
    lines: dict[str, int] = Field(description="Lines per status.")
    order_value: Decimal
    created_by: str
    created_at: datetime
    approved_by: str | None
    approved_at: datetime | None
    purchase_order_ids: list[int]


class LineParams(PageParams):
    status: LineStatus | None = None


class LinePublic(BaseModel):
    line: int
    status: LineStatus
    sku: str
    location: str
    supplier: str | None
    suggested_qty: int
    qty: int
    unit_cost: Decimal
    cost: Decimal
    order_by: date | None
    expected_arrival: date | None
    stockout_risk: float | None
    binding: str | None = Field(description="The limits that cut this line, if any.")
    reason: str
    explanation: dict[str, Any]
    edited_by: str | None
    edit_note: str | None


class LineEdit(Input):
    qty: Annotated[int, Field(ge=0, le=10**9)] | None = Field(
        default=None, description="The quantity to order instead; omit with drop=true."
    )
    drop: bool = False
    note: Note
