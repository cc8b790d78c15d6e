"""Route a wave of orders jointly: read each order's routing facts in one read-only session,
pool the free stock and today's capacity they compete for, solve the wave, and answer per
order. Like single routing it reserves nothing: release reserves, order by order."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from erp_core.adapters.database import Database
from erp_core.adapters.order_tables import Order
from erp_core.adapters.tables import Channel
from erp_core.domain.errors import InvalidInput, NotFound
from erp_core.domain.orders import OrderStatus
from erp_core.domain.routing import RoutingFacts
from erp_core.queries.routing_facts import cents, order_facts
from optimization.routing.wave import Wave, WaveOrder, WaveResult, route_wave
from pipelines.routing_answers import money, routed_lines
from pipelines.routing_orders import to_route_order

log = logging.getLogger("keel.routing.waves")
# Orders a wave may route: not yet reserved, or waiting for stock.
WAVEABLE = (OrderStatus.READY, OrderStatus.RELEASED, OrderStatus.BACKORDERED)


def route_wave_of(
    db: Database, order_ids: Sequence[int], time_limit: float | None = None
) -> dict[str, Any]:
    if len(set(order_ids)) != len(order_ids):
        raise InvalidInput("an order appears twice in the wave")
    facts = db.read(lambda session: _facts(session, db, order_ids))
    wave = _wave(db, facts)
    limit = time_limit or db.settings.routing_wave_time_limit_seconds
    log.info("routing a wave of %d orders over %d locations", len(facts), len(wave.units_left))
    result = route_wave(wave, limit, max(db.settings.solver_workers, 2))
    log.info(
        "wave %s in %.1f s: gap %.2f%%, saving %.2f vs greedy",
        result.status,
        result.wall_time,
        100 * result.gap,
        result.saving_cents / 100,
    )
    return answer(facts, result)


def waveable_orders(db: Database, limit: int) -> list[int]:
    """Orders waiting to ship, oldest first."""
    query = (
        select(Order.id)
        .where(Order.status.in_(WAVEABLE))
        .order_by(Order.created_at, Order.id)
        .limit(limit)
    )
    return db.read(lambda session: list(session.scalars(query)))


def _facts(
    session: Session, db: Database, order_ids: Sequence[int]
) -> dict[int, tuple[RoutingFacts, int]]:
    """Order id -> (its routing facts, its channel's priority)."""
    rows = session.execute(
        select(Order.id, Order.status, Channel.allocation_priority)
        .join(Channel, Channel.id == Order.channel_id)
        .where(Order.id.in_(order_ids))
    ).all()
    found = {order_id: (status, priority) for order_id, status, priority in rows}
    if missing := [o for o in order_ids if o not in found]:
        raise NotFound(f"orders not found: {missing[:10]}", orders=missing[:10])
    if idle := [o for o in order_ids if found[o][0] not in WAVEABLE]:
        raise InvalidInput(
            f"orders not waiting to ship (ready, released or backordered): {idle[:10]}",
            orders=idle[:10],
        )
    return {o: (order_facts(session, db.settings, o), found[o][1]) for o in order_ids}


def _wave(db: Database, facts: dict[int, tuple[RoutingFacts, int]]) -> Wave:
    stock: dict[tuple[str, str], int] = {}
    orders_left: dict[str, int | None] = {}
    units_left: dict[str, int | None] = {}
    orders = []
    for order_id, (fact, priority) in facts.items():
        codes = {node.location_id: node.code for node in fact.nodes}
        skus = {line.item_id: line.sku for line in fact.lines}
        for (item, place), qty in fact.stock.items():
            stock[codes[place], skus[item]] = qty
        for node in fact.nodes:
            orders_left[node.code], units_left[node.code] = node.orders_left, node.units_left
        orders.append(WaveOrder(str(order_id), to_route_order(fact), priority))
    return Wave(
        tuple(orders),
        stock,
        orders_left,
        units_left,
        unfilled_cents=cents(db.settings.routing_unfilled_penalty),
    )


def answer(facts: dict[int, tuple[RoutingFacts, int]], result: WaveResult) -> dict[str, Any]:
    routes = []
    for route in result.routes:
        fact, _ = facts[int(route.key)]
        routes.append(
            {
                "order_id": int(route.key),
                "lines": routed_lines(fact, route.assignment),
                "cost": money(route.cost_cents),
                "unfilled_units": sum(route.unfilled.values()),
            }
        )
    return {
        "status": result.status,
        "orders": len(routes),
        "objective": money(result.objective_cents),
        "bound": money(result.bound_cents),
        "gap": round(result.gap, 6),
        "routing_cost": money(result.routing_cents),
        "unfilled_penalty": money(result.penalty_cents),
        "unfilled_units": result.unfilled_units,
        "greedy_objective": money(result.greedy_objective_cents),
        "saving_vs_greedy": money(result.saving_cents),
        "wall_time_ms": round(result.wall_time * 1000, 1),
        "routes": routes,
    }
