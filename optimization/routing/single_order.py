"""Route one order exactly with CP-SAT (the model is in model.py): quantities per (line, node)
at least total cost, the cost split into handling, shipping and split penalty, and why a line
cannot ship when it cannot."""

from __future__ import annotations

import time
from dataclasses import dataclass, field, replace

from ortools.sat.python import cp_model

from optimization.routing.greedy import greedy_route
from optimization.routing.model import OrderVars, add_order
from optimization.routing.problem import RouteLine, RouteOrder, whole_order_gap, why_not

# Beyond this many variables an order's model is big enough for presolve and the LP to pay.
SMALL_MODEL_VARIABLES = 600
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
    short: dict[int, int]  # line -> units left unrouted (only when the order may ship short)
    cost_cents: int | None
    handling_cents: int | None
    shipping_cents: int | None
    split_penalty_cents: int | None
    short_penalty_cents: int | None
    bound_cents: float | None
    wall_time: float
    reasons: list[str] = field(default_factory=list)  # why infeasible, per line


def route_order(order: RouteOrder, time_limit: float = 1.0, workers: int = 1) -> Route:
    started = time.perf_counter()
    if order.short_penalty_cents is None and (reasons := unservable(order)):
        return _nothing("infeasible", started, reasons)
    model = cp_model.CpModel()
    variables = add_order(model, order)
    _hold_capacity(model, order, variables)
    model.minimize(variables.cost)
    status, solver = solve(model, time_limit, workers)
    if status == "infeasible":
        return _nothing(status, started, _why_infeasible(order))
    if status == "unknown":
        return _rule_route(order, started)
    assignment, short = extract(solver, variables)
    bound = solver.best_objective_bound / 1000
    route = costed(order, assignment, status, bound, _since(started), short)
    return replace(route, reasons=short_reasons(order, short))


def _hold_capacity(model: cp_model.CpModel, order: RouteOrder, variables: OrderVars) -> None:
    """Today's capacity left at each node (a wave shares it between orders instead)."""
    for node in order.nodes:
        units = [var for (_, code), var in variables.x.items() if code == node.code]
        if node.units_left is not None and units:
            model.add(sum(units) <= node.units_left)


def unservable(order: RouteOrder) -> list[str]:
    """Lines that the permitted nodes cannot cover, each with the reason."""
    reasons = []
    for line in order.lines:
        usable = sum(
            min(node.stock.get(line.sku, 0), node.units_left or line.qty)
            for node in order.nodes
            if why_not(order, line, node) is None
        )
        cap = order.cap(line.sku)
        if cap is not None and cap < usable:
            usable = cap
        if usable < line.qty:
            reasons.append(
                f"line {line.line} ({line.sku}): {usable} of {line.qty} units can ship "
                f"from nodes that may serve it{_rules_out(order, line)}"
            )
    return reasons


def short_reasons(order: RouteOrder, short: dict[int, int]) -> list[str]:
    lines = {line.line: line for line in order.lines}
    return [
        f"line {n} ({lines[n].sku}): {units} of {lines[n].qty} units left short"
        f"{_rules_out(order, lines[n])}"
        for n, units in sorted(short.items())
    ]


def _rule_route(order: RouteOrder, started: float) -> Route:
    """Time ran out before the search found a route: the greedy rule's, if it finds one, is
    still an answer (status feasible) rather than none."""
    found = greedy_route(order)
    if found is None:
        return _nothing("unknown", started, ["the time limit ran out before a route was found"])
    route = costed(order, found, "feasible", None, _since(started))
    return replace(route, reasons=["the time limit ran out: this is the greedy rule's route"])


def _why_infeasible(order: RouteOrder) -> list[str]:
    """Every line can ship somewhere, yet not together: say what stops each node."""
    if not order.ship_complete:
        return ["no plan meets stock, capacity and the rate bands together"]
    why = ["ships complete: no one node can ship the whole order"]
    for node in order.nodes:
        if gap := whole_order_gap(order, node):
            line, reason = gap
            why.append(f"{node.code}: line {line.line} ({line.sku}) {reason}")
        else:
            why.append(f"{node.code}: capacity or rate bands cannot take the whole order")
    return why


def _rules_out(order: RouteOrder, line: RouteLine) -> str:
    """The reasons the other nodes gave, most common first, for the message."""
    counts: dict[str, int] = {}
    for node in order.nodes:
        if reason := why_not(order, line, node):
            counts[reason] = counts.get(reason, 0) + 1
    if not counts:
        return ""
    ranked = sorted(counts, key=lambda r: (-counts[r], r))
    return "; elsewhere: " + ", ".join(f"{r} ({counts[r]})" for r in ranked[:3])


def solve(
    model: cp_model.CpModel, time_limit: float, workers: int
) -> tuple[str, cp_model.CpSolver]:
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = time_limit
    solver.parameters.num_workers = workers
    solver.parameters.random_seed = 0
    if len(model.proto.variables) <= SMALL_MODEL_VARIABLES:
        # A few-line order is solved by search in a few ms; presolve, probing, symmetry and
        # the LP relaxation cost more than they save (bench/routing_api.py: solve p99 67 ms
        # with them, 11 ms without, the same proved optimum on every order).
        solver.parameters.linearization_level = 0
        solver.parameters.max_presolve_iterations = 1
        solver.parameters.cp_model_probing_level = 0
        solver.parameters.symmetry_level = 0
    else:
        # A big order (20 lines x 50 nodes) is proved optimal through its LP bound.
        solver.parameters.linearization_level = 2
    code = solver.solve(model)
    if code == cp_model.MODEL_INVALID:
        raise RuntimeError(f"CP-SAT rejected the routing model: {model.validate()}")
    return STATUS[code], solver


def extract(
    solver: cp_model.CpSolver, variables: OrderVars
) -> tuple[dict[tuple[int, str], int], dict[int, int]]:
    assignment = {k: units for k, var in variables.x.items() if (units := solver.value(var)) > 0}
    short = {n: units for n, var in variables.short.items() if (units := solver.value(var)) > 0}
    return assignment, short


def costed(
    order: RouteOrder,
    assignment: dict[tuple[int, str], int],
    status: str,
    bound: float | None,
    seconds: float,
    short: dict[int, int] | None = None,
) -> Route:
    """The route's cost split into handling, shipping and penalties (any assignment); a package
    no rate band carries is refused."""
    lines = {line.line: line for line in order.lines}
    nodes = {node.code: node for node in order.nodes}
    used = sorted({code for _, code in assignment})
    handling = sum(nodes[c].handling_order_cents * 1000 for c in used)
    weight = dict.fromkeys(used, 0)
    for (line_no, code), units in assignment.items():
        handling += units * nodes[code].handling_unit_cents * 1000
        weight[code] += units * lines[line_no].unit_weight_g
    shipping = 0
    for code in used:
        package = nodes[code].shipping_millicents(weight[code])
        if package is None:
            raise ValueError(f"no rate band of {code} carries a {weight[code]} g package")
        shipping += package
    split = order.split_penalty_cents * max(len(used) - 1, 0)
    left = sum((short or {}).values()) * (order.short_penalty_cents or 0)
    total = round((handling + shipping) / 1000) + split + left
    return Route(
        status,
        assignment,
        dict(short or {}),
        total,
        round(handling / 1000),
        total - split - left - round(handling / 1000),
        split,
        left,
        bound,
        seconds,
    )


def _nothing(status: str, started: float, reasons: list[str]) -> Route:
    return Route(status, {}, {}, None, None, None, None, None, None, _since(started), reasons)


def _since(started: float) -> float:
    return time.perf_counter() - started
