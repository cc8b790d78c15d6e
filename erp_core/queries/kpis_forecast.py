"""Forecast vs actual for the operations view: WAPE and bias of a published per-SKU forecast run
against the demand that came (the definition is in kpis_operations).

A 30-day range at 20,000 SKUs is 600,000 forecast values: they are only summed in SQL, and the
SKU-days that sold (far fewer) are paired with their forecast through the (item, run, day)
index, so sum |forecast - actual| = sum over days sold + the forecast of the days that did not.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import replace
from typing import Any

from sqlalchemy import exists, func, select
from sqlalchemy.orm import Session

from erp_core.adapters.forecast_tables import ForecastRun, ForecastValue
from erp_core.adapters.order_tables import Order, OrderLine
from erp_core.domain.forecasts import RunStatus
from erp_core.queries.demand_history import as_date, day_of
from erp_core.queries.kpi_frame import Grouping, KpiQuery, Rows
from erp_core.queries.kpi_sql import (
    NOT_CANCELLED,
    grouped,
    item_category,
    one_series,
    ratio,
    rounded,
    sorted_rows,
    within,
)


def forecast_accuracy(session: Session, query: KpiQuery) -> Rows:
    run_id = _latest_run(session, query)
    # The item is joined only when its category is asked for: hundreds of thousands of
    # forecast values need no join to be summed.
    forecast = grouped(
        query,
        {Grouping.CATEGORY: item_category(ForecastValue.item_id)},
        ForecastValue,
        func.count(),
        func.sum(ForecastValue.mean),
    ).where(ForecastValue.run_id == run_id, ForecastValue.ds.between(query.start, query.end))
    sold = _sold_against_forecast(session, _days_forecast(session, query, run_id), run_id)
    figures = {
        key: {"run": run_id, **_scores(days, predicted, *sold[key])}
        for key, days, predicted in session.execute(forecast)
    }
    empty = {"run": run_id, "sku_days": 0, "forecast_units": None, "actual_units": 0}
    return sorted_rows(figures, query, empty | {"wape": None, "bias": None})


def _latest_run(session: Session, query: KpiQuery) -> int | None:
    """The newest succeeded per-SKU run with a value for any day of the range."""
    value = ForecastValue
    return session.scalar(
        select(ForecastRun.id)
        .where(
            ForecastRun.status == RunStatus.SUCCEEDED,
            ForecastRun.grouping == "sku",
            exists().where(
                value.run_id == ForecastRun.id, value.ds.between(query.start, query.end)
            ),
        )
        .order_by(ForecastRun.id.desc())
        .limit(1)
    )


def _days_forecast(session: Session, query: KpiQuery, run_id: int | None) -> KpiQuery:
    """The range narrowed to the days the run forecast, read from one of its series (a run
    forecasts every series over the same days), so a long range does not read a year of
    orders for a run of a few weeks."""
    first, last = session.execute(
        select(func.min(ForecastValue.ds), func.max(ForecastValue.ds)).where(one_series(run_id))
    ).one()
    if first is None:
        return query
    return replace(query, start=max(query.start, as_date(first)), end=min(query.end, as_date(last)))


def _sold_against_forecast(
    session: Session, query: KpiQuery, run_id: int | None
) -> defaultdict[str, list[float]]:
    """Per group: units sold on forecast SKU-days, their forecast, and sum |forecast - sold|."""
    day = day_of(session, Order.created_at)
    actual = (
        select(
            OrderLine.item_id,
            day.label("day"),
            func.sum(OrderLine.qty - OrderLine.qty_cancelled).label("units"),
        )
        .join(Order, Order.id == OrderLine.order_id)
        .where(Order.status.in_(NOT_CANCELLED), within(Order.created_at, query))
        .group_by(OrderLine.item_id, day)
        .subquery()
    )
    forecast_of_day = (
        select(ForecastValue.mean)
        .where(
            ForecastValue.item_id == actual.c.item_id,
            ForecastValue.run_id == run_id,
            ForecastValue.ds == actual.c.day,
        )
        .scalar_subquery()
    )
    pairs = grouped(
        query,
        {Grouping.CATEGORY: item_category(actual.c.item_id)},
        actual,
        actual.c.units,
        forecast_of_day,
        by_group=False,
    )
    sold: defaultdict[str, list[float]] = defaultdict(lambda: [0.0, 0.0, 0.0])
    for key, units, predicted in session.execute(pairs):
        if predicted is not None:
            totals = sold[key]
            totals[0] += float(units)
            totals[1] += predicted
            totals[2] += abs(predicted - float(units))
    return sold


def _scores(
    days: int, predicted: float, units: float, predicted_sold: float, error_sold: float
) -> dict[str, Any]:
    error = error_sold + (predicted - predicted_sold)  # days without sales were off by the forecast
    return {
        "sku_days": days,
        "forecast_units": rounded(predicted),
        "actual_units": int(units),
        "wape": ratio(error, units),
        "bias": ratio(predicted - units, units),
    }
