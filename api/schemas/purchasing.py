"""Purchase order, receipt, supplier performance and available-to-promise bodies."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated

from pydantic import BaseModel, Field

from api.schemas.common import Code, Input, Money, PageParams, Reference
from erp_core.domain.purchasing import AllocationBasis, PoStatus
from erp_core.domain.stock import StockStatus

OrderQty = Annotated[int, Field(ge=1, le=1_000_000)]
OverrideReason = Annotated[str, Field(min_length=1, max_length=200)]
Hidden = Field(description="null unless your role may read cost")


class PoLineCreate(Input):
    sku: Code
    qty: OrderQty
    expected_date: dt.date
    unit_cost: Money | None = Field(
        default=None, description="Defaults to the supplier-item's cost."
    )
    override_reason: OverrideReason | None = Field(
        default=None, description="Why the supplier's MOQ or pack size is not kept, if not."
    )


class PurchaseOrderCreate(Input):
    supplier: Code
    location: Code = Field(description="Where the goods are received.")
    lines: Annotated[list[PoLineCreate], Field(min_length=1, max_length=500)]
    note: Annotated[str, Field(min_length=1, max_length=500)] | None = None


class PoLineUpdate(Input):
    """Only while the order is a draft; every field optional."""

    qty: OrderQty | None = None
    unit_cost: Money | None = None
    expected_date: dt.date | None = None
    override_reason: OverrideReason | None = None


class ReceivedLineCreate(Input):
    line_no: Annotated[int, Field(ge=1, le=10_000)]
    qty: OrderQty
    close: bool = Field(
        default=False, description="Close the line even if short: the rest is not coming."
    )


class ReceiptCreate(Input):
    lines: Annotated[list[ReceivedLineCreate], Field(min_length=1, max_length=500)]
    freight: Money = Decimal(0)
    duty: Money = Decimal(0)
    allocate_by: AllocationBasis = Field(
        default=AllocationBasis.VALUE,
        description="How freight and duty are shared among the lines: by goods value or weight.",
    )
    reference: Reference | None = Field(default=None, description="The delivery note, say.")


class PoLinePublic(BaseModel):
    line_no: int
    sku: str
    qty_ordered: int
    qty_received: int
    qty_open: int = Field(description="Still expected: 0 once the line is closed.")
    unit_cost: Decimal | None = Hidden
    expected_date: dt.date
    override_reason: str | None
    closed: bool
    closed_at: dt.datetime | None


class ReceiptLinePublic(BaseModel):
    line_no: int
    sku: str
    qty: int
    to_status: StockStatus
    unit_cost: Decimal | None = Hidden
    freight: Decimal | None = Hidden
    duty: Decimal | None = Hidden
    landed_unit_cost: Decimal | None = Field(
        description="(goods + freight + duty) / qty; null unless your role may read cost"
    )
    lead_time_days: Decimal = Field(description="Receipt time less the order's sent time.")
    on_time: bool
    move_id: int


class ReceiptPublic(BaseModel):
    id: int
    received_at: dt.datetime
    reference: str | None
    freight: Decimal | None = Hidden
    duty: Decimal | None = Hidden
    allocation_basis: AllocationBasis
    journal_entry_id: int
    actor: str
    lines: list[ReceiptLinePublic]


class PurchaseOrderSummary(BaseModel):
    id: int
    supplier: str
    location: str
    status: PoStatus
    total_value: Decimal | None = Hidden
    note: str | None
    created_by: str
    created_at: dt.datetime
    status_changed_at: dt.datetime
    approved_by: str | None
    approved_at: dt.datetime | None
    sent_at: dt.datetime | None
    received_at: dt.datetime | None
    closed_at: dt.datetime | None
    cancelled_at: dt.datetime | None


class PurchaseOrderLines(PurchaseOrderSummary):
    lines: list[PoLinePublic]


class PurchaseOrderPublic(PurchaseOrderLines):
    receipts: list[ReceiptPublic]


class ReceiptResult(ReceiptPublic):
    purchase_order: PurchaseOrderLines = Field(description="The order after the receipt.")


class PurchaseOrderParams(PageParams):
    status: PoStatus | None = None
    supplier: Annotated[str, Field(max_length=64)] | None = None


class SupplierItemPerformance(BaseModel):
    sku: str
    planned_lead_time_days: Decimal = Field(description="The supplier-item's lead time today.")
    receipts: int = Field(description="Receipt lines the figures are drawn from.")
    lead_time_days_mean: Decimal | None
    lead_time_days_std: Decimal | None = Field(description="Sample standard deviation.")
    on_time_rate: Decimal | None = Field(description="Share of receipt lines on time.")
    lines_finished: int = Field(description="Closed order lines the fill rate is drawn from.")
    fill_rate: Decimal | None = Field(
        description="Units received (up to the quantity ordered) / units ordered."
    )


class AtpParams(Input):
    sku: Annotated[str, Field(max_length=64)]
    location: Annotated[str, Field(max_length=64)]
    date: Annotated[dt.date, Field(description="Today if absent.")] | None = None


class AtpArrival(BaseModel):
    expected_date: dt.date
    source: str = Field(description="purchase (more sources, such as transfers, may follow)")
    qty: int
    available_to_promise: int = Field(description="What can be promised once this arrived.")


class AtpPublic(BaseModel):
    sku: str
    location: str
    date: dt.date
    available_to_sell: int
    inbound_by_date: int = Field(description="Inbound expected on or before the date.")
    available_to_promise: int = Field(description="available_to_sell + inbound_by_date")
    schedule: list[AtpArrival] = Field(description="Every open inbound, soonest first.")
