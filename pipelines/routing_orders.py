"""Between the ERP's routing facts and the optimiser: an order's facts become a RouteOrder on
plain data, and the optimiser's route becomes assignments release can reserve."""

from __future__ import annotations

from collections.abc import Mapping

from erp_core.domain.routing import Assignment, RoutingFacts
from optimization.routing.problem import RateBand, RouteLine, RouteNode, RouteOrder
from optimization.routing.single_order import Route, route_order

# Release ships all it can: a unit left short must cost more than any way of shipping it.
SHIP_ALL_YOU_CAN_CENTS = 10_000_000


def to_route_order(
    facts: RoutingFacts,
    short_penalty_cents: int | None = None,
    keep_date: bool = True,
    stock: Mapping[tuple[int, int], int] | None = None,
) -> RouteOrder:
    """stock replaces the facts' free stock (a what-if)."""
    free = facts.stock if stock is None else stock
    items = {line.item_id: line.sku for line in facts.lines}
    nodes = tuple(
        RouteNode(
            node.code,
            {sku: free.get((item, node.location_id), 0) for item, sku in items.items()},
            handling_order_cents=node.handling_order_cents,
            handling_unit_cents=node.handling_unit_cents,
            bands=tuple(
                RateBand(b.max_weight_g, b.price_cents, b.per_kg_cents) for b in node.bands
            ),
            transit_days=node.transit_days,
            orders_left=node.orders_left,
            units_left=node.units_left,
            ships_restricted=node.ships_hazardous,
            channel_allowed=node.channel_allowed,
        )
        for node in facts.nodes
    )
    lines = tuple(
        RouteLine(
            line.line_no,
            line.sku,
            line.qty,
            line.weight_g,
            restricted=line.hazardous,
            vendor=line.vendor,
        )
        for line in facts.lines
    )
    return RouteOrder(
        lines,
        nodes,
        split_penalty_cents=facts.split_penalty_cents,
        ship_complete=facts.ship_complete,
        due_in_days=facts.due_in_days if keep_date else None,
        caps={items[item]: cap for item, cap in facts.caps.items() if item in items} or None,
        short_penalty_cents=short_penalty_cents,
    )


class OptimalRouter:
    """The release step's router: the least-cost route that ships all it can. When the promised
    date leaves units short, the order ships late rather than not at all."""

    def __init__(self, time_limit: float, workers: int = 1) -> None:
        self.time_limit, self.workers = time_limit, workers

    def route(self, facts: RoutingFacts) -> list[Assignment]:
        if not facts.lines or not facts.nodes:
            return []
        route = self._solve(facts, keep_date=True)
        if route.short and facts.due_in_days is not None:
            late = self._solve(facts, keep_date=False)
            if sum(late.short.values()) < sum(route.short.values()):
                route = late
        places = {node.code: node.location_id for node in facts.nodes}
        lines = {line.line_no: line.line_id for line in facts.lines}
        return [
            Assignment(lines[number], places[code], units)
            for (number, code), units in sorted(route.assignment.items())
        ]

    def _solve(self, facts: RoutingFacts, keep_date: bool) -> Route:
        order = to_route_order(facts, SHIP_ALL_YOU_CAN_CENTS, keep_date)
        return route_order(order, self.time_limit, self.workers)
