"""The operations view's order-side KPIs: held orders, backorders, pick delays and split
shipments (their definitions are in kpis_operations)."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from typing import Any

from sqlalchemy import distinct, func, join, select
from sqlalchemy.orm import Session

from erp_core.adapters.fulfillment_tables import Shipment, ShipmentLine
from erp_core.adapters.order_tables import Hold, Order, OrderAllocation, OrderLine
from erp_core.adapters.tables import Channel
from erp_core.clock import utcnow
from erp_core.domain.order_rules import HoldReason, HoldStatus
from erp_core.domain.orders import OrderStatus
from erp_core.queries.kpi_frame import Grouping, KpiQuery, Rows
from erp_core.queries.kpi_sql import (
    LINE_ROUTES,
    ORDER_CHANNEL,
    SHIPMENT_ROUTES,
    Route,
    count_where,
    durations_by_group,
    grouped,
    hour_percentiles,
    hours_between,
    money,
    percentile,
    ratio,
    rounded,
    sorted_rows,
    within,
)
from erp_core.queries.orders import OPEN_QTY

# A shipment that waited longer than this after its stock was allocated is late to pick.
PICK_LATE_HOURS = 24
REASON_COLUMNS = tuple(f"open_{reason.value}" for reason in HoldReason)
# From a query that has holds in hand.
HOLD_ROUTES = {
    Grouping.CHANNEL: Route(Channel.code, ((Order, Order.id == Hold.order_id), ORDER_CHANNEL))
}


def held_orders(session: Session, query: KpiQuery) -> Rows:
    now = utcnow()
    opened: dict[str, int] = dict(
        session.execute(
            grouped(query, HOLD_ROUTES, Hold, func.count(Hold.id)).where(
                within(Hold.opened_at, query)
            )
        ).all()
    )
    holds: dict[str, list[Any]] = defaultdict(list)
    open_holds = grouped(
        query, HOLD_ROUTES, Hold, Hold.reason, Hold.order_id, Hold.opened_at, by_group=False
    )
    for key, reason, order_id, opened_at in session.execute(
        open_holds.where(Hold.status == HoldStatus.OPEN)
    ):
        holds[key].append((reason, order_id, (now - opened_at).total_seconds() / 3600))
    figures = {key: _held(holds.get(key, []), opened.get(key, 0)) for key in holds | opened}
    return sorted_rows(figures, query, _held([], 0))


def _held(holds: list[Any], opened: int) -> dict[str, Any]:
    ages = sorted(age for _, _, age in holds)
    by_reason = {name: 0 for name in REASON_COLUMNS}
    for reason, _, _ in holds:
        by_reason[f"open_{reason.value}"] += 1
    return {
        "open_holds": len(holds),
        "held_orders": len({order_id for _, order_id, _ in holds}),
        "age_p50_hours": rounded(percentile(ages, 50)),
        "age_max_hours": rounded(ages[-1] if ages else None),
        "open_over_24h": sum(age > 24 for age in ages),
        "opened_in_range": opened,
        **by_reason,
    }


def backorders(session: Session, query: KpiQuery) -> Rows:
    now = utcnow()
    lines = grouped(
        query,
        LINE_ROUTES,
        join(OrderLine, Order, Order.id == OrderLine.order_id),
        Order.id,
        Order.created_at,
        OPEN_QTY,
        OrderLine.unit_price,
        by_group=False,
    ).where(Order.status == OrderStatus.BACKORDERED)
    found: dict[str, list[Any]] = defaultdict(list)
    for key, order_id, created_at, open_qty, price in session.execute(lines):
        if open_qty > 0:
            found[key].append((order_id, created_at, open_qty, price))
    figures = {}
    for key, waiting in found.items():
        ages = sorted(
            {o: (now - created).total_seconds() / 3600 for o, created, _, _ in waiting}.values()
        )
        figures[key] = {
            "orders": len(ages),
            "lines": len(waiting),
            "units": sum(qty for _, _, qty, _ in waiting),
            "value": money(sum((Decimal(price) * qty for _, _, qty, price in waiting), Decimal(0))),
            "age_p50_hours": rounded(percentile(ages, 50)),
            "age_max_hours": rounded(ages[-1]),
        }
    empty = {"orders": 0, "lines": 0, "units": 0, "value": money(0)}
    return sorted_rows(figures, query, empty | {"age_p50_hours": None, "age_max_hours": None})


def pick_delays(session: Session, query: KpiQuery) -> Rows:
    shipped = (
        join(Shipment, Order, Order.id == Shipment.order_id)
        .join(ShipmentLine, ShipmentLine.shipment_id == Shipment.id)
        .join(
            OrderAllocation,
            (OrderAllocation.order_line_id == ShipmentLine.order_line_id)
            & (OrderAllocation.location_id == Shipment.location_id)
            & (OrderAllocation.created_at <= Shipment.shipped_at),
        )
    )
    ready = (
        grouped(
            query,
            SHIPMENT_ROUTES,
            shipped,
            Shipment.shipped_at,
            func.max(OrderAllocation.created_at).label("ready_at"),
            per=(Shipment.id, Shipment.shipped_at),
        )
        .where(within(Shipment.shipped_at, query))
        .subquery()
    )
    hours = hours_between(session, ready.c.shipped_at, ready.c.ready_at)
    waits = durations_by_group(session.execute(select(ready.c.key, hours)))
    return sorted_rows({key: _delays(w) for key, w in waits.items()}, query, _delays([]))


def _delays(waits: list[float]) -> dict[str, Any]:
    late = sum(wait > PICK_LATE_HOURS for wait in waits)
    return {
        "shipments": len(waits),
        **hour_percentiles(waits, 50, 90),
        "late": late,
        "late_share": ratio(late, len(waits)),
    }


def split_shipments(session: Session, query: KpiQuery) -> Rows:
    shipped_in_range = select(Shipment.order_id).where(within(Shipment.shipped_at, query))
    per_order = (
        grouped(
            query,
            SHIPMENT_ROUTES,
            join(Shipment, Order, Order.id == Shipment.order_id),
            func.count(Shipment.id).label("shipments"),
            func.count(distinct(Shipment.location_id)).label("locations"),
            per=(Shipment.order_id,),
        )
        .where(Shipment.order_id.in_(shipped_in_range))
        .having(within(func.min(Shipment.shipped_at), query))
        .subquery()
    )
    totals = select(
        per_order.c.key,
        func.count(),
        func.sum(per_order.c.shipments),
        count_where(per_order.c.shipments > 1),
        count_where(per_order.c.locations > 1),
    ).group_by(per_order.c.key)
    figures = {key: _splits(*sums) for key, *sums in session.execute(totals)}
    return sorted_rows(figures, query, _splits(0, 0, 0, 0))


def _splits(orders: int, shipments: int, split: int, multi: int) -> dict[str, Any]:
    return {
        "orders": orders,
        "split_orders": int(split),
        "split_share": ratio(split, orders),
        "multi_location_orders": int(multi),
        "multi_location_share": ratio(multi, orders),
        "shipments_per_order": ratio(shipments, orders, 3),
    }
