"""What a KPI is to the API, the CSV export and the dashboard: a named query over a date range,
optionally grouped by channel, location or category, answering rows of figures."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Any

from sqlalchemy.orm import Session


class View(StrEnum):
    EXECUTIVE = "executive"
    OPERATIONS = "operations"


class Grouping(StrEnum):
    CHANNEL = "channel"
    LOCATION = "location"
    CATEGORY = "category"
    SUPPLIER = "supplier"  # purchasing KPIs only: the purchase order's supplier


@dataclass(frozen=True)
class KpiQuery:
    """Days from start to end, both included; group_by None answers one row for everything."""

    start: date
    end: date
    group_by: Grouping | None = None


# One row per group: {"group": the channel/location/category code, or "all", **figures}.
Rows = list[dict[str, Any]]


@dataclass(frozen=True)
class Kpi:
    name: str  # the URL's last part: /v1/kpis/{view}/{name}
    view: View
    title: str
    description: str  # how the figure is computed, in a planner's words
    columns: tuple[str, ...]  # the figures of each row, in CSV order after "group"
    groupings: frozenset[Grouping]
    compute: Callable[[Session, KpiQuery], Rows]
    needs_cost: bool = False  # figures built from cost are shown only with cost:read
