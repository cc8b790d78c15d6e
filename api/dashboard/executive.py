"""The executive page's figures: every KPI of the view from the catalog, computed in-process
exactly as GET /v1/kpis/{view} computes them (so the page and the API agree by construction),
each with its headline figure broken down by the KPI's first grouping for a bar chart."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from markupsafe import Markup
from sqlalchemy.orm import Session

from api.dashboard.charts import Bar, bar_chart
from erp_core.domain.access import Permission, Principal
from erp_core.queries.kpi_catalog import kpis_of
from erp_core.queries.kpi_frame import Grouping, Kpi, KpiQuery, View

# The figure a KPI's chart shows, where its last column is not the one people read first.
HEADLINES = {"cycle_time": "p50_hours"}


@dataclass(frozen=True)
class KpiCard:
    kpi: Kpi
    rows: list[dict[str, Any]]  # as GET /v1/kpis/{view} answers: one row, group "all"
    headline: str
    grouping: Grouping | None
    chart: Markup | None  # the headline per group


def visible_kpis(view: View, who: Principal) -> list[Kpi]:
    """The view's KPIs the caller may read: those built from cost need cost:read."""
    return [k for k in kpis_of(view) if not k.needs_cost or who.may(Permission.COST_READ)]


def kpi_cards(session: Session, kpis: list[Kpi], start: date, end: date) -> list[KpiCard]:
    return [_card(session, kpi, start, end) for kpi in kpis]


def first_grouping(kpi: Kpi) -> Grouping | None:
    """The grouping a KPI is charted by: the first it supports, in the frame's order."""
    return next((g for g in Grouping if g in kpi.groupings), None)


def _card(session: Session, kpi: Kpi, start: date, end: date) -> KpiCard:
    headline = HEADLINES.get(kpi.name, kpi.columns[-1])
    grouping = first_grouping(kpi)
    chart = None
    if grouping is not None:
        groups = kpi.compute(session, KpiQuery(start, end, grouping))
        bars = [
            Bar(
                row["group"],
                None if row[headline] is None else float(row[headline]),
                {
                    "data-kpi": kpi.name,
                    "data-column": headline,
                    "data-group": str(row["group"]),
                    "data-group-by": grouping.value,
                    "data-value": str(row[headline]),
                },
            )
            for row in groups
        ]
        chart = bar_chart(bars, f"{kpi.title}: {headline} by {grouping.value}")
    rows = kpi.compute(session, KpiQuery(start, end))
    return KpiCard(kpi=kpi, rows=rows, headline=headline, grouping=grouping, chart=chart)
