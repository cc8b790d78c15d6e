"""Purchasing tables: purchase orders and their lines, receipts and their lines.

Receipts are append-only (database triggers refuse UPDATE and DELETE): each receipt line is
the record of one ledger move in, with its landed cost and the supplier's lead time actual.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, ForeignKey, Index, Numeric, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from erp_core.adapters.tables import Base, BigId, Money, enum_column
from erp_core.clock import utcnow
from erp_core.domain.purchasing import AllocationBasis, PoStatus
from erp_core.domain.stock import StockStatus


class PurchaseOrder(Base):
    __tablename__ = "purchase_orders"
    __table_args__ = (
        CheckConstraint("total_value >= 0", name="total_value_not_negative"),
        Index("ix_purchase_orders_status_created", "status", "created_at"),
    )
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    supplier_id: Mapped[int] = mapped_column(ForeignKey("suppliers.id"), index=True)
    location_id: Mapped[int] = mapped_column(ForeignKey("locations.id"))
    status: Mapped[PoStatus] = mapped_column(enum_column(PoStatus, "po_status"))
    # Sum of ordered qty x unit cost: what approval thresholds are judged on.
    total_value: Mapped[Decimal] = mapped_column(Money)
    note: Mapped[str | None] = mapped_column(String(500))
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    status_changed_at: Mapped[datetime] = mapped_column(default=utcnow)
    approved_by: Mapped[str | None] = mapped_column(String(100))
    approved_at: Mapped[datetime | None]
    sent_at: Mapped[datetime | None]
    received_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    cancelled_at: Mapped[datetime | None]


class PurchaseOrderLine(Base):
    __tablename__ = "purchase_order_lines"
    __table_args__ = (
        UniqueConstraint("purchase_order_id", "line_no"),
        CheckConstraint("qty_ordered > 0", name="qty_ordered_positive"),
        CheckConstraint("qty_received >= 0", name="qty_received_not_negative"),
        CheckConstraint("unit_cost >= 0", name="unit_cost_not_negative"),
        # Inbound for available-to-promise is read per item.
        Index("ix_purchase_order_lines_item_open", "item_id", "closed"),
    )
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    purchase_order_id: Mapped[int] = mapped_column(ForeignKey("purchase_orders.id"))
    line_no: Mapped[int]
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id"))
    qty_ordered: Mapped[int]
    qty_received: Mapped[int] = mapped_column(default=0)
    unit_cost: Mapped[Decimal] = mapped_column(Money)
    expected_date: Mapped[date]
    # Why the supplier's MOQ or pack size was not kept, when it was not.
    override_reason: Mapped[str | None] = mapped_column(String(200))
    closed: Mapped[bool] = mapped_column(default=False)
    closed_at: Mapped[datetime | None]


class Receipt(Base):
    __tablename__ = "receipts"
    __table_args__ = (
        CheckConstraint("freight >= 0", name="freight_not_negative"),
        CheckConstraint("duty >= 0", name="duty_not_negative"),
    )
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    purchase_order_id: Mapped[int] = mapped_column(ForeignKey("purchase_orders.id"), index=True)
    received_at: Mapped[datetime]
    reference: Mapped[str | None] = mapped_column(String(200))
    freight: Mapped[Decimal] = mapped_column(Money)
    duty: Mapped[Decimal] = mapped_column(Money)
    allocation_basis: Mapped[AllocationBasis] = mapped_column(
        enum_column(AllocationBasis, "allocation_basis")
    )
    journal_entry_id: Mapped[int] = mapped_column(ForeignKey("journal_entries.id"))
    actor: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ReceiptLine(Base):
    __tablename__ = "receipt_lines"
    __table_args__ = (
        CheckConstraint("qty > 0", name="qty_positive"),
        CheckConstraint("unit_cost >= 0", name="unit_cost_not_negative"),
        CheckConstraint("freight >= 0 AND duty >= 0", name="charges_not_negative"),
        CheckConstraint("landed_unit_cost >= 0", name="landed_cost_not_negative"),
    )
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    receipt_id: Mapped[int] = mapped_column(ForeignKey("receipts.id"), index=True)
    purchase_order_line_id: Mapped[int] = mapped_column(
        ForeignKey("purchase_order_lines.id"), index=True
    )
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id"))
    qty: Mapped[int]
    to_status: Mapped[StockStatus] = mapped_column(enum_column(StockStatus, "receipt_to"))
    unit_cost: Mapped[Decimal] = mapped_column(Money)
    freight: Mapped[Decimal] = mapped_column(Money)
    duty: Mapped[Decimal] = mapped_column(Money)
    landed_unit_cost: Mapped[Decimal] = mapped_column(Money)
    # Receipt time less the PO's sent time; planning learns lead-time mean and spread from it.
    lead_time_days: Mapped[Decimal] = mapped_column(Numeric(8, 2))
    on_time: Mapped[bool]
    move_id: Mapped[int] = mapped_column(ForeignKey("stock_moves.id"), unique=True)
