"""The operations view's supply-side KPIs: replenishment exceptions, supplier delays and on-time
rate, inventory accuracy and return disposition cycle time (their definitions are in
kpis_operations)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, case, func, join, select
from sqlalchemy.orm import Session

from erp_core.adapters.purchasing_tables import (
    PurchaseOrder,
    PurchaseOrderLine,
    Receipt,
    ReceiptLine,
)
from erp_core.adapters.replenishment_tables import ReplenishmentLine, ReplenishmentPlan
from erp_core.adapters.returns_tables import ReturnAuthorization
from erp_core.adapters.tables import Location, Supplier
from erp_core.adapters.transfer_tables import CountLine, CountSheet
from erp_core.domain.counts import SheetStatus
from erp_core.domain.replenishment import LineStatus
from erp_core.queries.kpi_frame import Grouping, KpiQuery, Rows
from erp_core.queries.kpi_sql import (
    RETURN_ROUTES,
    Route,
    count_where,
    days_late,
    durations_by_group,
    grouped,
    hour_percentiles,
    hours_between,
    item_category,
    ratio,
    rounded,
    sorted_rows,
    within,
)

# A planned line still this likely to run out, with its planned quantity, needs a planner.
HIGH_STOCKOUT_RISK = 0.5


@dataclass(frozen=True)
class PlanLineTrouble:
    """Why a plan line needs a planner: it cannot be planned, a limit cut it (and nobody has
    edited it since), or it is still likely to run out with the planned quantity."""

    cannot: ColumnElement[bool]
    cut: ColumnElement[bool]
    risky: ColumnElement[bool]

    @property
    def any(self) -> ColumnElement[bool]:
        return self.cannot | self.cut | self.risky


def plan_line_trouble() -> PlanLineTrouble:
    line = ReplenishmentLine
    planned = line.status.in_((LineStatus.ORDER, LineStatus.NO_ORDER))
    return PlanLineTrouble(
        cannot=line.status == LineStatus.CANNOT_PLAN,
        cut=planned & line.edited_by.is_(None) & (line.qty < line.suggested_qty),
        risky=planned & (line.stockout_risk >= HIGH_STOCKOUT_RISK),
    )


def replenishment_exceptions(session: Session, query: KpiQuery) -> Rows:
    plan_id = session.scalar(
        select(func.max(ReplenishmentPlan.id)).where(ReplenishmentPlan.planning_date <= query.end)
    )
    line = ReplenishmentLine
    trouble = plan_line_trouble()
    routes = {
        Grouping.LOCATION: Route(Location.code, ((Location, Location.id == line.location_id),)),
        Grouping.CATEGORY: item_category(line.item_id),
    }
    totals = grouped(
        query,
        routes,
        line,
        func.count(),
        count_where(trouble.any),
        count_where(trouble.cannot),
        count_where(trouble.cut),
        count_where(trouble.risky),
    ).where(line.plan_id == plan_id)
    figures = {
        key: {"plan": plan_id, **_exceptions(*counts)} for key, *counts in session.execute(totals)
    }
    return sorted_rows(figures, query, {"plan": plan_id, **_exceptions(0, 0, 0, 0, 0)})


def _exceptions(
    lines: int, flagged: int, unplanned: int, limited: int, risky: int
) -> dict[str, Any]:
    return {
        "lines": lines,
        "exceptions": int(flagged),
        "exception_share": ratio(flagged, lines),
        "cannot_plan": int(unplanned),
        "cut_by_limits": int(limited),
        "high_risk": int(risky),
    }


def supplier_delivery(session: Session, query: KpiQuery) -> Rows:
    late = ~ReceiptLine.on_time
    days = days_late(session, Receipt.received_at, PurchaseOrderLine.expected_date)
    order = (PurchaseOrder, PurchaseOrder.id == Receipt.purchase_order_id)
    routes = {
        Grouping.SUPPLIER: Route(
            Supplier.code, (order, (Supplier, Supplier.id == PurchaseOrder.supplier_id))
        ),
        Grouping.LOCATION: Route(
            Location.code, (order, (Location, Location.id == PurchaseOrder.location_id))
        ),
        Grouping.CATEGORY: item_category(ReceiptLine.item_id),
    }
    received = join(ReceiptLine, Receipt, Receipt.id == ReceiptLine.receipt_id).join(
        PurchaseOrderLine, PurchaseOrderLine.id == ReceiptLine.purchase_order_line_id
    )
    totals = grouped(
        query,
        routes,
        received,
        func.count(),
        count_where(late),
        func.sum(case((late, days))),
        func.sum(ReceiptLine.qty),
    ).where(within(Receipt.received_at, query))
    figures = {key: _deliveries(*sums) for key, *sums in session.execute(totals)}
    return sorted_rows(figures, query, _deliveries(0, 0, None, 0))


def _deliveries(lines: int, late: int, days: Any, units: int) -> dict[str, Any]:
    return {
        "receipt_lines": lines,
        "units": int(units),
        "on_time_share": ratio(lines - late, lines),
        "late_lines": int(late),
        "mean_days_late": ratio(days, late, 2),
    }


def inventory_accuracy(session: Session, query: KpiQuery) -> Rows:
    variance = func.abs(CountLine.counted_qty - CountLine.expected_qty)
    routes = {
        Grouping.LOCATION: Route(
            Location.code, ((Location, Location.id == CountSheet.location_id),)
        ),
        Grouping.CATEGORY: item_category(CountLine.item_id),
    }
    totals = grouped(
        query,
        routes,
        join(CountLine, CountSheet, CountSheet.id == CountLine.sheet_id),
        func.count(),
        count_where(variance == 0),
        count_where(CountLine.within_tolerance),
        func.sum(variance),
        func.sum(CountLine.expected_qty),
    ).where(CountSheet.status == SheetStatus.POSTED, within(CountSheet.posted_at, query))
    figures = {key: _accuracy(*sums) for key, *sums in session.execute(totals)}
    return sorted_rows(figures, query, _accuracy(0, 0, 0, 0, 0))


def _accuracy(lines: int, exact: int, tolerated: int, off: int, expected: int) -> dict[str, Any]:
    return {
        "lines": lines,
        "exact_share": ratio(exact, lines),
        "within_tolerance_share": ratio(tolerated, lines),
        "variance_units": int(off),
        "system_units": int(expected),
        "variance_rate": ratio(off, expected),
    }


def return_disposition(session: Session, query: KpiQuery) -> Rows:
    rma = ReturnAuthorization
    hours = hours_between(session, rma.closed_at, rma.received_at)
    cycles = grouped(query, RETURN_ROUTES, rma, hours, by_group=False).where(
        rma.received_at.is_not(None), within(rma.closed_at, query)
    )
    waits = durations_by_group(session.execute(cycles))
    return sorted_rows({key: _cycle(w) for key, w in waits.items()}, query, _cycle([]))


def _cycle(hours: list[float]) -> dict[str, Any]:
    return {
        "returns": len(hours),
        **hour_percentiles(hours, 50, 90),
        "max_hours": rounded(hours[-1] if hours else None),
    }
