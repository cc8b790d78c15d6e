"""Marketplace settlements: each imported payout file, every row of it with what it matched,
and the exceptions finance works (rows that did not match, until accepted or dismissed)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from erp_core.adapters.tables import Base, BigId, Money
from erp_core.clock import utcnow


class Settlement(Base):
    """One payout file; the marketplace's settlement id is unique per channel, so the same
    file twice is found, not imported twice (also by two imports at the same time)."""

    __tablename__ = "settlements"
    __table_args__ = (
        UniqueConstraint("channel_id", "settlement_id"),
        CheckConstraint("row_count = matched_count + exception_count", name="rows_matched_or_not"),
    )
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    channel_id: Mapped[int] = mapped_column(ForeignKey("channels.id"))
    settlement_id: Mapped[str] = mapped_column(String(64))
    posted_date: Mapped[date]
    # sha256 of the parsed content: the same settlement id with another hash is a conflict.
    file_hash: Mapped[str] = mapped_column(String(64))
    payout: Mapped[Decimal] = mapped_column(Money)
    # What the import posted to cash: the payout of the matched rows.
    matched_payout: Mapped[Decimal] = mapped_column(Money)
    row_count: Mapped[int]
    matched_count: Mapped[int]
    exception_count: Mapped[int]
    imported_by: Mapped[str] = mapped_column(String(100))
    imported_at: Mapped[datetime] = mapped_column(default=utcnow)
    # None when no row matched: nothing was posted at import.
    journal_entry_id: Mapped[int | None] = mapped_column(ForeignKey("journal_entries.id"))


class SettlementRow(Base):
    __tablename__ = "settlement_rows"
    __table_args__ = (
        UniqueConstraint("settlement_id", "line"),
        # Earlier payments, fees and refunds of an order, for the next settlement's matching.
        Index("ix_settlement_rows_order", "order_id", "type"),
        CheckConstraint("type IN ('order', 'refund', 'fee', 'adjustment')", name="type_known"),
        CheckConstraint(
            "status IN ('matched', 'open', 'accepted', 'dismissed')", name="status_known"
        ),
    )
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    settlement_id: Mapped[int] = mapped_column(ForeignKey("settlements.id"))
    line: Mapped[int]
    type: Mapped[str] = mapped_column(String(16))
    # The channel's order id as the file gave it, and the order it names, when there is one.
    order_ref: Mapped[str | None] = mapped_column(String(100))
    order_id: Mapped[int | None] = mapped_column(ForeignKey("orders.id"))
    description: Mapped[str | None] = mapped_column(String(200))
    amount: Mapped[Decimal] = mapped_column(Money)
    # The account the row posts to and what was expected there (None: no expectation).
    account: Mapped[str] = mapped_column(String(100))
    expected: Mapped[Decimal | None] = mapped_column(Money)
    status: Mapped[str] = mapped_column(String(16))


class SettlementException(Base):
    __tablename__ = "settlement_exceptions"
    __table_args__ = (
        Index("ix_settlement_exceptions_status_id", "status", "id"),
        Index("ix_settlement_exceptions_settlement", "settlement_id", "id"),
        CheckConstraint(
            "kind IN ('missing_order', 'amount_mismatch', 'fee_mismatch', 'unexpected_fee', "
            "'duplicate_payment', 'unmatched_adjustment')",
            name="kind_known",
        ),
        CheckConstraint("status IN ('open', 'accepted', 'dismissed')", name="status_known"),
        CheckConstraint("(status = 'open') = (resolved_at IS NULL)", name="resolved_when_not_open"),
    )
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    row_id: Mapped[int] = mapped_column(ForeignKey("settlement_rows.id"), unique=True)
    settlement_id: Mapped[int] = mapped_column(ForeignKey("settlements.id"))
    kind: Mapped[str] = mapped_column(String(32))
    expected: Mapped[Decimal | None] = mapped_column(Money)
    actual: Mapped[Decimal] = mapped_column(Money)
    status: Mapped[str] = mapped_column(String(16), default="open")
    opened_at: Mapped[datetime] = mapped_column(default=utcnow)
    reason: Mapped[str | None] = mapped_column(String(1000))
    resolved_by: Mapped[str | None] = mapped_column(String(100))
    resolved_at: Mapped[datetime | None]
    # The entry an accepted exception posted.
    journal_entry_id: Mapped[int | None] = mapped_column(ForeignKey("journal_entries.id"))
