"""Route a wave of released orders jointly under shared stock and node capacity:

    min  sum_i routing cost_i + sum_i unfilled units_i x base penalty x unfilled_weight_i
    s.t. units from each (node, sku) <= its free stock; packages and units from each node
         <= what it can still start and ship today; every order's own rules (why_not)

The routing cost is the single-order router's (model.py: handling, shipping by weight band,
split penalty), in millicents. The method is column generation (Dantzig-Wolfe):

1. the greedy baseline (wave_greedy) routes the orders one by one, the most weighted first;
2. every order is priced exactly on its own (wave_pricing); an LP over the plans found so far
   (wave_bound) prices the stock and capacity that orders compete for, the orders are priced
   again at those prices and the plans that pay join the LP, until none does or half the time
   is spent. The bound is the Lagrangian one those prices prove (see wave_bound for why it is
   valid); prices at zero already give the sum of every order's best route alone;
3. CP-SAT picks one plan per order under the shared pools, from the LP's plans rounded to a
   feasible choice, in the time left; the answer is the better of its plans and the greedy
   ones, so the wave is never worse than the baseline and a time limit never costs an answer;
4. a small wave (wave_exact.EXACT_ORDERS) whose answer does not meet the bound yet is solved
   again as one compact CP-SAT model, in what time is left.

The status is optimal when the answer meets the bound, feasible otherwise. The greedy baseline
always runs in full (it is the answer of last resort, about 0.3 ms an order); everything else
keeps to the time limit, an order left unpriced when it runs out counting 0 in the bound.
Measured by bench/routing_wave.py at 5,000 orders x 20 nodes on 2 cores: 11-30 s, gap
0.04-0.43%, over six generated waves from 10% to 30% scarce SKUs and 70% to 100% capacity.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass

from ortools.sat.python import cp_model

from optimization.routing.single_order import STATUS
from optimization.routing.wave_bound import Columns, generate
from optimization.routing.wave_exact import EXACT_ORDERS, solve_compact
from optimization.routing.wave_greedy import greedy_plans
from optimization.routing.wave_problem import (
    Resource,
    RoutePlan,
    Wave,
    WaveOrder,
    WaveRoute,
    plan_of,
    pool,
    pooled,
    unfilled_millicents,
    unfilled_weight,
    validate,
)

__all__ = [
    "Wave",
    "WaveOrder",
    "WaveResult",
    "WaveRoute",
    "greedy_wave",
    "route_wave",
    "unfilled_weight",
]

PRICING_SHARE = 0.5  # of the time limit, at most, for column generation


@dataclass(frozen=True)
class WaveResult:
    status: str  # optimal | feasible
    objective_cents: float  # routing cost + weighted unfilled penalty
    bound_cents: float  # a proven lower bound on the objective
    gap: float  # (objective - bound) / objective, 0 when objective is 0
    routing_cents: int
    penalty_cents: float
    unfilled_units: int
    routes: tuple[WaveRoute, ...]
    greedy_objective_cents: float  # the same objective for the one-by-one greedy baseline
    saving_cents: float  # greedy_objective - objective
    wall_time: float


def greedy_wave(wave: Wave) -> tuple[float, tuple[WaveRoute, ...]]:
    """The baseline's objective (cents) and routes (see wave_greedy)."""
    validate(wave)
    plans = greedy_plans(wave)
    return sum(plan.cost for plan in plans) / 1000, _routes(wave, plans)


def route_wave(wave: Wave, time_limit: float = 55.0, workers: int = 2) -> WaveResult:
    """The wave's routes at least objective found in the time limit, the bound proved and the
    greedy baseline's objective (see the module docstring for the method)."""
    started = time.perf_counter()
    validate(wave)
    deadline = started + time_limit - min(1.0, 0.02 * time_limit)
    greedy = greedy_plans(wave)
    views = [pooled(o.order, wave.stock, wave.orders_left, wave.units_left) for o in wave.orders]
    rates = [unfilled_millicents(wave, order) for order in wave.orders]
    nothing = [plan_of(view, {}, rate) for view, rate in zip(views, rates, strict=True)]
    columns = Columns(wave, list(zip(greedy, nothing, strict=True)))
    bound = generate(columns, views, rates, started + PRICING_SHARE * time_limit)
    chosen = _cheaper(greedy, _choose(columns, columns.rounded(), deadline, workers))
    small = len(wave.orders) <= EXACT_ORDERS
    if small and _cost(chosen) > bound and time.perf_counter() < deadline:
        exact = solve_compact(wave, views, rates, chosen, deadline, workers)
        chosen, bound = _cheaper(chosen, exact.plans), max(bound, exact.bound)
    objective, routing = _cost(chosen), sum(plan.routing for plan in chosen)
    greedy_objective = _cost(greedy) / 1000
    return WaveResult(
        "optimal" if objective <= bound else "feasible",
        objective / 1000,
        bound / 1000,
        (objective - bound) / objective if objective else 0.0,
        round(routing / 1000),
        (objective - routing) / 1000,
        sum(sum(plan.unfilled.values()) for plan in chosen),
        _routes(wave, chosen),
        greedy_objective,
        greedy_objective - objective / 1000,
        time.perf_counter() - started,
    )


def _cost(plans: Sequence[RoutePlan]) -> int:
    return sum(plan.cost for plan in plans)


def _cheaper(plans: list[RoutePlan], other: list[RoutePlan] | None) -> list[RoutePlan]:
    return plans if other is None or _cost(other) >= _cost(plans) else other


def _choose(
    columns: Columns, hint: Sequence[int], deadline: float, workers: int
) -> list[RoutePlan] | None:
    """One plan per order within the shared pools, at least total cost, by CP-SAT, starting
    from the LP's plans rounded to a feasible choice."""
    model = cp_model.CpModel()
    picks = [[model.new_bool_var("") for _ in plans] for plans in columns.plans]
    rows: dict[Resource, list[cp_model.LinearExprT]] = {}
    cost = []
    for plans, chosen, leading in zip(columns.plans, picks, hint, strict=True):
        # Every order takes one plan.
        model.add_exactly_one(chosen)
        for index, (plan, pick) in enumerate(zip(plans, chosen, strict=True)):
            model.add_hint(pick, index == leading)
            cost.append(plan.cost * pick)
            for resource, used in plan.usage.items():
                rows.setdefault(resource, []).append(used * pick)
    # No stock pool or node capacity is overdrawn.
    for resource, terms in rows.items():
        if (held := pool(columns.wave, resource)) is not None:
            model.add(sum(terms) <= held)
    model.minimize(sum(cost))
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = max(deadline - time.perf_counter(), 0.05)
    solver.parameters.num_workers = workers
    solver.parameters.random_seed = 0
    # The master's LP is strong (column generation's), and presolve only slows it down at
    # thousands of orders (it expands the pools into clauses): search where the LP is used most.
    solver.parameters.cp_model_presolve = False
    if workers > 1:
        solver.parameters.subsolvers.extend(["max_lp", "core"])
    else:
        solver.parameters.linearization_level = 2
    if STATUS[solver.solve(model)] not in ("optimal", "feasible"):
        return None
    return [
        next(plan for plan, pick in zip(plans, chosen, strict=True) if solver.value(pick))
        for plans, chosen in zip(columns.plans, picks, strict=True)
    ]


def _routes(wave: Wave, plans: Sequence[RoutePlan]) -> tuple[WaveRoute, ...]:
    return tuple(
        WaveRoute(order.key, plan.assignment, plan.unfilled, round(plan.routing / 1000))
        for order, plan in zip(wave.orders, plans, strict=True)
    )
