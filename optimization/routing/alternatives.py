"""The routes a planner would ask about, beside the chosen one: the whole order from each single
node, and the greedy rule's route, each with its cost and why it lost (dearer by how much, or
which rule, stock or capacity rules it out)."""

from __future__ import annotations

from dataclasses import dataclass

from optimization.routing.greedy import greedy_route
from optimization.routing.problem import RouteNode, RouteOrder, whole_order_gap
from optimization.routing.single_order import Route, costed


@dataclass(frozen=True)
class Alternative:
    name: str  # "all from DC-1", "greedy rule"
    cost_cents: int | None
    why_lost: str


def alternatives(order: RouteOrder, chosen: Route) -> list[Alternative]:
    """Every single-node route and the greedy one, cheapest first, the chosen one left out."""
    if chosen.cost_cents is None:
        raise ValueError("alternatives are compared with a route that ships the order")
    found = [_single_node(order, node, chosen) for node in order.nodes]
    greedy = greedy_route(order)
    if greedy is None:
        found.append(Alternative("greedy rule", None, "the rule finds no complete route"))
    elif greedy != chosen.assignment:
        found.append(_priced("greedy rule", order, greedy, chosen))
    kept = [a for a in found if a is not None]
    return sorted(kept, key=lambda a: (a.cost_cents is None, a.cost_cents or 0, a.name))


def _single_node(order: RouteOrder, node: RouteNode, chosen: Route) -> Alternative | None:
    name = f"all from {node.code}"
    if gap := whole_order_gap(order, node):
        line, reason = gap
        return Alternative(name, None, f"line {line.line} ({line.sku}): {reason}")
    units = sum(line.qty for line in order.lines)
    if node.units_left is not None and units > node.units_left:
        return Alternative(name, None, f"capacity: {node.units_left} units left today")
    weight = sum(line.qty * line.unit_weight_g for line in order.lines)
    if node.shipping_millicents(weight) is None:
        return Alternative(name, None, f"too heavy: its rates stop at {node.max_package_g} g")
    assignment = {(line.line, node.code): line.qty for line in order.lines}
    if assignment == chosen.assignment:
        return None
    return _priced(name, order, assignment, chosen)


def _priced(
    name: str, order: RouteOrder, assignment: dict[tuple[int, str], int], chosen: Route
) -> Alternative:
    cost = costed(order, assignment, "alternative", None, 0.0).cost_cents or 0
    return Alternative(name, cost, f"dearer by {(cost - (chosen.cost_cents or 0)) / 100:.2f}")
