"""Return (RMA), disposition, refund and return-policy bodies."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any

from pydantic import BaseModel, Field

from api.schemas.common import Code, Input, PageParams
from erp_core.domain.refunds import RefundStatus
from erp_core.domain.returns import Condition, Disposition, ReturnReason, ReturnStatus
from erp_core.queries.pages import INT64_MAX

LineNo = Annotated[int, Field(ge=1, le=1_000_000)]
Qty = Annotated[int, Field(ge=1, le=1_000_000)]
Id = Annotated[int, Field(ge=1, le=INT64_MAX)]


class ReturnPolicyBody(Input):
    window_days: Annotated[int, Field(ge=0, le=3650)]
    restocking_fee_rate: Annotated[Decimal, Field(ge=0, le=1, max_digits=6, decimal_places=4)]


class ReturnPolicyPublic(BaseModel):
    channel: str
    window_days: int
    restocking_fee_rate: Decimal


class LineQty(Input):
    line_no: LineNo
    qty: Qty


class ReturnCreate(Input):
    order_id: Id
    reason: ReturnReason
    reason_text: Annotated[str, Field(max_length=500)] | None = Field(
        default=None, description="Required for reason 'other'."
    )
    location: Code | None = Field(
        default=None,
        description="Where the units come back to; the last shipment's location if not given.",
    )
    lines: Annotated[list[LineQty], Field(min_length=1, max_length=500)]


class ReceiptCreate(Input):
    lines: Annotated[list[LineQty], Field(min_length=1, max_length=500)]


class InspectedLine(Input):
    line_no: LineNo
    condition: Condition


class InspectionCreate(Input):
    lines: Annotated[list[InspectedLine], Field(min_length=1, max_length=500)]


class DispositionLine(Input):
    line_no: LineNo
    qty: Qty
    disposition: Disposition
    supplier: Code | None = Field(default=None, description="Only for return_to_vendor.")


class DispositionCreate(Input):
    lines: Annotated[list[DispositionLine], Field(min_length=1, max_length=500)]


class RefurbishedCreate(Input):
    disposition_id: Id
    qty: Qty


class RefundCreate(Input):
    lines: Annotated[list[LineQty], Field(min_length=1, max_length=500)] | None = Field(
        default=None,
        description="Units to refund; every received unit not yet refunded if not given.",
    )


class ReturnParams(PageParams):
    status: ReturnStatus | None = None
    channel: Annotated[str, Field(max_length=64)] | None = None
    older_than_minutes: Annotated[int, Field(ge=0, le=525_600)] | None = None


class RefundRejection(Input):
    comment: Annotated[str, Field(min_length=1, max_length=1000)]


class RefundParams(PageParams):
    status: RefundStatus = RefundStatus.PENDING_APPROVAL


class ReturnLinePublic(BaseModel):
    line_no: int
    sku: str
    qty_authorized: int
    qty_received: int
    qty_inspected: int
    qty_refunded: int
    condition: Condition | None


class DispositionPublic(BaseModel):
    id: int
    line_no: int
    qty: int
    disposition: Disposition
    supplier: str | None
    qty_refurbished: int
    move_id: int
    actor: str
    at: datetime


class RefundPublic(BaseModel):
    id: int
    return_id: int
    status: RefundStatus
    lines: list[dict[str, Any]]
    goods: Decimal
    tax: Decimal
    shipping: Decimal
    restocking_fee: Decimal
    total: Decimal
    requested_by: str
    requested_at: datetime
    approved_by: str | None
    approved_at: datetime | None
    posted_at: datetime | None
    rejected_by: str | None
    rejected_at: datetime | None
    rejection_comment: str | None
    journal_entry_id: int | None


class ReturnSummary(BaseModel):
    id: int
    order_id: int
    external_id: str
    channel: str
    location: str
    status: ReturnStatus
    reason: ReturnReason
    reason_text: str | None
    authorized_by: str
    authorized_at: datetime
    status_changed_at: datetime
    received_at: datetime | None
    inspected_at: datetime | None
    closed_at: datetime | None
    cancelled_at: datetime | None
    age_seconds: int = Field(description="Seconds in the current status.")
    cycle_seconds: int | None = Field(
        description="Authorization to the last unit's disposition, once closed."
    )


class ReturnPublic(ReturnSummary):
    lines: list[ReturnLinePublic]
    dispositions: list[DispositionPublic]
    refunds: list[RefundPublic]
