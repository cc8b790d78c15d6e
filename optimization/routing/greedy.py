"""The rule routing most peers ship with, as the baseline the optimiser is measured against:
the nearest node (fewest transit days, then the cheapest package) that may and can ship the
whole order; failing that, each line in turn from the nearest nodes with stock, split as needed.
Capacity and stock are drawn down as units are taken."""

from __future__ import annotations

from optimization.routing.problem import RouteLine, RouteNode, RouteOrder, why_not


def greedy_route(order: RouteOrder) -> dict[tuple[int, str], int] | None:
    """(line, node) -> units, or None when the rule finds no complete route."""
    nearest = sorted(
        order.nodes, key=lambda n: (n.transit_days, order.package_cost_cents(n), n.code)
    )
    units = sum(line.qty for line in order.lines)
    for node in nearest:
        if all(_can_ship(order, node, line) for line in order.lines) and (
            node.units_left is None or node.units_left >= units
        ):
            return {(line.line, node.code): line.qty for line in order.lines}
    if order.ship_complete:
        return None
    return _split(order, nearest)


def _split(order: RouteOrder, nearest: list[RouteNode]) -> dict[tuple[int, str], int] | None:
    stock = {(n.code, sku): qty for n in nearest for sku, qty in n.stock.items()}
    room = {n.code: n.units_left for n in nearest}
    taken: dict[tuple[int, str], int] = {}
    for line in order.lines:
        missing = line.qty
        for node in nearest:
            if missing == 0 or why_not(order, line, node) is not None:
                continue
            left = room[node.code]
            units = min(missing, stock[node.code, line.sku], missing if left is None else left)
            if units > 0:
                taken[line.line, node.code] = units
                stock[node.code, line.sku] -= units
                room[node.code] = None if left is None else left - units
                missing -= units
        if missing:
            return None
    return taken


def _can_ship(order: RouteOrder, node: RouteNode, line: RouteLine) -> bool:
    return why_not(order, line, node) is None and node.stock.get(line.sku, 0) >= line.qty
