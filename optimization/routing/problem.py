"""One order to route and the nodes that could ship it, in whole units, grams and cents.

Cost of a plan, per node n used (one package from n):
    handling_order(n) + band price(n, package weight) + band per-kg rate x package weight
    + handling_unit(n) x units shipped from n
plus split_penalty for every package beyond the first, plus short_penalty for every unit left
unrouted when the order may ship short. The package's weight picks its band: the first band
whose upper bound holds it. A node may serve a line when the line's rules allow it (restricted
items only from permitted nodes, drop-ship items only from their vendor), the order's channel
may ship from it, and it delivers by the order's due day.

Costs are exact in millicents (a per-kg rate times grams); they are reported in cents.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class RateBand:
    """A package up to max_weight_g (None: any weight) costs price + per_kg x its weight."""

    max_weight_g: int | None
    price_cents: int
    per_kg_cents: int = 0


FREE_SHIPPING = (RateBand(None, 0),)


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
    bands: tuple[RateBand, ...] = FREE_SHIPPING  # lightest first
    transit_days: int = 0
    orders_left: int | None = None  # today's capacity left; None: unlimited
    units_left: int | None = None
    ships_restricted: bool = False
    channel_allowed: bool = True  # the order's channel may ship from this node

    def shipping_millicents(self, weight_g: int) -> int | None:
        """One package of this weight, or None when no band carries it."""
        for band in self.bands:
            if band.max_weight_g is None or weight_g <= band.max_weight_g:
                return band.price_cents * 1000 + band.per_kg_cents * weight_g
        return None

    @property
    def max_package_g(self) -> int | None:
        return self.bands[-1].max_weight_g


@dataclass(frozen=True)
class RouteOrder:
    lines: tuple[RouteLine, ...]
    nodes: tuple[RouteNode, ...]
    split_penalty_cents: int = 0
    ship_complete: bool = False  # B2B and similar: one package or nothing
    due_in_days: int | None = None  # None: no promised date
    # Units of a SKU this order may take in all, when ring-fences hold stock for other channels.
    caps: Mapping[str, int] | None = None
    # None: every unit ships or the order is infeasible; else the cost of each unit left short.
    short_penalty_cents: int | None = None

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
            _check_node(node)
        if min(self.split_penalty_cents, self.short_penalty_cents or 0) < 0:
            raise ValueError("penalties cannot be negative")

    def cap(self, sku: str) -> int | None:
        return None if self.caps is None else self.caps.get(sku)

    def units_by_sku(self) -> dict[str, int]:
        wanted: dict[str, int] = {}
        for line in self.lines:
            wanted[line.sku] = wanted.get(line.sku, 0) + line.qty
        return wanted


def _check_node(node: RouteNode) -> None:
    rates = (node.handling_order_cents, node.handling_unit_cents, node.transit_days)
    if min(rates) < 0:
        raise ValueError(f"node {node.code}: costs and transit days cannot be negative")
    if not node.bands:
        raise ValueError(f"node {node.code}: needs at least one rate band")
    bounds = [band.max_weight_g for band in node.bands]
    if None in bounds[:-1]:
        raise ValueError(f"node {node.code}: only the last rate band may be open-ended")
    closed = [b for b in bounds if b is not None]
    if closed != sorted(set(closed)) or any(b < 0 for b in closed):
        raise ValueError(f"node {node.code}: rate bands must rise in weight")
    if any(min(band.price_cents, band.per_kg_cents) < 0 for band in node.bands):
        raise ValueError(f"node {node.code}: rates cannot be negative")


def whole_order_gap(order: RouteOrder, node: RouteNode) -> tuple[RouteLine, str] | None:
    """Why the node cannot ship the whole order by its lines: the first line a rule keeps from
    it, or whose SKU's stock runs short of that line and the ones before it; None when none."""
    wanted: dict[str, int] = {}
    for line in order.lines:
        if reason := why_not(order, line, node):
            return line, reason
        wanted[line.sku] = wanted.get(line.sku, 0) + line.qty
        if (held := node.stock.get(line.sku, 0)) < wanted[line.sku]:
            return line, f"only {held} in stock"
    return None


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
    if node.max_package_g is not None and line.unit_weight_g > node.max_package_g:
        heaviest = node.max_package_g
        return f"too heavy: a unit weighs {line.unit_weight_g} g, its rates stop at {heaviest} g"
    if order.cap(line.sku) == 0:
        return "ring-fenced for other channels"
    return None
