"""Returns: per-channel return policies, RMAs and their lines, dispositions, refunds."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, Numeric, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from erp_core.adapters.tables import Base, BigId, Money, enum_column
from erp_core.clock import utcnow
from erp_core.domain.refunds import RefundStatus
from erp_core.domain.returns import Condition, Disposition, ReturnReason, ReturnStatus


class ReturnPolicy(Base):
    """A channel's return window and restocking fee; channels without a row use the defaults
    of settings (window) and no fee."""

    __tablename__ = "return_policies"
    __table_args__ = (
        CheckConstraint("window_days >= 0", name="window_not_negative"),
        CheckConstraint(
            "restocking_fee_rate >= 0 AND restocking_fee_rate <= 1", name="fee_rate_fraction"
        ),
    )
    channel_id: Mapped[int] = mapped_column(ForeignKey("channels.id"), primary_key=True)
    window_days: Mapped[int]
    restocking_fee_rate: Mapped[Decimal] = mapped_column(Numeric(6, 4))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class ReturnAuthorization(Base):
    """An RMA; its timestamps give the return-disposition cycle time."""

    __tablename__ = "return_authorizations"
    __table_args__ = (Index("ix_return_authorizations_status_id", "status", "id"),)
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"), index=True)
    location_id: Mapped[int] = mapped_column(ForeignKey("locations.id"))
    status: Mapped[ReturnStatus] = mapped_column(enum_column(ReturnStatus, "return_status"))
    reason: Mapped[ReturnReason] = mapped_column(enum_column(ReturnReason, "return_reason"))
    reason_text: Mapped[str | None] = mapped_column(String(500))
    authorized_by: Mapped[str] = mapped_column(String(100))
    authorized_at: Mapped[datetime] = mapped_column(default=utcnow)
    status_changed_at: Mapped[datetime] = mapped_column(default=utcnow)
    received_at: Mapped[datetime | None]
    inspected_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    cancelled_at: Mapped[datetime | None]


class ReturnLine(Base):
    __tablename__ = "return_lines"
    __table_args__ = (
        UniqueConstraint("return_id", "order_line_id"),
        CheckConstraint("qty_authorized > 0", name="authorized_positive"),
        CheckConstraint(
            "qty_received >= 0 AND qty_received <= qty_authorized", name="received_authorized"
        ),
        CheckConstraint(
            "qty_inspected >= 0 AND qty_inspected <= qty_received", name="inspected_received"
        ),
        CheckConstraint(
            "qty_refunded >= 0 AND qty_refunded <= qty_received", name="refunded_received"
        ),
    )
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    return_id: Mapped[int] = mapped_column(ForeignKey("return_authorizations.id"), index=True)
    order_line_id: Mapped[int] = mapped_column(ForeignKey("order_lines.id"), index=True)
    qty_authorized: Mapped[int]
    qty_received: Mapped[int] = mapped_column(default=0)
    qty_inspected: Mapped[int] = mapped_column(default=0)
    qty_refunded: Mapped[int] = mapped_column(default=0)
    # What the units cost when they shipped: they come back into stock at that cost.
    unit_cost: Mapped[Decimal] = mapped_column(Money)
    condition: Mapped[Condition | None] = mapped_column(enum_column(Condition, "return_condition"))


class ReturnDisposition(Base):
    """Where some inspected units of a line went; a line's dispositions never add up to more
    than it had inspected."""

    __tablename__ = "return_dispositions"
    __table_args__ = (
        CheckConstraint("qty > 0", name="qty_positive"),
        CheckConstraint(
            "qty_refurbished >= 0 AND qty_refurbished <= qty", name="refurbished_within"
        ),
        CheckConstraint(
            "(disposition = 'return_to_vendor') = (supplier_id IS NOT NULL)",
            name="supplier_for_vendor_returns",
        ),
    )
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    return_line_id: Mapped[int] = mapped_column(ForeignKey("return_lines.id"), index=True)
    qty: Mapped[int]
    disposition: Mapped[Disposition] = mapped_column(enum_column(Disposition, "disposition"))
    supplier_id: Mapped[int | None] = mapped_column(ForeignKey("suppliers.id"))
    move_id: Mapped[int] = mapped_column(ForeignKey("stock_moves.id"))
    # Refurbished units restocked since (they left quarantine for available).
    qty_refurbished: Mapped[int] = mapped_column(default=0)
    actor: Mapped[str] = mapped_column(String(100))
    at: Mapped[datetime] = mapped_column(default=utcnow)


class Refund(Base):
    """A refund and, once posted, its credit note in the journal."""

    __tablename__ = "refunds"
    __table_args__ = (
        CheckConstraint("total >= 0", name="total_not_negative"),
        CheckConstraint(
            "goods >= 0 AND tax >= 0 AND shipping >= 0 AND restocking_fee >= 0",
            name="amounts_not_negative",
        ),
        Index("ix_refunds_status_id", "status", "id"),
    )
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    return_id: Mapped[int] = mapped_column(ForeignKey("return_authorizations.id"), index=True)
    status: Mapped[RefundStatus] = mapped_column(enum_column(RefundStatus, "refund_status"))
    # [{"line_no", "qty"}]: the units this refund pays for.
    lines: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    goods: Mapped[Decimal] = mapped_column(Money)
    tax: Mapped[Decimal] = mapped_column(Money)
    shipping: Mapped[Decimal] = mapped_column(Money)
    restocking_fee: Mapped[Decimal] = mapped_column(Money)
    total: Mapped[Decimal] = mapped_column(Money)
    requested_by: Mapped[str] = mapped_column(String(100))
    requested_at: Mapped[datetime] = mapped_column(default=utcnow)
    approved_by: Mapped[str | None] = mapped_column(String(100))
    approved_at: Mapped[datetime | None]
    posted_at: Mapped[datetime | None]
    rejected_by: Mapped[str | None] = mapped_column(String(100))
    rejected_at: Mapped[datetime | None]
    rejection_comment: Mapped[str | None] = mapped_column(String(1000))
    journal_entry_id: Mapped[int | None] = mapped_column(ForeignKey("journal_entries.id"))
