"""One order to route and the nodes that could ship it, in whole units, grams and cents.

Cost of a plan, per node n used (a package from n):
    handling_order(n) + ship_base(n) + sum over units u shipped from n of
    (handling_unit(n) + ship_per_kg(n) x weight_kg(u))
plus split_penalty for every package beyond the first. A node may serve a line when the line's
rules allow it (restricted items only from permitted nodes, drop-ship items only from their
vendor), the order's channel may ship from it, and it delivers by the order's due day.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class RouteLine:
    line: int
    sku: str
    qty: int
    unit_weight_g: int = 0
    restricted: bool = False  # hazardous or restricted: only from nodes permitted to ship it
    vendor: str | None = None  # a drop-ship item: only from this node


@dataclass(frozen=True)
class RouteNode:
    code: str
    stock: Mapping[str, int]
    handling_order_cents: int = 0
    handling_unit_cents: int = 0
    ship_base_cents: int = 0
    ship_per_kg_cents: int = 0
    transit_days: int = 0
    orders_left: int | None = None  # today's capacity left; None: unlimited
    units_left: int | None = None
    ships_restricted: bool = False
    channel_allowed: bool = True  # the order's channel may ship from this node


@dataclass(frozen=True)
class RouteOrder:
    lines: tuple[RouteLine, ...]
    nodes: tuple[RouteNode, ...]
    split_penalty_cents: int = 0
    ship_complete: bool = False  # B2B and similar: one package or nothing
    due_in_days: int | None = None  # None: no promised date

    def __post_init__(self) -> None:
        if not self.lines:
            raise ValueError("an order to route needs at least one line")
        if not self.nodes:
            raise ValueError("an order to route needs at least one node")
        if len({line.line for line in self.lines}) != len(self.lines):
            raise ValueError("line numbers must be unique")
        if len({node.code for node in self.nodes}) != len(self.nodes):
            raise ValueError("node codes must be unique")
        for line in self.lines:
            if line.qty <= 0 or line.unit_weight_g < 0:
                raise ValueError(f"line {line.line}: qty must be positive and weight not negative")
        for node in self.nodes:
            rates = (node.handling_order_cents, node.handling_unit_cents, node.ship_base_cents)
            if min(*rates, node.ship_per_kg_cents, node.transit_days) < 0:
                raise ValueError(f"node {node.code}: costs and transit days cannot be negative")

    def unit_cost_cents(self, line: RouteLine, node: RouteNode) -> int:
        """Handling and shipping of one unit of the line from the node, rounded to cents."""
        return node.handling_unit_cents + round(node.ship_per_kg_cents * line.unit_weight_g / 1000)

    def package_cost_cents(self, node: RouteNode) -> int:
        return node.handling_order_cents + node.ship_base_cents


def why_not(order: RouteOrder, line: RouteLine, node: RouteNode) -> str | None:
    """Why the node may not serve the line at all, or None when it may."""
    if not node.channel_allowed:
        return "the order's channel may not ship from it"
    if line.vendor is not None and node.code != line.vendor:
        return f"drop-ship item: only its vendor {line.vendor} ships it"
    if line.restricted and not node.ships_restricted:
        return "restricted item: the node is not permitted to ship it"
    if order.due_in_days is not None and node.transit_days > order.due_in_days:
        return f"misses the date: {node.transit_days} days in transit, due in {order.due_in_days}"
    if node.orders_left == 0 or node.units_left == 0:
        return "no capacity left today"
    if node.stock.get(line.sku, 0) <= 0:
        return "no stock"
    return None
