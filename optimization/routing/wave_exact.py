"""A wave's orders in CP-SAT through the single-order model (add_order), where the
decomposition needs them whole:

- one order too large for the pricing table (wave_pricing) is priced by CP-SAT, its proven
  bound standing in for the exact value;
- a small wave is solved as one compact model, to close the gap column generation can leave
  (its plans are only those the prices found, its bound is the LP's), started from the best
  plans known; its bound is as valid, and the better of the two is kept:

    min  sum_i cost_i + unfilled_rate_i x sum_l short_il
    sum over orders and their lines of sku s of x[line, n] <= stock(n, s)
    sum_i y_in <= orders_left(n),  sum_i sum_l x_il,n <= units_left(n)

The compact model grows with orders x lines x nodes x rate bands and its LP is weak (the
package and band switches): at 5,000 orders x 20 nodes CP-SAT stood at 3.3 times its bound
after 50 s. So only waves of up to EXACT_ORDERS orders are given to it.
"""

from __future__ import annotations

import math
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from ortools.sat.python import cp_model

from optimization.routing.model import OrderVars, add_order
from optimization.routing.problem import RouteOrder
from optimization.routing.single_order import extract, solve
from optimization.routing.wave_problem import Resource, RoutePlan, Wave, plan_of, pool

EXACT_ORDERS = 200  # waves up to this many orders get the compact model too


@dataclass(frozen=True)
class Exact:
    plans: list[RoutePlan] | None  # None when CP-SAT found nothing in time
    bound: int  # millicents


def add_wave_order(
    model: cp_model.CpModel, view: RouteOrder, unfilled_rate: int, tag: str = ""
) -> tuple[OrderVars, list[cp_model.LinearExprT]]:
    """One order of a wave: add_order's variables, its cost and the unfilled penalty."""
    variables = add_order(model, view, tag)
    if view.ship_complete:
        # The order ships whole from one package, or waits whole.
        waits = 1 - sum(variables.y.values())
        qty = {line.line: line.qty for line in view.lines}
        for number, short in variables.short.items():
            model.add(short == qty[number] * waits)
    return variables, [variables.cost, unfilled_rate * sum(variables.short.values())]


def cheapest_by_cp_sat(
    view: RouteOrder, unfilled_rate: int, prices: Mapping[Resource, int], time_limit: float
) -> tuple[RoutePlan, int] | None:
    """One order's least priced plan and a proven bound on its priced cost (see wave_pricing),
    for orders too large for the pricing table; None when CP-SAT finds nothing in time."""
    model = cp_model.CpModel()
    variables, objective = add_wave_order(model, view, unfilled_rate)
    sku = {line.line: line.sku for line in view.lines}
    for node in view.nodes:
        units = [x for (_, code), x in variables.x.items() if code == node.code]
        if node.units_left is not None and units:
            model.add(sum(units) <= node.units_left)
    objective += [prices.get(("packages", c, ""), 0) * y for c, y in variables.y.items()]
    for (number, code), x in variables.x.items():
        unit = prices.get(("units", code, ""), 0) + prices.get(("stock", code, sku[number]), 0)
        objective.append(unit * x)
    model.minimize(sum(objective))
    status, solver = solve(model, time_limit, 1)
    if status not in ("optimal", "feasible"):
        return None
    plan = plan_of(view, extract(solver, variables)[0], unfilled_rate)
    return plan, math.floor(solver.best_objective_bound)


def solve_compact(
    wave: Wave,
    views: Sequence[RouteOrder],
    rates: Sequence[int],
    start: Sequence[RoutePlan],
    deadline: float,
    workers: int,
) -> Exact:
    model = cp_model.CpModel()
    orders: list[OrderVars] = []
    draws: dict[Resource, list[cp_model.LinearExprT]] = {}
    objective = []
    for index, (view, rate, plan) in enumerate(zip(views, rates, start, strict=True)):
        variables, cost = add_wave_order(model, view, rate, tag=f"{index}:")
        orders.append(variables)
        objective += cost
        lines = {line.line: line for line in view.lines}
        for (number, code), x in variables.x.items():
            model.add_hint(x, plan.assignment.get((number, code), 0))
            draws.setdefault(("stock", code, lines[number].sku), []).append(x)
            draws.setdefault(("units", code, ""), []).append(x)
        for code, y in variables.y.items():
            draws.setdefault(("packages", code, ""), []).append(y)
    # No stock pool or node capacity is overdrawn by the orders together.
    for resource, terms in draws.items():
        if (held := pool(wave, resource)) is not None:
            model.add(sum(terms) <= held)
    model.minimize(sum(objective))
    status, solver = solve(model, max(deadline - time.perf_counter(), 0.05), workers)
    if status not in ("optimal", "feasible"):
        return Exact(None, 0)
    plans = [
        plan_of(view, extract(solver, variables)[0], rate)
        for view, variables, rate in zip(views, orders, rates, strict=True)
    ]
    return Exact(plans, int(solver.best_objective_bound))
