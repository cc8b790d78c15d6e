"""One SKU's page: its recent demand, the latest forecast with intervals, stock projected
forward, and the newest replenishment suggestion.

The projection is the replenishment plot's (optimization/projection.py) over the SKU's
stocking locations taken together: net stock = on hand - reserved - backorders, open purchase
and transfer arrivals in on their expected days, and the forecast's average daily demand from
the page's day on out. Stock and inbound are as of now; the page's day (`on`, default today)
chooses where history ends and the projection starts.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from erp_core.adapters.database import Database
from erp_core.adapters.order_tables import Order, OrderLine
from erp_core.adapters.replenishment_tables import ReplenishmentLine, ReplenishmentPlan
from erp_core.adapters.tables import Item, Location, StockBalance, Supplier
from erp_core.domain.access import Permission, Principal
from erp_core.domain.errors import NotFound
from erp_core.domain.orders import OrderStatus
from erp_core.domain.stock import StockStatus
from erp_core.queries.demand_history import daily_demand
from erp_core.queries.forecasts import latest_forecast
from erp_core.queries.inbound import Inbound, inbound
from erp_core.queries.orders import OPEN_QTY
from erp_core.queries.planning_facts import STOCKING_KINDS
from erp_core.services.lookup import by_code
from optimization.projection import Projection, project_inventory

HISTORY_DAYS = 56
MAX_PROJECTION_DAYS = 91


@dataclass(frozen=True)
class Stock:
    available: int
    reserved: int
    backorders: int
    arrivals: list[Inbound]

    @property
    def net(self) -> int:
        """On hand (available + reserved) less reserved and backorders."""
        return self.available - self.backorders


@dataclass(frozen=True)
class SkuView:
    sku: str
    name: str
    on: date
    history: list[tuple[date, int]]  # every day of the window, zeros included
    forecast_run: dict[str, Any] | None
    forecast: list[dict[str, Any]]  # the run's days from `on`: ds, model, mean, lo_80, ...
    stock: Stock
    daily_demand: float | None  # the forecast's average from `on`; None without a forecast
    projection: Projection | None
    plan: dict[str, Any] | None  # the newest plan with a line for the SKU
    suggestion: list[dict[str, Any]]  # its lines for the SKU, one per location


def sku_view(db: Database, sku: str, on: date, who: Principal) -> SkuView:
    """Forecasts (and so the projection) need forecasts:read and the suggestion plans:read,
    as they do in the API; a section the viewer may not read is left empty."""
    item_id, name = db.read(lambda s: _item(s, sku))
    history = _history(db, sku, on)
    run, forecast = _forecast(db, sku, on) if who.may(Permission.FORECASTS_READ) else (None, [])
    stock = db.read(lambda s: _stock(s, item_id))
    plan, suggestion = (
        db.read(lambda s: _suggestion(s, item_id)) if who.may(Permission.PLANS_READ) else (None, [])
    )
    demand = sum(v["mean"] for v in forecast) / len(forecast) if forecast else None
    projection = None
    if demand is not None:
        arrivals = [((a.expected_date - on).days, float(a.qty)) for a in stock.arrivals]
        days = min(len(forecast), MAX_PROJECTION_DAYS)
        projection = project_inventory(stock.net, demand, arrivals, days)
    return SkuView(
        sku, name, on, history, run, forecast, stock, demand, projection, plan, suggestion
    )


def _item(session: Session, sku: str) -> tuple[int, str]:
    item = by_code(session, Item, sku)
    return item.id, item.name


def _history(db: Database, sku: str, on: date) -> list[tuple[date, int]]:
    first = on - timedelta(days=HISTORY_DAYS)
    units = {day: qty for _, _, day, qty in daily_demand(db, since=first, sku=sku) if day < on}
    days = (first + timedelta(days=k) for k in range(HISTORY_DAYS))
    return [(day, units.get(day, 0)) for day in days]


def _forecast(db: Database, sku: str, on: date) -> tuple[dict[str, Any] | None, list[Any]]:
    try:
        latest = latest_forecast(db, sku)
    except NotFound:
        return None, []
    return latest["run"], [v for v in latest["values"] if v["ds"] >= on]


def _stock(session: Session, item_id: int) -> Stock:
    stocking = select(Location.id).where(Location.active, Location.kind.in_(STOCKING_KINDS))
    where = list(session.scalars(stocking))
    balances = dict(
        session.execute(
            select(StockBalance.status, func.sum(StockBalance.qty))
            .where(StockBalance.item_id == item_id, StockBalance.location_id.in_(where))
            .group_by(StockBalance.status)
        ).all()
    )
    waiting = session.scalar(
        select(func.sum(OPEN_QTY))
        .select_from(OrderLine)
        .join(Order, Order.id == OrderLine.order_id)
        .where(OrderLine.item_id == item_id, Order.status == OrderStatus.BACKORDERED)
    )
    return Stock(
        available=int(balances.get(StockStatus.AVAILABLE) or 0),
        reserved=int(balances.get(StockStatus.RESERVED) or 0),
        backorders=max(int(waiting or 0), 0),
        arrivals=inbound(session, [item_id], where),
    )


def _suggestion(session: Session, item_id: int) -> tuple[dict[str, Any] | None, list[Any]]:
    line = ReplenishmentLine
    plan_id = session.scalar(select(func.max(line.plan_id)).where(line.item_id == item_id))
    if plan_id is None:
        return None, []
    plan = session.get_one(ReplenishmentPlan, plan_id)
    rows = session.execute(
        select(
            line.line_no.label("line"),
            line.status,
            Location.code.label("location"),
            Supplier.code.label("supplier"),
            line.suggested_qty,
            line.qty,
            line.order_by,
            line.expected_arrival,
            line.stockout_risk,
            line.binding,
            line.reason,
        )
        .join(Location, Location.id == line.location_id)
        .outerjoin(Supplier, Supplier.id == line.supplier_id)
        .where(line.plan_id == plan_id, line.item_id == item_id)
        .order_by(line.line_no)
    )
    header = {"id": plan.id, "status": plan.status, "planning_date": plan.planning_date}
    return header, [dict(row._mapping) for row in rows]
