"""Executive KPIs of the stock: inventory turns, stockout risk and cash tied up in inventory.

Stock is valued the way valuation.current_cost values a unit leaving the shelf: the item's
moving-average cost once a receipt was valued, its standard cost before (in SQL, COALESCE of
the two). Past stock is the balance today less the ledger's moves in and out since.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import case, distinct, func, join, select
from sqlalchemy.orm import Session

from erp_core.adapters.forecast_tables import ForecastRun, ForecastValue
from erp_core.adapters.fulfillment_tables import Shipment, ShipmentLine
from erp_core.adapters.tables import (
    Item,
    Location,
    StockBalance,
    StockMove,
    Supplier,
    SupplierItem,
)
from erp_core.clock import utcnow
from erp_core.domain.forecasts import RunStatus
from erp_core.domain.stock import StockStatus
from erp_core.queries.kpi_frame import Grouping, Kpi, KpiQuery, Rows, View
from erp_core.queries.kpi_sql import (
    CATEGORY_LABEL,
    SHIPPED_LINE_ROUTES,
    Route,
    bounds,
    days_in,
    group_label,
    grouped,
    money,
    one_series,
    ratio,
    sorted_rows,
    within,
)

G = Grouping
CURRENT_COST = func.coalesce(Item.average_cost, Item.unit_cost)
# A move from outside the company brings units in; one to outside takes them out; the rest
# (status changes, reservations) leave what the company owns unchanged.
NET_UNITS = case(
    (StockMove.from_status.is_(None), StockMove.qty),
    (StockMove.to_status.is_(None), -StockMove.qty),
    else_=0,
)


# From a query that has the stock's item and location id in hand.
STOCK_ROUTES = {
    G.LOCATION: Route(Location.code, ((Location, Location.id == StockBalance.location_id),)),
    G.CATEGORY: Route(CATEGORY_LABEL),
}
MOVE_ROUTES = {
    G.LOCATION: Route(Location.code, ((Location, Location.id == StockMove.location_id),)),
    G.CATEGORY: Route(CATEGORY_LABEL),
}


def _value_now(session: Session, query: KpiQuery) -> dict[str, tuple[int, Decimal]]:
    stock = join(StockBalance, Item, Item.id == StockBalance.item_id)
    figures = grouped(
        query,
        STOCK_ROUTES,
        stock,
        func.sum(StockBalance.qty),
        func.sum(StockBalance.qty * CURRENT_COST),
    )
    return {
        group: (int(units), money(value))
        for group, units, value in session.execute(figures.where(StockBalance.qty != 0))
    }


def cash_in_inventory(session: Session, query: KpiQuery) -> Rows:
    figures = {
        group: {"units": units, "value": value}
        for group, (units, value) in _value_now(session, query).items()
    }
    return sorted_rows(figures, query, {"units": 0, "value": money(0)})


def inventory_turns(session: Session, query: KpiQuery) -> Rows:
    start, end = bounds(query)
    moved_value = NET_UNITS * CURRENT_COST
    since = grouped(
        query,
        MOVE_ROUTES,
        join(StockMove, Item, Item.id == StockMove.item_id),
        func.sum(moved_value),
        func.sum(case((StockMove.created_at >= end, moved_value), else_=0)),
    ).where(StockMove.created_at >= start)
    moved = {
        group: (money(after_start), money(after_end))
        for group, after_start, after_end in session.execute(since)
    }
    shipped = grouped(
        query,
        SHIPPED_LINE_ROUTES,
        join(ShipmentLine, Shipment, Shipment.id == ShipmentLine.shipment_id),
        func.sum(ShipmentLine.qty * ShipmentLine.unit_cost),
    ).where(within(Shipment.shipped_at, query))
    cogs = {group: money(cost) for group, cost in session.execute(shipped)}
    now = {group: value for group, (_, value) in _value_now(session, query).items()}
    figures = {}
    for group in now.keys() | moved.keys() | cogs.keys():
        after_start, after_end = moved.get(group, (Decimal(0), Decimal(0)))
        value = now.get(group, Decimal(0))
        average = money(((value - after_start) + (value - after_end)) / 2)
        sold = cogs.get(group, money(0))
        annual = sold * 365 / days_in(query)
        figures[group] = {
            "cogs": sold,
            "average_inventory_value": average,
            "turns": ratio(annual, average, 2) if average > 0 else None,
        }
    empty = {"cogs": money(0), "average_inventory_value": money(0), "turns": None}
    return sorted_rows(figures, query, empty)


def _daily_demand(session: Session) -> dict[int, float]:
    """Mean forecast units a day per item over the days from today on of the newest succeeded
    run (a per-location or per-channel run's rows of one day add up)."""
    run = session.scalar(
        select(ForecastRun.id)
        .where(ForecastRun.status == RunStatus.SUCCEEDED)
        .order_by(ForecastRun.id.desc())
        .limit(1)
    )
    if run is None:
        return {}
    ahead = (ForecastValue.run_id == run, ForecastValue.ds >= utcnow().date())
    days = session.scalar(
        select(func.count(distinct(ForecastValue.ds))).where(one_series(run), *ahead)
    )
    if not days:
        return {}
    rows = session.execute(
        select(ForecastValue.item_id, func.sum(ForecastValue.mean))
        .where(*ahead)
        .group_by(ForecastValue.item_id)
    )
    return {item: float(total) / days for item, total in rows}


def stockout_risk(session: Session, query: KpiQuery) -> Rows:
    demand = _daily_demand(session)
    lead_times = dict(
        session.execute(
            select(SupplierItem.item_id, func.min(SupplierItem.lead_time_days_mean))
            .join(Supplier, Supplier.id == SupplierItem.supplier_id)
            .where(SupplierItem.active, Supplier.active)
            .group_by(SupplierItem.item_id)
        ).all()
    )
    free = dict(
        session.execute(
            select(StockBalance.item_id, func.sum(StockBalance.qty))
            .where(StockBalance.status == StockStatus.AVAILABLE)
            .group_by(StockBalance.item_id)
        ).all()
    )
    label = group_label(query, {G.CATEGORY: CATEGORY_LABEL})
    figures: dict[str, dict[str, Any]] = {}
    for item_id, group in session.execute(select(Item.id, label).where(Item.active)):
        if item_id not in demand or item_id not in lead_times:
            continue
        counts = figures.setdefault(group, {"skus_assessed": 0, "skus_at_risk": 0})
        counts["skus_assessed"] += 1
        needed = demand[item_id] * float(lead_times[item_id])
        if int(free.get(item_id, 0)) < needed:
            counts["skus_at_risk"] += 1
    for counts in figures.values():
        counts["at_risk_rate"] = ratio(counts["skus_at_risk"], counts["skus_assessed"])
    return sorted_rows(
        figures, query, {"skus_assessed": 0, "skus_at_risk": 0, "at_risk_rate": None}
    )


INVENTORY_KPIS = (
    Kpi(
        name="inventory_turns",
        view=View.EXECUTIVE,
        title="Inventory turns",
        description=(
            "Cost of goods shipped in the range (shipment lines at the cost they left the "
            "shelf at, shipped_at UTC) x 365 / days in the range, divided by the average "
            "inventory value: the mean of the stock owned at the start of the first day and at "
            "the end of the last (today's balances less the ledger's moves in and out since), "
            "valued at each item's current moving-average cost (standard cost before its first "
            "valued receipt). None when the average inventory value is zero. Location is the "
            "stock's and the shipment's location."
        ),
        columns=("cogs", "average_inventory_value", "turns"),
        groupings=frozenset({G.LOCATION, G.CATEGORY}),
        compute=inventory_turns,
        needs_cost=True,
    ),
    Kpi(
        name="stockout_risk",
        view=View.EXECUTIVE,
        title="Stockout risk",
        description=(
            "As of now, ignoring the date range: active SKUs whose free stock (the available "
            "bucket at every location, reservations already taken out) covers less than their "
            "lead time x forecast daily demand. Daily demand is the mean forecast a day from "
            "today on in the newest succeeded forecast run; lead time is the shortest mean "
            "lead time of the SKU's active supplier items. SKUs without such a forecast or "
            "supplier are not assessed. at_risk_rate = at risk / assessed, None when none is."
        ),
        columns=("skus_assessed", "skus_at_risk", "at_risk_rate"),
        groupings=frozenset({G.CATEGORY}),
        compute=stockout_risk,
    ),
    Kpi(
        name="cash_in_inventory",
        view=View.EXECUTIVE,
        title="Cash tied up in inventory",
        description=(
            "As of now, ignoring the date range: units the company owns in every status "
            "(available, reserved, damaged, quarantine, inspection, in transit) x each item's "
            "current cost (moving average, standard cost before its first valued receipt)."
        ),
        columns=("units", "value"),
        groupings=frozenset({G.LOCATION, G.CATEGORY}),
        compute=cash_in_inventory,
        needs_cost=True,
    ),
)
