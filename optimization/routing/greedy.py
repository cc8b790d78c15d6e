"""The rule routing most peers ship with, as the baseline the optimiser is measured against:
the nearest node (fewest transit days, then the cheapest package) that may and can ship the
whole order; failing that, each line in turn from the nearest nodes with stock, split as needed.
Capacity, stock and the heaviest package a node's rates carry are drawn down as units are
taken, and so are the units of a SKU the order may take past other channels' ring-fences."""

from __future__ import annotations

from optimization.routing.problem import RouteNode, RouteOrder, why_not


def greedy_route(order: RouteOrder) -> dict[tuple[int, str], int] | None:
    """(line, node) -> units, or None when the rule finds no complete route."""
    units = sum(line.qty for line in order.lines)
    wanted = order.units_by_sku()
    if any((cap := order.cap(sku)) is not None and qty > cap for sku, qty in wanted.items()):
        return None
    weight = sum(line.qty * line.unit_weight_g for line in order.lines)

    def package(node: RouteNode) -> int:
        cost = node.shipping_millicents(weight)
        return node.handling_order_cents * 1000 + (cost if cost is not None else 10**15)

    nearest = sorted(order.nodes, key=lambda n: (n.transit_days, package(n), n.code))
    for node in nearest:
        if (
            all(why_not(order, line, node) is None for line in order.lines)
            and all(node.stock.get(sku, 0) >= qty for sku, qty in wanted.items())
            and (node.units_left is None or node.units_left >= units)
            and node.shipping_millicents(weight) is not None
        ):
            return {(line.line, node.code): line.qty for line in order.lines}
    if order.ship_complete:
        return None
    return _split(order, nearest)


def _split(order: RouteOrder, nearest: list[RouteNode]) -> dict[tuple[int, str], int] | None:
    stock = {(n.code, sku): qty for n in nearest for sku, qty in n.stock.items()}
    room = {n.code: n.units_left for n in nearest}
    carried = dict.fromkeys(room, 0)
    allowed = {line.sku: order.cap(line.sku) for line in order.lines}
    taken: dict[tuple[int, str], int] = {}
    for line in order.lines:
        missing = line.qty
        for node in nearest:
            if missing == 0 or why_not(order, line, node) is not None:
                continue
            left = room[node.code]
            units = min(missing, stock[node.code, line.sku], missing if left is None else left)
            if (cap := allowed[line.sku]) is not None:
                units = min(units, cap)
            if node.max_package_g is not None and line.unit_weight_g:
                fits = (node.max_package_g - carried[node.code]) // line.unit_weight_g
                units = min(units, fits)
            if units > 0:
                carried[node.code] += units * line.unit_weight_g
                if cap is not None:
                    allowed[line.sku] = cap - units
                taken[line.line, node.code] = units
                stock[node.code, line.sku] -= units
                room[node.code] = None if left is None else left - units
                missing -= units
        if missing:
            return None
    return taken
