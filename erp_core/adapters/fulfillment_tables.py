"""Shipments, invoices, the journal and the outbox of customer-facing events."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, Numeric, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from erp_core.adapters.tables import Base, BigId, Money
from erp_core.clock import utcnow


class Shipment(Base):
    __tablename__ = "shipments"
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"), index=True)
    location_id: Mapped[int] = mapped_column(ForeignKey("locations.id"))
    carrier: Mapped[str] = mapped_column(String(64))
    tracking: Mapped[str | None] = mapped_column(String(100))
    shipped_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    actor: Mapped[str] = mapped_column(String(100))
    # What the carrier charges for the parcels, posted to shipping expense.
    shipping_cost: Mapped[Decimal] = mapped_column(Money, default=Decimal(0), server_default="0")


class ShipmentLine(Base):
    __tablename__ = "shipment_lines"
    __table_args__ = (CheckConstraint("qty > 0", name="qty_positive"),)
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    shipment_id: Mapped[int] = mapped_column(ForeignKey("shipments.id"), index=True)
    order_line_id: Mapped[int] = mapped_column(ForeignKey("order_lines.id"), index=True)
    qty: Mapped[int]
    unit_cost: Mapped[Decimal] = mapped_column(Money)


class Invoice(Base):
    """One invoice per shipment, for the goods shipped and their share of discount and tax;
    shipping is charged on an order's first invoice."""

    __tablename__ = "invoices"
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"), index=True)
    shipment_id: Mapped[int] = mapped_column(ForeignKey("shipments.id"), unique=True)
    issued_at: Mapped[datetime] = mapped_column(default=utcnow)
    currency: Mapped[str] = mapped_column(String(3))
    goods: Mapped[Decimal] = mapped_column(Money)
    discount: Mapped[Decimal] = mapped_column(Money)
    tax: Mapped[Decimal] = mapped_column(Money)
    shipping: Mapped[Decimal] = mapped_column(Money)
    total: Mapped[Decimal] = mapped_column(Money)
    journal_entry_id: Mapped[int] = mapped_column(ForeignKey("journal_entries.id"))


class JournalEntry(Base):
    """Append-only: corrections are reversing entries, never edits."""

    __tablename__ = "journal_entries"
    __table_args__ = (Index("uq_journal_entries_reverses_id", "reverses_id", unique=True),)
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    posted_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    memo: Mapped[str] = mapped_column(String(200))
    reference: Mapped[str] = mapped_column(String(200), index=True)
    actor: Mapped[str] = mapped_column(String(100))
    # The entry this one reverses (the unique index: an entry is reversed at most once).
    reverses_id: Mapped[int | None] = mapped_column(ForeignKey("journal_entries.id"))


class AccountingPeriod(Base):
    """A closed month: no entry is posted into it again. Open months have no row."""

    __tablename__ = "accounting_periods"
    period: Mapped[str] = mapped_column(String(7), primary_key=True)  # "YYYY-MM"
    closed_at: Mapped[datetime] = mapped_column(default=utcnow)
    closed_by: Mapped[str] = mapped_column(String(100))
    # The trial balance at close, account -> balance (debit positive), for the record.
    balances: Mapped[dict[str, Any]] = mapped_column(JSON)


class TaxRate(Base):
    """The sales tax rate of a jurisdiction (a country, "DE", or a region of one, "US-CA")
    from a day on; the latest rate on or before an order's day applies."""

    __tablename__ = "tax_rates"
    __table_args__ = (
        UniqueConstraint("jurisdiction", "valid_from"),
        CheckConstraint("rate >= 0 AND rate < 1", name="rate_a_fraction"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    jurisdiction: Mapped[str] = mapped_column(String(64))
    rate: Mapped[Decimal] = mapped_column(Numeric(9, 6))
    valid_from: Mapped[date]
    set_by: Mapped[str] = mapped_column(String(100))
    set_at: Mapped[datetime] = mapped_column(default=utcnow)


class JournalLine(Base):
    __tablename__ = "journal_lines"
    __table_args__ = (
        CheckConstraint("debit >= 0 AND credit >= 0", name="amounts_not_negative"),
        CheckConstraint("debit = 0 OR credit = 0", name="one_side_only"),
        Index("ix_journal_lines_account", "account", "entry_id"),
    )
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("journal_entries.id"))
    account: Mapped[str] = mapped_column(String(100))
    debit: Mapped[Decimal] = mapped_column(Money)
    credit: Mapped[Decimal] = mapped_column(Money)


class OutboxEvent(Base):
    """Customer-facing events, written in the same transaction as the change they announce
    and delivered at least once; consumers deduplicate by event_id."""

    __tablename__ = "outbox_events"
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    event_id: Mapped[str] = mapped_column(String(36), unique=True)
    kind: Mapped[str] = mapped_column(String(64))
    order_id: Mapped[int | None] = mapped_column(ForeignKey("orders.id"), index=True)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    delivered_at: Mapped[datetime | None] = mapped_column(index=True)
