"""Order-to-cash tables: orders, lines, holds, status history, channel policies, idempotency."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Float,
    ForeignKey,
    Index,
    Numeric,
    String,
    UniqueConstraint,
    true,
)
from sqlalchemy.orm import Mapped, mapped_column

from erp_core.adapters.tables import Base, BigId, Money, enum_column
from erp_core.clock import utcnow
from erp_core.domain.order_rules import HoldReason, HoldStatus
from erp_core.domain.orders import AllocationStatus, OrderStatus, PaymentStatus


class ChannelOrderPolicy(Base):
    """A channel's validation rules; channels without a row use the defaults of OrderPolicy."""

    __tablename__ = "channel_order_policies"
    channel_id: Mapped[int] = mapped_column(ForeignKey("channels.id"), primary_key=True)
    accepted_payment: Mapped[list[str]] = mapped_column(JSON)
    margin_floor: Mapped[Decimal | None] = mapped_column(Numeric(6, 4))
    max_order_value: Mapped[Decimal | None] = mapped_column(Money)
    shipping_methods: Mapped[list[str] | None] = mapped_column(JSON)
    anomaly_check: Mapped[bool] = mapped_column(default=True, server_default=true())
    anomaly_threshold: Mapped[float | None] = mapped_column(Float)
    hold_without_stock: Mapped[bool] = mapped_column(default=False)
    ship_partial: Mapped[bool] = mapped_column(default=True)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class Order(Base):
    __tablename__ = "orders"
    __table_args__ = (
        UniqueConstraint("channel_id", "external_id"),
        CheckConstraint("total >= 0", name="total_not_negative"),
        Index("ix_orders_status_created", "status", "created_at"),
    )
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    channel_id: Mapped[int] = mapped_column(ForeignKey("channels.id"))
    external_id: Mapped[str] = mapped_column(String(100))
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id"), index=True)
    status: Mapped[OrderStatus] = mapped_column(enum_column(OrderStatus, "order_status"))
    payment_status: Mapped[PaymentStatus] = mapped_column(
        enum_column(PaymentStatus, "payment_status")
    )
    shipping_method: Mapped[str] = mapped_column(String(32))
    ship_to: Mapped[dict[str, Any]] = mapped_column(JSON)
    # Where the order's tax is owed: the ship-to region whose rate applied, for the report.
    tax_jurisdiction: Mapped[str | None] = mapped_column(String(64), index=True)
    currency: Mapped[str] = mapped_column(String(3))
    requested_delivery_date: Mapped[date | None]
    goods: Mapped[Decimal] = mapped_column(Money)
    discount: Mapped[Decimal] = mapped_column(Money)
    tax: Mapped[Decimal] = mapped_column(Money)
    shipping: Mapped[Decimal] = mapped_column(Money)
    total: Mapped[Decimal] = mapped_column(Money)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    status_changed_at: Mapped[datetime] = mapped_column(default=utcnow)


class OrderLine(Base):
    __tablename__ = "order_lines"
    __table_args__ = (
        UniqueConstraint("order_id", "line_no"),
        CheckConstraint("qty > 0", name="qty_positive"),
        CheckConstraint("qty_cancelled BETWEEN 0 AND qty", name="cancelled_within_qty"),
        CheckConstraint("unit_price >= 0", name="price_not_negative"),
        CheckConstraint("discount >= 0", name="discount_not_negative"),
        CheckConstraint("tax >= 0", name="tax_not_negative"),
    )
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"))
    line_no: Mapped[int]
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id"), index=True)
    qty: Mapped[int]
    # Units cancelled before shipment; what the line still asks for is qty - qty_cancelled.
    qty_cancelled: Mapped[int] = mapped_column(default=0, server_default="0")
    unit_price: Mapped[Decimal] = mapped_column(Money)
    discount: Mapped[Decimal] = mapped_column(Money)
    tax: Mapped[Decimal] = mapped_column(Money)
    unit_cost: Mapped[Decimal] = mapped_column(Money)


class OrderAllocation(Base):
    """Stock reserved at one location for (part of) an order line; reserved stock equals the
    sum of active allocations."""

    __tablename__ = "order_allocations"
    __table_args__ = (CheckConstraint("qty > 0", name="qty_positive"),)
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    order_line_id: Mapped[int] = mapped_column(ForeignKey("order_lines.id"), index=True)
    location_id: Mapped[int] = mapped_column(ForeignKey("locations.id"))
    reservation_id: Mapped[int] = mapped_column(ForeignKey("reservations.id"), unique=True)
    qty: Mapped[int]
    status: Mapped[AllocationStatus] = mapped_column(
        enum_column(AllocationStatus, "allocation_status")
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class OrderStatusChange(Base):
    """The order's timeline: every state change, when, by whom and why."""

    __tablename__ = "order_status_history"
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"), index=True)
    from_status: Mapped[OrderStatus | None] = mapped_column(
        enum_column(OrderStatus, "history_from")
    )
    to_status: Mapped[OrderStatus] = mapped_column(enum_column(OrderStatus, "history_to"))
    at: Mapped[datetime] = mapped_column(default=utcnow)
    actor: Mapped[str] = mapped_column(String(100))
    note: Mapped[str | None] = mapped_column(String(500))


class Hold(Base):
    __tablename__ = "holds"
    __table_args__ = (Index("ix_holds_status_opened", "status", "opened_at"),)
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"), index=True)
    reason: Mapped[HoldReason] = mapped_column(enum_column(HoldReason, "hold_reason"))
    message: Mapped[str] = mapped_column(String(500))
    details: Mapped[dict[str, Any]] = mapped_column(JSON)
    status: Mapped[HoldStatus] = mapped_column(enum_column(HoldStatus, "hold_status"))
    opened_at: Mapped[datetime] = mapped_column(default=utcnow)
    resolved_at: Mapped[datetime | None]
    resolved_by: Mapped[str | None] = mapped_column(String(100))
    comment: Mapped[str | None] = mapped_column(String(1000))


class IdempotencyKey(Base):
    """A claimed Idempotency-Key and the first reply given for it, stored in the same
    transaction as the work so a failed request leaves the key free."""

    __tablename__ = "idempotency_keys"
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    scope: Mapped[str] = mapped_column(String(300), unique=True)
    request_hash: Mapped[str] = mapped_column(String(64))
    status_code: Mapped[int]
    response: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
