"""The baseline a wave is measured against: the orders one at a time, the most heavily
weighted first (priority and promised date, as `unfilled_weight` ranks them; wave order breaks
ties), each routed by the greedy rule (`greedy_route`) on what the orders before it left of
the stock and capacity.

To be fair to the rule, an order it cannot route whole is not simply dropped: unless it ships
complete, its lines are cut to what the nodes that may serve them still hold, and the rule
routes that (splitting as it does); the rest is unfilled. An order the rule still cannot route
waits whole, and so does a ship-complete order no single node can ship."""

from __future__ import annotations

from dataclasses import replace

from optimization.routing.greedy import greedy_route
from optimization.routing.problem import RouteOrder, why_not
from optimization.routing.wave_problem import (
    RoutePlan,
    Wave,
    plan_of,
    pooled,
    unfilled_millicents,
)


def greedy_plans(wave: Wave) -> list[RoutePlan]:
    """The rule's plan for every order, in wave order."""
    stock = dict(wave.stock)
    orders_left = dict(wave.orders_left)
    units_left = dict(wave.units_left)
    capacity = {"units": units_left, "packages": orders_left}
    rates = [unfilled_millicents(wave, order) for order in wave.orders]
    plans: dict[int, RoutePlan] = {}
    for index in sorted(range(len(wave.orders)), key=lambda i: (-rates[i], i)):
        view = pooled(wave.orders[index].order, stock, orders_left, units_left)
        plan = plan_of(view, _rule_route(view), rates[index])
        for (kind, node, sku), used in plan.usage.items():
            if kind == "stock":
                stock[node, sku] = stock.get((node, sku), 0) - used
            elif (left := capacity[kind].get(node)) is not None:
                capacity[kind][node] = left - used
        plans[index] = plan
    return [plans[index] for index in range(len(wave.orders))]


def _rule_route(view: RouteOrder) -> dict[tuple[int, str], int]:
    route = greedy_route(view)
    if route is not None or view.ship_complete:
        return route or {}
    lines = []
    for line in view.lines:
        held = sum(
            min(
                node.stock.get(line.sku, 0),
                line.qty if node.units_left is None else node.units_left,
            )
            for node in view.nodes
            if why_not(view, line, node) is None
        )
        if min(held, line.qty) > 0:
            lines.append(replace(line, qty=min(held, line.qty)))
    if not lines:
        return {}
    return greedy_route(replace(view, lines=tuple(lines))) or {}
