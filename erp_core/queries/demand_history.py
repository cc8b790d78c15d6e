"""What the forecaster learns from: units ordered per SKU and day, and the daily movement of
free stock that tells which days a SKU could not be sold.

Demand is counted on the day the order was placed (UTC), as ordered less what was cancelled
before shipment, over every order not cancelled whole. Per location it is what shipped from
each location, on the order's day (an order line has no location before it ships); per
channel it is the order's channel.
"""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from sqlalchemy import Date, and_, case, cast, func, literal, select
from sqlalchemy.orm import Session

from erp_core.adapters.database import Database
from erp_core.adapters.fulfillment_tables import Shipment, ShipmentLine
from erp_core.adapters.order_tables import Order, OrderLine
from erp_core.adapters.tables import Channel, Item, Location, StockMove
from erp_core.domain.orders import OrderStatus
from erp_core.domain.stock import StockStatus

Grouping = Literal["sku", "location", "channel"]
DemandRow = tuple[str, str | None, date, int]  # sku, location or channel (or None), day, units


def daily_demand(
    db: Database, by: Grouping = "sku", since: date | None = None, sku: str | None = None
) -> list[DemandRow]:
    """Units per SKU (and location or channel) and order day, days without orders absent;
    of one SKU when `sku` is given."""

    def run(session: Session) -> list[DemandRow]:
        day = day_of(session, Order.created_at)
        if by == "location":
            units: Any = ShipmentLine.qty
            key: Any = Location.code
            query = (
                select(Item.sku, key, day, func.sum(units))
                .select_from(ShipmentLine)
                .join(Shipment, Shipment.id == ShipmentLine.shipment_id)
                .join(Location, Location.id == Shipment.location_id)
                .join(OrderLine, OrderLine.id == ShipmentLine.order_line_id)
            )
        else:
            units = OrderLine.qty - OrderLine.qty_cancelled
            key = Channel.code if by == "channel" else literal(None)
            query = select(Item.sku, key, day, func.sum(units)).select_from(OrderLine)
        query = (
            query.join(Order, Order.id == OrderLine.order_id)
            .join(Channel, Channel.id == Order.channel_id)
            .join(Item, Item.id == OrderLine.item_id)
            .where(Order.status != OrderStatus.CANCELLED)
            .group_by(Item.sku, key, day)
        )
        if since is not None:
            query = query.where(day >= since)
        if sku is not None:
            query = query.where(Item.sku == sku)
        return [(s, k, as_date(d), int(q)) for s, k, d, q in session.execute(query) if q]

    return db.read(run)


def free_stock_changes(
    db: Database, by_location: bool = False, sku: str | None = None
) -> list[DemandRow]:
    """Net change of available (free) stock per SKU (and location) and day; a running sum of
    these is the free stock at each day's end."""

    def run(session: Session) -> list[DemandRow]:
        day = day_of(session, StockMove.created_at)
        into = StockMove.to_status == StockStatus.AVAILABLE
        out_of = StockMove.from_status == StockStatus.AVAILABLE
        change = func.sum(case((into, StockMove.qty), (out_of, -StockMove.qty), else_=0))
        key: Any = Location.code if by_location else literal(None)
        query = (
            select(Item.sku, key, day, change)
            .join(Item, Item.id == StockMove.item_id)
            .join(Location, Location.id == StockMove.location_id)
            .where(and_(into | out_of))
            .group_by(Item.sku, key, day)
        )
        if sku is not None:
            query = query.where(Item.sku == sku)
        return [(s, k, as_date(d), int(q)) for s, k, d, q in session.execute(query)]

    return db.read(run)


def day_of(session: Session, stamp: Any) -> Any:
    """The UTC calendar day of a timestamp, in the dialect at hand (SQLite keeps timestamps as
    ISO text, whose first ten characters are the day)."""
    if session.get_bind().dialect.name == "postgresql":
        return cast(func.timezone("UTC", stamp), Date)
    return func.substr(stamp, 1, 10)


def as_date(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value))
