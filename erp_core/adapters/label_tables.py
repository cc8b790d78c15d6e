"""Orders known to be anomalous because they were planted: the demo company injects value
spikes, velocity bursts and address mismatches and records them here, so an anomaly model can
be scored against the truth. Nothing in the order flow reads this table."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from erp_core.adapters.tables import Base, BigId
from erp_core.clock import utcnow


class InjectedAnomaly(Base):
    __tablename__ = "injected_anomalies"
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"), unique=True)
    kind: Mapped[str] = mapped_column(String(32), index=True)
    details: Mapped[dict[str, Any]]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
