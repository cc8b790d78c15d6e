"""Transfers between locations, cycle-count sheets and adjustment requests awaiting approval."""

from __future__ import annotations

from datetime import date, datetime
from typing import cast

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    ForeignKey,
    Index,
    String,
    Table,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from erp_core.adapters.tables import Base, BigId, enum_column
from erp_core.clock import utcnow
from erp_core.domain.counts import RequestState, SheetStatus
from erp_core.domain.stock import StockStatus
from erp_core.domain.transfers import TransferStatus


class Transfer(Base):
    __tablename__ = "transfers"
    __table_args__ = (
        CheckConstraint("source_location_id <> destination_location_id", name="two_locations"),
        Index("ix_transfers_status_destination", "status", "destination_location_id"),
    )
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    source_location_id: Mapped[int] = mapped_column(ForeignKey("locations.id"))
    destination_location_id: Mapped[int] = mapped_column(ForeignKey("locations.id"))
    status: Mapped[TransferStatus] = mapped_column(enum_column(TransferStatus, "transfer_status"))
    reference: Mapped[str | None] = mapped_column(String(200))
    # When the goods should arrive; inbound stock for available-to-promise is dated by it.
    expected_arrival: Mapped[date | None]
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    status_changed_at: Mapped[datetime] = mapped_column(default=utcnow)
    shipped_at: Mapped[datetime | None]
    received_at: Mapped[datetime | None]
    cancelled_at: Mapped[datetime | None]


class TransferLine(Base):
    __tablename__ = "transfer_lines"
    __table_args__ = (
        UniqueConstraint("transfer_id", "item_id"),
        CheckConstraint("qty > 0", name="qty_positive"),
        CheckConstraint("qty_shipped >= 0 AND qty_shipped <= qty", name="shipped_within_qty"),
        CheckConstraint(
            "qty_received >= 0 AND qty_received <= qty_shipped", name="received_within_shipped"
        ),
    )
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    transfer_id: Mapped[int] = mapped_column(ForeignKey("transfers.id"))
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id"), index=True)
    qty: Mapped[int] = mapped_column(BigInteger)
    qty_shipped: Mapped[int] = mapped_column(BigInteger, default=0)
    qty_received: Mapped[int] = mapped_column(BigInteger, default=0)


class CountSheet(Base):
    __tablename__ = "count_sheets"
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    location_id: Mapped[int] = mapped_column(ForeignKey("locations.id"), index=True)
    status: Mapped[SheetStatus] = mapped_column(enum_column(SheetStatus, "sheet_status"))
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    posted_by: Mapped[str | None] = mapped_column(String(100))
    posted_at: Mapped[datetime | None] = mapped_column(index=True)


class CountLine(Base):
    __tablename__ = "count_lines"
    __table_args__ = (
        UniqueConstraint("sheet_id", "item_id"),
        CheckConstraint("counted_qty >= 0", name="counted_not_negative"),
    )
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    sheet_id: Mapped[int] = mapped_column(ForeignKey("count_sheets.id"))
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id"), index=True)
    # Free stock when the sheet was made; accuracy compares the count with it.
    expected_qty: Mapped[int] = mapped_column(BigInteger)
    counted_qty: Mapped[int | None] = mapped_column(BigInteger)
    counted_by: Mapped[str | None] = mapped_column(String(100))
    counted_at: Mapped[datetime | None]
    # counted - expected, and whether that is within tolerance; set when the sheet is posted.
    variance: Mapped[int | None] = mapped_column(BigInteger)
    within_tolerance: Mapped[bool | None]


class AdjustmentRequest(Base):
    """A correction above the approval threshold, waiting for a second person."""

    __tablename__ = "adjustment_requests"
    __table_args__ = (
        CheckConstraint("delta <> 0", name="delta_not_zero"),
        Index("ix_adjustment_requests_state", "state", "id"),
    )
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id"))
    location_id: Mapped[int] = mapped_column(ForeignKey("locations.id"))
    status: Mapped[StockStatus] = mapped_column(enum_column(StockStatus, "adjusted_status"))
    # Signed change found when it was asked for: later sales move stock on their own.
    delta: Mapped[int] = mapped_column(BigInteger)
    reason: Mapped[str] = mapped_column(String(64))
    reference: Mapped[str | None] = mapped_column(String(200))
    count_line_id: Mapped[int | None] = mapped_column(ForeignKey("count_lines.id"))
    state: Mapped[RequestState] = mapped_column(enum_column(RequestState, "request_state"))
    requested_by: Mapped[str] = mapped_column(String(100))
    requested_at: Mapped[datetime] = mapped_column(default=utcnow)
    decided_by: Mapped[str | None] = mapped_column(String(100))
    decided_at: Mapped[datetime | None]
    comment: Mapped[str | None] = mapped_column(String(500))
    move_id: Mapped[int | None] = mapped_column(ForeignKey("stock_moves.id"))


ADJUSTMENT_REQUESTS = cast(Table, AdjustmentRequest.__table__)
