"""Executive KPIs of the order flow: backlog, fill rate, on-time shipment and order cycle time.

Each is a handful of aggregates computed in SQL over orders, lines and shipments; only the
cycle-time hours come back row by row (one float per shipment) for their percentiles.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import distinct, func, join, or_, outerjoin, select
from sqlalchemy.orm import Session

from erp_core.adapters.fulfillment_tables import Shipment, ShipmentLine
from erp_core.adapters.order_tables import Order, OrderLine
from erp_core.domain.orders import OrderStatus
from erp_core.queries.demand_history import day_of
from erp_core.queries.kpi_frame import Grouping, Kpi, KpiQuery, Rows, View
from erp_core.queries.kpi_sql import (
    EXACT_ONE,
    LINE_ROUTES,
    NOT_CANCELLED,
    SHIPMENT_ROUTES,
    bounds,
    count_where,
    day_after,
    durations_by_group,
    grouped,
    hour_percentiles,
    hours_between,
    money,
    ratio,
    sorted_rows,
    within,
)

G = Grouping
# Orders in these states have nothing left to ship (or never will) since status_changed_at.
FINISHED = (OrderStatus.SHIPPED, OrderStatus.INVOICED, OrderStatus.CLOSED, OrderStatus.CANCELLED)
# Units shipped this long after the order was received still count as filled from stock.
FILL_WINDOW_HOURS = 48
# Ship-by date of an order that asks for no delivery date: received day + this many days.
DISPATCH_DAYS = 2


def backlog(session: Session, query: KpiQuery) -> Rows:
    _, end = bounds(query)
    # Orders that may hold open units at the end: the rest finished before it.
    candidates = select(Order.id).where(
        Order.created_at < end, or_(Order.status.not_in(FINISHED), Order.status_changed_at >= end)
    )
    shipped = (
        select(ShipmentLine.order_line_id.label("line_id"), func.sum(ShipmentLine.qty).label("qty"))
        .join(Shipment, Shipment.id == ShipmentLine.shipment_id)
        .join(OrderLine, OrderLine.id == ShipmentLine.order_line_id)
        .where(OrderLine.order_id.in_(candidates), Shipment.shipped_at < end)
        .group_by(ShipmentLine.order_line_id)
        .subquery()
    )
    units = OrderLine.qty - OrderLine.qty_cancelled - func.coalesce(shipped.c.qty, 0)
    base = outerjoin(OrderLine, shipped, shipped.c.line_id == OrderLine.id).join(
        Order, Order.id == OrderLine.order_id
    )
    totals = session.execute(
        grouped(
            query,
            LINE_ROUTES,
            base,
            func.count(distinct(OrderLine.order_id)),
            func.sum(units),
            func.sum(units * OrderLine.unit_price)
            - func.sum(OrderLine.discount * units * EXACT_ONE / OrderLine.qty),
        ).where(OrderLine.order_id.in_(candidates), units > 0)
    )
    return sorted_rows(
        {
            group: {"orders": int(orders), "units": int(qty), "value": money(value)}
            for group, orders, qty, value in totals
        },
        query,
        {"orders": 0, "units": 0, "value": money(0)},
    )


def fill_rate(session: Session, query: KpiQuery) -> Rows:
    received = (Order.status.in_(NOT_CANCELLED), within(Order.created_at, query))
    ordered_lines = join(OrderLine, Order, Order.id == OrderLine.order_id)
    ordered: dict[str, Any] = dict(
        session.execute(
            grouped(
                query, LINE_ROUTES, ordered_lines, func.sum(OrderLine.qty - OrderLine.qty_cancelled)
            ).where(*received)
        ).all()
    )
    shipped_lines = ordered_lines.join(
        ShipmentLine, ShipmentLine.order_line_id == OrderLine.id
    ).join(Shipment, Shipment.id == ShipmentLine.shipment_id)
    in_time = hours_between(session, Shipment.shipped_at, Order.created_at) <= FILL_WINDOW_HOURS
    filled: dict[str, Any] = dict(
        session.execute(
            grouped(query, LINE_ROUTES, shipped_lines, func.sum(ShipmentLine.qty)).where(
                *received, in_time
            )
        ).all()
    )
    return sorted_rows(
        {
            group: {
                "units_ordered": int(units),
                "units_filled": int(filled.get(group) or 0),
                "fill_rate": ratio(filled.get(group) or 0, units),
            }
            for group, units in ordered.items()
        },
        query,
        {"units_ordered": 0, "units_filled": 0, "fill_rate": None},
    )


def on_time_shipment(session: Session, query: KpiQuery) -> Rows:
    ship_by = func.coalesce(
        Order.requested_delivery_date, day_after(session, Order.created_at, DISPATCH_DAYS)
    )
    on_time = count_where(day_of(session, Shipment.shipped_at) <= ship_by)
    base = join(Shipment, Order, Order.id == Shipment.order_id)
    totals = session.execute(
        grouped(query, SHIPMENT_ROUTES, base, func.count(Shipment.id), on_time).where(
            within(Shipment.shipped_at, query)
        )
    )
    return sorted_rows(
        {
            group: {
                "shipments": int(count),
                "on_time": int(kept),
                "on_time_rate": ratio(kept, count),
            }
            for group, count, kept in totals
        },
        query,
        {"shipments": 0, "on_time": 0, "on_time_rate": None},
    )


def cycle_time(session: Session, query: KpiQuery) -> Rows:
    base = join(Shipment, Order, Order.id == Shipment.order_id)
    taken = hours_between(session, Shipment.shipped_at, Order.created_at)
    each = grouped(query, SHIPMENT_ROUTES, base, taken, by_group=False)
    hours = durations_by_group(session.execute(each.where(within(Shipment.shipped_at, query))))
    figures = {
        group: {"shipments": len(spans), **hour_percentiles(spans, 50, 90, 95)}
        for group, spans in hours.items()
    }
    empty = {"shipments": 0, "p50_hours": None, "p90_hours": None, "p95_hours": None}
    return sorted_rows(figures, query, empty)


ORDER_KPIS = (
    Kpi(
        name="backlog",
        view=View.EXECUTIVE,
        title="Order backlog",
        description=(
            "Order lines received by the end of the range and not yet shipped then: units = "
            "ordered - cancelled - shipped by the end of the last day (UTC), value = those "
            "units at the line's net price (unit price less its discount per unit, before tax "
            "and shipping); orders = orders with at least one such unit. Orders cancelled "
            "before the end of the range are not backlog. Held and backordered orders are."
        ),
        columns=("orders", "units", "value"),
        groupings=frozenset({G.CHANNEL, G.CATEGORY}),
        compute=backlog,
    ),
    Kpi(
        name="fill_rate",
        view=View.EXECUTIVE,
        title="Fill rate",
        description=(
            "Unit fill rate of orders received in the range (order created_at, UTC), cancelled "
            f"orders left out: units shipped within {FILL_WINDOW_HOURS} hours of the order's "
            "receipt / units ordered (less units cancelled on the line). Orders younger than "
            f"{FILL_WINDOW_HOURS} hours count what has shipped so far. None without orders."
        ),
        columns=("units_ordered", "units_filled", "fill_rate"),
        groupings=frozenset({G.CHANNEL, G.CATEGORY}),
        compute=fill_rate,
    ),
    Kpi(
        name="on_time_shipment",
        view=View.EXECUTIVE,
        title="On-time shipment",
        description=(
            "Shipments made in the range (shipped_at, UTC) on or before their order's ship-by "
            "day / all shipments made in the range. The ship-by day is the order's requested "
            "delivery date when it carries one, else the day it was received + "
            f"{DISPATCH_DAYS} days (Keel records no carrier transit for a shipment). "
            "Location is the shipping location."
        ),
        columns=("shipments", "on_time", "on_time_rate"),
        groupings=frozenset({G.CHANNEL, G.LOCATION}),
        compute=on_time_shipment,
    ),
    Kpi(
        name="cycle_time",
        view=View.EXECUTIVE,
        title="Order cycle time",
        description=(
            "Hours from an order's receipt (created_at) to each of its shipments made in the "
            "range (shipped_at, UTC): 50th, 90th and 95th percentiles, interpolated linearly "
            "between the closest ranks. None without shipments. Location is the shipping "
            "location."
        ),
        columns=("shipments", "p50_hours", "p90_hours", "p95_hours"),
        groupings=frozenset({G.CHANNEL, G.LOCATION}),
        compute=cycle_time,
    ),
)
