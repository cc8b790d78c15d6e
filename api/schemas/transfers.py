"""Transfer request and response bodies."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from pydantic import BaseModel, Field

from api.schemas.common import Code, Input, PageParams, Reference
from api.schemas.inventory import Qty
from erp_core.domain.transfers import TransferStatus

MAX_TRANSFER_LINES = 500


class TransferLineIn(Input):
    sku: Code
    qty: Qty


class TransferCreate(Input):
    source: Code
    destination: Code
    lines: Annotated[list[TransferLineIn], Field(min_length=1, max_length=MAX_TRANSFER_LINES)]
    expected_arrival: date | None = Field(
        default=None, description="When the goods should arrive; dates inbound stock for ATP."
    )
    reference: Reference | None = None


class TransferReceipt(Input):
    lines: (
        Annotated[list[TransferLineIn], Field(min_length=1, max_length=MAX_TRANSFER_LINES)] | None
    ) = Field(default=None, description="What arrived; absent to receive everything in transit.")


class TransferParams(PageParams):
    status: TransferStatus | None = None
    location: Annotated[str, Field(max_length=64)] | None = Field(
        default=None, description="Transfers from or to this location."
    )


class TransferLinePublic(BaseModel):
    sku: str
    qty: int
    qty_shipped: int
    qty_received: int
    in_transit: int = Field(description="Shipped and not yet received.")


class TransferSummary(BaseModel):
    id: int
    source: str
    destination: str
    status: TransferStatus
    reference: str | None
    expected_arrival: date | None
    created_by: str
    created_at: datetime
    status_changed_at: datetime
    shipped_at: datetime | None
    received_at: datetime | None
    cancelled_at: datetime | None


class TransferPublic(TransferSummary):
    lines: list[TransferLinePublic]


class InTransitLine(BaseModel):
    transfer_id: int
    source: str
    in_transit: int
    expected_arrival: date | None


class InTransitPublic(BaseModel):
    sku: str
    in_transit: int = Field(description="The in-transit balance at the location.")
    transfers: list[InTransitLine] = Field(description="The open transfer lines behind it.")
