"""Anomaly tables: every captured order's anomaly score, and the flags operations and planners
work (held orders, unusual returns, returners, SKU return spikes, demand days).

An order's score row also serves as the feature store for live scoring: it keeps the order's
value, customer, address key and time, indexed so the velocity windows of the next order are
two index range scans.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, Float, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from erp_core.adapters.tables import Base, BigId
from erp_core.clock import utcnow


class OrderAnomalyScore(Base):
    __tablename__ = "order_anomaly_scores"
    __table_args__ = (
        Index("ix_order_anomaly_scores_address", "address_key", "created_at"),
        Index("ix_order_anomaly_scores_customer", "customer_id", "created_at"),
        CheckConstraint(
            "scored_by IN ('model', 'rules', 'none')",
            name="scored_by_known",
        ),
        CheckConstraint(
            "outcome IS NULL OR outcome IN ('confirmed_fraud', 'false_positive')",
            name="outcome_known",
        ),
    )
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"), primary_key=True)
    channel_id: Mapped[int] = mapped_column(ForeignKey("channels.id"))
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id"))
    # Normalised ship-to (postcode, street, country), so one drop address is one key.
    address_key: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    value: Mapped[float] = mapped_column(Float)
    score: Mapped[float] = mapped_column(Float)
    threshold: Mapped[float] = mapped_column(Float)
    held: Mapped[bool]
    reasons: Mapped[list[str]] = mapped_column(JSON)
    features: Mapped[dict[str, float]] = mapped_column(JSON)
    # 'model' (forest and rules), 'rules' (fallback: no usable model), 'none' (check off).
    scored_by: Mapped[str] = mapped_column(String(8))
    model_version: Mapped[str | None] = mapped_column(String(32))
    note: Mapped[str | None] = mapped_column(String(500))
    # Learnt when an anomaly hold is resolved: the label the next training reads.
    outcome: Mapped[str | None] = mapped_column(String(16))
    outcome_by: Mapped[str | None] = mapped_column(String(100))
    outcome_at: Mapped[datetime | None]


class AnomalyFlag(Base):
    """One flag per subject and kind: a rescan refreshes an open flag and leaves a resolved one
    alone, so a dismissed flag is not raised again for the same subject."""

    __tablename__ = "anomaly_flags"
    __table_args__ = (
        UniqueConstraint("kind", "subject"),
        Index("ix_anomaly_flags_kind_status", "kind", "status"),
        CheckConstraint(
            "kind IN ('order', 'return', 'customer', 'sku', 'demand')", name="kind_known"
        ),
        CheckConstraint("status IN ('open', 'confirmed', 'dismissed')", name="status_known"),
    )
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    # What is flagged, readable: an order or return id, a customer code, SKU, or SKU@LOC@day.
    subject: Mapped[str] = mapped_column(String(200))
    order_id: Mapped[int | None] = mapped_column(ForeignKey("orders.id"))
    return_id: Mapped[int | None] = mapped_column(ForeignKey("return_authorizations.id"))
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id"))
    item_id: Mapped[int | None] = mapped_column(ForeignKey("items.id"))
    location_id: Mapped[int | None] = mapped_column(ForeignKey("locations.id"))
    day: Mapped[date | None]
    score: Mapped[float] = mapped_column(Float)
    reasons: Mapped[list[str]] = mapped_column(JSON)
    details: Mapped[dict[str, Any]]
    status: Mapped[str] = mapped_column(String(16), default="open")
    opened_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    resolved_at: Mapped[datetime | None]
    resolved_by: Mapped[str | None] = mapped_column(String(100))
    comment: Mapped[str | None] = mapped_column(String(1000))
