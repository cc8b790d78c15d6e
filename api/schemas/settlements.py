"""Marketplace settlements, their exceptions and how finance resolves them."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import BaseModel, Field

from api.schemas.common import Code, Input, PageParams
from erp_core.domain.settlement_files import RowType
from erp_core.domain.settlements import ExceptionKind, ExceptionStatus
from erp_core.queries.pages import INT64_MAX


class SettlementParams(PageParams):
    channel: Code | None = None


class SettlementPublic(BaseModel):
    id: int
    settlement_id: str = Field(description="the marketplace's settlement id")
    channel: str
    posted_date: date
    file_hash: str = Field(description="sha256 of the file's content, blind to its layout")
    payout: Decimal = Field(description="the sum of every row: what the marketplace paid")
    matched_payout: Decimal = Field(description="the payout of the matched rows, posted to cash")
    row_count: int
    matched_count: int
    exception_count: int
    exceptions_by_kind: dict[str, int] = Field(description="exceptions opened, per kind")
    open_exceptions: int = Field(description="of them, how many are still open")
    imported_by: str
    imported_at: datetime
    journal_entry_id: int | None = Field(description="the entry of the matched rows, if any")


class SettlementListed(BaseModel):
    id: int
    settlement_id: str
    channel: str
    posted_date: date
    payout: Decimal
    matched_payout: Decimal
    row_count: int
    matched_count: int
    exception_count: int
    imported_by: str
    imported_at: datetime
    journal_entry_id: int | None


class ExceptionParams(PageParams):
    status: ExceptionStatus | None = Field(
        default=ExceptionStatus.OPEN, description="open (default), accepted or dismissed"
    )
    kind: ExceptionKind | None = None
    channel: Code | None = None
    settlement: Annotated[int, Field(ge=1, le=INT64_MAX)] | None = Field(
        default=None, description="Keel's id of one settlement"
    )


class ExceptionPublic(BaseModel):
    id: int
    settlement_id: int = Field(description="Keel's id of the settlement")
    marketplace_settlement_id: str
    channel: str
    line: int = Field(description="the row's line in the file (the header is line 1)")
    type: RowType
    order_ref: str | None = Field(description="the order id as the file gave it")
    order_id: int | None = Field(description="the order it names, when Keel has it")
    description: str | None
    account: str = Field(description="where the expected part posts when accepted")
    kind: ExceptionKind
    expected: Decimal | None = Field(description="what Keel expected; null: nothing to match")
    actual: Decimal = Field(description="what the marketplace paid (signed, to the seller)")
    status: ExceptionStatus
    opened_at: datetime
    reason: str | None
    resolved_by: str | None
    resolved_at: datetime | None
    journal_entry_id: int | None = Field(description="the entry an accepted exception posted")


class ExceptionResolution(Input):
    action: Literal["accept", "dismiss"] = Field(
        description="accept: post the row as the marketplace paid it, the difference to "
        "marketplace_adjustments; dismiss: post nothing"
    )
    reason: Annotated[str, Field(min_length=1, max_length=1000)]
