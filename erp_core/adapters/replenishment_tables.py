"""Replenishment plans and their lines: suggestions a planner reviews, edits and approves.

A plan is written whole in one transaction and never recomputed: its lines keep the figures
that explain them (demand over lead time, safety stock, position, rounding, binding limit), so a
planner reads tomorrow what the plan said today.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, CheckConstraint, Float, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from erp_core.adapters.tables import Base, BigId, Money, enum_column
from erp_core.clock import utcnow
from erp_core.domain.replenishment import LineStatus, PlanStatus


class ReplenishmentPlan(Base):
    __tablename__ = "replenishment_plans"
    __table_args__ = (CheckConstraint("budget IS NULL OR budget >= 0", name="budget_not_negative"),)
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    status: Mapped[PlanStatus] = mapped_column(enum_column(PlanStatus, "plan_status"))
    planning_date: Mapped[date]
    # What was asked: filters, limits, service overrides, service type, review period.
    request: Mapped[dict[str, Any]]
    budget: Mapped[Decimal | None] = mapped_column(Money)
    forecast_run_id: Mapped[int | None] = mapped_column(ForeignKey("forecast_runs.id"))
    # Totals, solver status, objective, bound and the limits that bound.
    summary: Mapped[dict[str, Any]]
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    approved_by: Mapped[str | None] = mapped_column(String(100))
    approved_at: Mapped[datetime | None]
    purchase_order_ids: Mapped[list[int]] = mapped_column(JSON, default=list)


class ReplenishmentLine(Base):
    __tablename__ = "replenishment_lines"
    __table_args__ = (
        UniqueConstraint("plan_id", "line_no"),
        CheckConstraint("suggested_qty >= 0", name="suggested_not_negative"),
        CheckConstraint("qty >= 0", name="qty_not_negative"),
    )
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("replenishment_plans.id"), index=True)
    line_no: Mapped[int]
    status: Mapped[LineStatus] = mapped_column(enum_column(LineStatus, "plan_line_status"))
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id"))
    location_id: Mapped[int] = mapped_column(ForeignKey("locations.id"))
    supplier_id: Mapped[int | None] = mapped_column(ForeignKey("suppliers.id"))
    # What the policy asked for before any limit, and what the plan orders after limits and edits.
    suggested_qty: Mapped[int]
    qty: Mapped[int]
    unit_cost: Mapped[Decimal] = mapped_column(Money)
    order_by: Mapped[date | None]
    expected_arrival: Mapped[date | None]
    stockout_risk: Mapped[float | None] = mapped_column(Float)
    binding: Mapped[str | None] = mapped_column(String(200))
    reason: Mapped[str] = mapped_column(String(1000))
    explanation: Mapped[dict[str, Any]]
    edited_by: Mapped[str | None] = mapped_column(String(100))
    edit_note: Mapped[str | None] = mapped_column(String(500))
