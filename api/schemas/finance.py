"""The books: chart of accounts, trial balance, journal, manual entries, periods."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated

from pydantic import BaseModel, Field, StringConstraints

from api.schemas.common import Input, Money, PageParams, Reference
from erp_core.domain.accounts import AccountType

AccountCode = Annotated[
    str, StringConstraints(strip_whitespace=True, pattern=r"^[a-z_]{1,40}(:[A-Za-z0-9._-]{1,64})?$")
]
Period = Annotated[str, StringConstraints(pattern=r"^\d{4}-\d{2}$")]


class AccountPublic(BaseModel):
    code: str
    name: str
    type: AccountType
    per_party: bool = Field(description="kept per channel or supplier: code:PARTY")


class BalanceLine(BaseModel):
    account: str
    name: str
    type: AccountType
    debit: Decimal
    credit: Decimal
    balance: Decimal = Field(description="debits less credits")


class TrialBalancePublic(BaseModel):
    as_of: date | None
    accounts: list[BalanceLine]
    total_debit: Decimal
    total_credit: Decimal
    difference: Decimal = Field(description="zero when the books balance")


class TrialBalanceParams(Input):
    as_of: date | None = Field(default=None, description="entries up to the end of this day")


class JournalParams(PageParams):
    start: date | None = None
    end: date | None = None
    account: AccountCode | None = Field(
        default=None, description="one account (receivable:AMZ) or a chart code (receivable)"
    )
    reference: Annotated[str, Field(min_length=1, max_length=200)] | None = Field(
        default=None, description="entries whose reference starts with this (order:42)"
    )


class LinePublic(BaseModel):
    account: str
    debit: Decimal
    credit: Decimal


class EntryPublic(BaseModel):
    id: int
    posted_at: datetime
    memo: str
    reference: str
    actor: str
    reverses_id: int | None
    lines: list[LinePublic]


class LineCreate(Input):
    account: AccountCode
    debit: Money = Decimal(0)
    credit: Money = Decimal(0)


class EntryCreate(Input):
    memo: Annotated[str, StringConstraints(min_length=1, max_length=200)]
    reference: Reference
    lines: Annotated[list[LineCreate], Field(min_length=2, max_length=200)]


class ReversalCreate(Input):
    reason: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=150)]


class PeriodPublic(BaseModel):
    period: str
    closed_at: datetime
    closed_by: str


class ClosedPeriodPublic(PeriodPublic):
    balances: dict[str, str] = Field(description="each account's balance at the period's end")


class TaxRateBody(Input):
    rate: Annotated[Decimal, Field(ge=0, lt=1, max_digits=7, decimal_places=6)] = Field(
        description="a fraction: 0.19 for 19%"
    )
    valid_from: date


class TaxRatePublic(BaseModel):
    jurisdiction: str
    rate: Decimal
    valid_from: date
    set_by: str
    set_at: datetime


class TaxReportParams(Input):
    start: date
    end: date


class JurisdictionTax(BaseModel):
    jurisdiction: str
    invoices: int
    taxable: Decimal = Field(description="goods after discount, invoiced")
    tax_invoiced: Decimal
    credit_notes: int
    tax_credited: Decimal
    tax_due: Decimal = Field(description="invoiced less credited")


class TaxReportPublic(BaseModel):
    start: date
    end: date
    jurisdictions: list[JurisdictionTax]
