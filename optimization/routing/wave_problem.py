"""A wave: released orders routed together under shared stock and node capacity, the penalty
for a unit left unfilled, and one way of routing one order with what it uses of the pools.

An order's nodes carry its own costs, transit days and rules; their stock, units_left and
orders_left are ignored, the wave's pools rule: `pooled` puts the pools into the order's view,
so that `why_not` and `add_order` see them. A node missing from orders_left or units_left has
no limit; a (node, sku) missing from stock has none of it.

In a wave every line may be left unfilled, at a price per unit (`unfilled_weight`), except
that a ship-complete order ships whole from one node or waits whole.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace

from optimization.routing.problem import RouteOrder

# What a route draws on: ("stock", node, sku), ("units", node, ""), ("packages", node, "").
Resource = tuple[str, str, str]


@dataclass(frozen=True)
class WaveOrder:
    key: str  # the order's reference (id as text)
    order: RouteOrder  # its lines, and the nodes as seen from its ship-to
    priority: int = 100  # lower is more important (channel allocation priority)


@dataclass(frozen=True)
class Wave:
    orders: tuple[WaveOrder, ...]
    stock: Mapping[tuple[str, str], int]  # (node, sku) -> free units, shared
    orders_left: Mapping[str, int | None]  # node -> packages it can still start today
    units_left: Mapping[str, int | None]  # node -> units it can still ship today
    unfilled_cents: int = 5_000  # base penalty per unfilled unit, before weights


@dataclass(frozen=True)
class WaveRoute:
    key: str
    assignment: dict[tuple[int, str], int]  # (line, node) -> units
    unfilled: dict[int, int]  # line -> units left unfilled
    cost_cents: int  # routing cost (no penalty)


@dataclass(frozen=True)
class RoutePlan:
    """One way to route one order: a column of the wave's master problem. Money in millicents."""

    assignment: dict[tuple[int, str], int]
    unfilled: dict[int, int]
    routing: int  # handling + shipping + split penalty
    cost: int  # routing + the weighted penalty for the unfilled units
    usage: dict[Resource, int]


def unfilled_weight(priority: int, due_in_days: int | None) -> float:
    """How much a unit left unfilled counts, as a multiple of the wave's base penalty:

        2 ** ((100 - priority) / 100) x (1 + 2 / (1 + max(due_in_days, 0)))

    The first factor doubles for every 100 points of priority (100 -> 1, 0 -> 2, 200 -> 0.5);
    the second is 3 for an order due today, 2 tomorrow, 1.5 in three days, towards 1, and 1
    for an order with no promised date."""
    urgency = 1.0 if due_in_days is None else 1 + 2 / (1 + max(due_in_days, 0))
    return float(2 ** ((100 - priority) / 100) * urgency)


def unfilled_millicents(wave: Wave, order: WaveOrder) -> int:
    weight = unfilled_weight(order.priority, order.order.due_in_days)
    return round(wave.unfilled_cents * 1000 * weight)


def validate(wave: Wave) -> None:
    keys = [order.key for order in wave.orders]
    if len(set(keys)) != len(keys):
        twice = sorted({key for key in keys if keys.count(key) > 1})
        raise ValueError(f"order keys must be unique in a wave: {', '.join(twice[:5])} repeat")
    for (node, sku), units in wave.stock.items():
        if units < 0:
            raise ValueError(f"stock of {sku} at {node} cannot be negative ({units})")
    for name, pool in (("orders_left", wave.orders_left), ("units_left", wave.units_left)):
        for node, left in pool.items():
            if left is not None and left < 0:
                raise ValueError(f"{name} of {node} cannot be negative ({left})")
    if wave.unfilled_cents < 0:
        raise ValueError("the unfilled penalty cannot be negative")


def pooled(
    order: RouteOrder,
    stock: Mapping[tuple[str, str], int],
    orders_left: Mapping[str, int | None],
    units_left: Mapping[str, int | None],
) -> RouteOrder:
    """The order's view of the nodes with the pools in place of their own stock and capacity,
    every line free to be left short (the wave prices that itself)."""
    skus = {line.sku for line in order.lines}
    nodes = tuple(
        replace(
            node,
            stock={sku: stock.get((node.code, sku), 0) for sku in skus},
            orders_left=orders_left.get(node.code),
            units_left=units_left.get(node.code),
        )
        for node in order.nodes
    )
    return replace(order, nodes=nodes, short_penalty_cents=0)


def plan_of(
    view: RouteOrder, assignment: dict[tuple[int, str], int], unfilled_rate: int
) -> RoutePlan:
    """Cost and usage of routing the order so; every unit not assigned is unfilled."""
    lines = {line.line: line for line in view.lines}
    nodes = {node.code: node for node in view.nodes}
    usage: dict[Resource, int] = {}
    weight: dict[str, int] = {}
    routing = 0
    for (number, code), units in assignment.items():
        sku = lines[number].sku
        usage["stock", code, sku] = usage.get(("stock", code, sku), 0) + units
        usage["units", code, ""] = usage.get(("units", code, ""), 0) + units
        usage["packages", code, ""] = 1
        weight[code] = weight.get(code, 0) + units * lines[number].unit_weight_g
        routing += units * nodes[code].handling_unit_cents * 1000
    for code, grams in weight.items():
        package = nodes[code].shipping_millicents(grams)
        if package is None:
            raise ValueError(f"no rate band of {code} carries a {grams} g package")
        routing += package + nodes[code].handling_order_cents * 1000
    routing += max(len(weight) - 1, 0) * view.split_penalty_cents * 1000
    shipped: dict[int, int] = {}
    for (number, _), units in assignment.items():
        shipped[number] = shipped.get(number, 0) + units
    unfilled = {n: left for n, line in lines.items() if (left := line.qty - shipped.get(n, 0))}
    cost = routing + unfilled_rate * sum(unfilled.values())
    return RoutePlan(dict(assignment), unfilled, routing, cost, usage)


def pool(wave: Wave, resource: Resource) -> int | None:
    """What the wave holds of a resource; None: no limit."""
    kind, node, sku = resource
    if kind == "stock":
        return wave.stock.get((node, sku), 0)
    return (wave.units_left if kind == "units" else wave.orders_left).get(node)
