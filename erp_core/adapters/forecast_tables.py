"""Forecast runs and their values: what the decision service published for planners."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, Float, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from erp_core.adapters.tables import Base, BigId, enum_column
from erp_core.clock import utcnow
from erp_core.domain.forecasts import RunStatus


class ForecastRun(Base):
    __tablename__ = "forecast_runs"
    __table_args__ = (
        CheckConstraint("horizon > 0", name="horizon_positive"),
        CheckConstraint("progress BETWEEN 0 AND 1", name="progress_fraction"),
        Index("ix_forecast_runs_status_id", "status", "id"),
    )
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    status: Mapped[RunStatus] = mapped_column(enum_column(RunStatus, "forecast_run_status"))
    grouping: Mapped[str] = mapped_column(String(16))
    horizon: Mapped[int]
    levels: Mapped[list[int]] = mapped_column(JSON)
    model_name: Mapped[str] = mapped_column(String(200))
    model_version: Mapped[str | None] = mapped_column(String(32))
    # True when no champion could be used and the documented baseline forecast instead.
    degraded: Mapped[bool] = mapped_column(default=False)
    series: Mapped[int] = mapped_column(default=0)
    progress: Mapped[float] = mapped_column(Float, default=0.0)
    message: Mapped[str | None] = mapped_column(String(1000))
    metrics: Mapped[dict[str, Any]]
    requested_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]


class ForecastValue(Base):
    __tablename__ = "forecast_values"
    __table_args__ = (
        Index("ix_forecast_values_item_run", "item_id", "run_id", "ds"),
        # Covers forecast vs actual over a range of days without reading the rows.
        Index("ix_forecast_values_run_day", "run_id", "ds", "item_id", "mean"),
    )
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("forecast_runs.id"), index=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id"))
    location_id: Mapped[int | None] = mapped_column(ForeignKey("locations.id"))
    channel_id: Mapped[int | None] = mapped_column(ForeignKey("channels.id"))
    ds: Mapped[date]
    model: Mapped[str] = mapped_column(String(64))
    mean: Mapped[float] = mapped_column(Float)
    lo_80: Mapped[float | None] = mapped_column(Float)
    hi_80: Mapped[float | None] = mapped_column(Float)
    lo_95: Mapped[float | None] = mapped_column(Float)
    hi_95: Mapped[float | None] = mapped_column(Float)
