"""Every KPI the API serves, finding one by its view and name, and the rules a request for
one must keep: a date range of at most three years, and a grouping the KPI supports."""

from __future__ import annotations

from datetime import date, timedelta

from erp_core.domain.errors import InvalidInput, NotFound
from erp_core.queries.kpi_frame import Grouping, Kpi, KpiQuery, View
from erp_core.queries.kpis_executive import EXECUTIVE
from erp_core.queries.kpis_operations import OPERATIONS

KPIS: tuple[Kpi, ...] = EXECUTIVE + OPERATIONS
DEFAULT_DAYS = 30
MAX_DAYS = 3 * 365 + 1  # three years, one of them a leap year


class InvalidKpiRange(InvalidInput):
    code = "invalid_kpi_range"


class UnsupportedGrouping(InvalidInput):
    code = "unsupported_grouping"


def view_named(name: str) -> View:
    try:
        return View(name)
    except ValueError:
        raise NotFound(f"there is no KPI view {name!r}", view=name) from None


def kpis_of(view: View) -> tuple[Kpi, ...]:
    return tuple(kpi for kpi in KPIS if kpi.view == view)


def kpi_named(view: View, name: str) -> Kpi:
    for kpi in kpis_of(view):
        if kpi.name == name:
            return kpi
    raise NotFound(f"the {view.value} view has no KPI {name!r}", view=view.value, name=name)


def kpi_range(start: date | None, end: date | None, today: date) -> tuple[date, date]:
    """The days asked for; a missing end is today, a missing start the 30 days up to the end."""
    end = end or today
    start = start or end - timedelta(days=DEFAULT_DAYS - 1)
    if start > end:
        raise InvalidKpiRange(
            "start must not be after end", start=start.isoformat(), end=end.isoformat()
        )
    if (end - start).days + 1 > MAX_DAYS:
        raise InvalidKpiRange(
            f"a KPI range is at most {MAX_DAYS} days",
            start=start.isoformat(),
            end=end.isoformat(),
            max_days=MAX_DAYS,
        )
    return start, end


def kpi_query(kpi: Kpi, start: date, end: date, group_by: Grouping | None) -> KpiQuery:
    if group_by is not None and group_by not in kpi.groupings:
        raise UnsupportedGrouping(
            f"{kpi.name} cannot be grouped by {group_by.value}",
            kpi=kpi.name,
            group_by=group_by.value,
            allowed=sorted(g.value for g in kpi.groupings),
        )
    return KpiQuery(start, end, group_by)
