"""Channel allocations: how each SKU's stock was split across sales channels, and which split is
in force.

A run is saved with its lines and published in the same transaction. Publishing stamps the
lines of the SKUs it covers as superseded in every older run, so each (item, channel) has at
most one line in force; a partial unique index holds that even when two runs race.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any, cast

from sqlalchemy import (
    CheckConstraint,
    Float,
    ForeignKey,
    Index,
    String,
    Table,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from erp_core.adapters.tables import Base, BigId, Money
from erp_core.clock import utcnow

RUN_STATUSES = ("optimal", "feasible", "infeasible", "unknown")
IN_FORCE = text("superseded_at IS NULL")


class ChannelAllocation(Base):
    __tablename__ = "channel_allocations"
    __table_args__ = (
        CheckConstraint("horizon_days > 0", name="horizon_positive"),
        CheckConstraint(
            "status IN ('optimal', 'feasible', 'infeasible', 'unknown')", name="status_known"
        ),
    )
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by: Mapped[str] = mapped_column(String(100))
    # What was asked: SKUs, horizon, lookback, ring-fences, fairness floor.
    request: Mapped[dict[str, Any]]
    horizon_days: Mapped[int]
    # The solver's status over the whole run; each SKU's own status is in the summary.
    status: Mapped[str] = mapped_column(String(16))
    objective: Mapped[Decimal] = mapped_column(Money)  # total expected margin
    solver: Mapped[str] = mapped_column(String(16))
    # Counts per SKU status, infeasible SKUs with their reasons, demand sources, wall time.
    summary: Mapped[dict[str, Any]]
    # None when no SKU could be split, so nothing was published.
    published_at: Mapped[datetime | None]


class ChannelAllocationLine(Base):
    __tablename__ = "channel_allocation_lines"
    __table_args__ = (
        UniqueConstraint("allocation_id", "item_id", "channel_id"),
        CheckConstraint("qty >= 0", name="qty_not_negative"),
        CheckConstraint("ring_fence >= 0", name="ring_fence_not_negative"),
        CheckConstraint("ring_fence <= qty", name="ring_fence_held"),
        CheckConstraint("demand >= 0", name="demand_not_negative"),
        Index(
            "uq_channel_allocation_lines_in_force",
            "item_id",
            "channel_id",
            unique=True,
            sqlite_where=IN_FORCE,
            postgresql_where=IN_FORCE,
        ),
    )
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    allocation_id: Mapped[int] = mapped_column(ForeignKey("channel_allocations.id"))
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id"))
    channel_id: Mapped[int] = mapped_column(ForeignKey("channels.id"))
    qty: Mapped[int]
    ring_fence: Mapped[int]
    demand: Mapped[float] = mapped_column(Float)  # expected units over the horizon
    expected_sales: Mapped[float] = mapped_column(Float)
    expected_margin: Mapped[Decimal] = mapped_column(Money)
    why: Mapped[str] = mapped_column(String(500))
    # Set when a later published run covers the same SKU; None while the line is in force.
    superseded_at: Mapped[datetime | None]


# The lines as a Core table, for writing a run's tens of thousands of lines in one executemany.
LINES = cast(Table, ChannelAllocationLine.__table__)
