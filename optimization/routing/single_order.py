"""Route one order exactly with CP-SAT: quantities per (line, node), least total cost.

    min  sum_n y_n (package_n + split_penalty) + sum_{l,n} unit_{l,n} x_{l,n} - split_penalty
    s.t. sum_n x_{l,n} = qty_l                 every line ships whole
         x_{l,n} <= min(qty_l, stock_{n,sku_l}) y_n, and 0 where a rule forbids the node
         sum_l x_{l,n} <= units_left_n,  y_n <= orders_left_n
         sum_n y_n = 1 when the order ships complete
The penalty is charged per package and one is given back: the first package is no split.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from ortools.sat.python import cp_model

from optimization.routing.problem import RouteOrder, why_not

STATUS = {
    cp_model.OPTIMAL: "optimal",
    cp_model.FEASIBLE: "feasible",
    cp_model.INFEASIBLE: "infeasible",
    cp_model.UNKNOWN: "unknown",
}


@dataclass(frozen=True)
class Route:
    status: str  # optimal | feasible | infeasible | unknown
    assignment: dict[tuple[int, str], int]  # (line, node) -> units
    cost_cents: int | None
    handling_cents: int | None
    shipping_cents: int | None
    split_penalty_cents: int | None
    bound_cents: float | None
    wall_time: float
    reasons: list[str] = field(default_factory=list)  # why infeasible, per line


Vars = tuple[dict[tuple[int, str], cp_model.IntVar], dict[str, cp_model.IntVar]]


def route_order(order: RouteOrder, time_limit: float = 1.0, workers: int = 1) -> Route:
    started = time.perf_counter()
    if reasons := unservable(order):
        return Route("infeasible", {}, None, None, None, None, None, _since(started), reasons)
    model, variables = build_model(order)
    status, solver = solve(model, time_limit, workers)
    if status in ("infeasible", "unknown"):
        why = ["no plan meets stock, capacity and the ship-complete rule together"]
        return Route(status, {}, None, None, None, None, None, _since(started), why)
    assignment = extract(solver, variables)
    return costed(order, assignment, status, solver.best_objective_bound, _since(started))


def unservable(order: RouteOrder) -> list[str]:
    """Lines that the permitted nodes cannot cover, each with the reason."""
    reasons = []
    for line in order.lines:
        usable = sum(
            min(node.stock.get(line.sku, 0), node.units_left or line.qty)
            for node in order.nodes
            if why_not(order, line, node) is None
        )
        if usable < line.qty:
            reasons.append(
                f"line {line.line} ({line.sku}): {usable} of {line.qty} units can ship "
                "from nodes that may serve it"
            )
    return reasons


def build_model(order: RouteOrder) -> tuple[cp_model.CpModel, Vars]:
    model = cp_model.CpModel()
    y = {node.code: model.new_bool_var(f"use[{node.code}]") for node in order.nodes}
    x = {}
    for line in order.lines:
        for node in order.nodes:
            most = 0 if why_not(order, line, node) else min(line.qty, node.stock[line.sku])
            x[line.line, node.code] = model.new_int_var(0, most, f"x[{line.line},{node.code}]")
            # Units ship only from a node whose package is paid for.
            model.add(x[line.line, node.code] <= most * y[node.code])
        # Every line ships whole.
        model.add(sum(x[line.line, node.code] for node in order.nodes) == line.qty)
    for node in order.nodes:
        # Today's capacity left at the node.
        if node.units_left is not None:
            model.add(sum(x[line.line, node.code] for line in order.lines) <= node.units_left)
        if node.orders_left is not None and node.orders_left < 1:
            model.add(y[node.code] == 0)
    if order.ship_complete:
        # One package for the whole order.
        model.add(sum(y.values()) == 1)
    packages = sum(
        y[n.code] * (order.package_cost_cents(n) + order.split_penalty_cents) for n in order.nodes
    )
    units = sum(
        x[line.line, node.code] * order.unit_cost_cents(line, node)
        for line in order.lines
        for node in order.nodes
    )
    model.minimize(packages + units - order.split_penalty_cents)
    return model, (x, y)


def solve(
    model: cp_model.CpModel, time_limit: float, workers: int
) -> tuple[str, cp_model.CpSolver]:
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = time_limit
    solver.parameters.num_workers = workers
    solver.parameters.random_seed = 0
    code = solver.solve(model)
    if code == cp_model.MODEL_INVALID:
        raise RuntimeError(f"CP-SAT rejected the routing model: {model.validate()}")
    return STATUS[code], solver


def extract(solver: cp_model.CpSolver, variables: Vars) -> dict[tuple[int, str], int]:
    x, _ = variables
    return {key: units for key, var in x.items() if (units := solver.value(var)) > 0}


def costed(
    order: RouteOrder,
    assignment: dict[tuple[int, str], int],
    status: str,
    bound: float | None,
    seconds: float,
) -> Route:
    """The route's cost split into handling, shipping and split penalty (any assignment)."""
    lines = {line.line: line for line in order.lines}
    nodes = {node.code: node for node in order.nodes}
    used = sorted({code for _, code in assignment})
    handling = sum(nodes[c].handling_order_cents for c in used)
    shipping = sum(nodes[c].ship_base_cents for c in used)
    for (line_no, code), units in assignment.items():
        node, line = nodes[code], lines[line_no]
        handling += units * node.handling_unit_cents
        shipping += units * (order.unit_cost_cents(line, node) - node.handling_unit_cents)
    penalty = order.split_penalty_cents * max(len(used) - 1, 0)
    total = handling + shipping + penalty
    return Route(status, assignment, total, handling, shipping, penalty, bound, seconds)


def _since(started: float) -> float:
    return time.perf_counter() - started
