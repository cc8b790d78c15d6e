"""Column generation for a wave: the linear program over the plans found so far, the prices
its duals put on stock and capacity, new plans priced at them, and the lower bound they prove.

Master LP over the plans found so far (lam_ik: order i takes its plan k):
    min  sum_ik cost_ik lam_ik
    sum_k lam_ik = 1                       every order takes one plan (one of them ships nothing)
    sum_ik use_ikr lam_ik <= pool_r        every stock pool (node, sku) and capacity (node)
Its duals price the resources, p_r = -dual_r >= 0 (whole millicents). At any prices p >= 0

    L(p) = sum_i min_k' (cost_ik' + p . use_ik') - p . pool  <=  the wave's optimum

where k' runs over every plan order i could take on its own (not only those found): the
optimum's plans are among them and p . (use - pool) <= 0 for them (the Lagrangian relaxation
of the shared rows; Geoffrion 1974). The pricing step (wave_pricing) finds that minimum
exactly, or a proven bound on it; prices at zero give the sum of every order's best route
alone. Plans that price below their order's dual join the LP; when none does, the LP's value
is L(p) itself (the Dantzig-Wolfe bound). The loop keeps the best L it has seen.
"""

from __future__ import annotations

import time
from collections.abc import Sequence

from ortools.linear_solver import pywraplp

from optimization.routing.problem import RouteOrder
from optimization.routing.wave_pricing import OrderPricer
from optimization.routing.wave_problem import Resource, RoutePlan, Wave, pool

REDUCED_COST_TOLERANCE = 1.0  # millicents: a plan cheaper than that joins the LP


class Columns:
    """The plans found so far per order, and the LP over them."""

    def __init__(self, wave: Wave, plans: Sequence[Sequence[RoutePlan]]) -> None:
        self.wave = wave
        self.solver = pywraplp.Solver.CreateSolver("GLOP")
        self.choose = [self.solver.Constraint(1.0, 1.0, "") for _ in plans]
        self.rows: dict[Resource, pywraplp.Constraint] = {}
        self.plans: list[list[RoutePlan]] = [[] for _ in plans]
        self.lams: list[list[pywraplp.Variable]] = [[] for _ in plans]
        self.seen: list[set[frozenset[tuple[tuple[int, str], int]]]] = [set() for _ in plans]
        self.solved = 0  # plans in the LP when it was last solved
        for order, found in enumerate(plans):
            for plan in found:
                self.add(order, plan)

    def add(self, order: int, plan: RoutePlan) -> bool:
        key = frozenset(plan.assignment.items())
        if key in self.seen[order]:
            return False
        self.seen[order].add(key)
        self.plans[order].append(plan)
        lam = self.solver.NumVar(0.0, 1.0, "")
        self.lams[order].append(lam)
        self.solver.Objective().SetCoefficient(lam, float(plan.cost))
        self.choose[order].SetCoefficient(lam, 1.0)
        for resource, used in plan.usage.items():
            if (row := self._row(resource)) is not None:
                row.SetCoefficient(lam, float(used))
        return True

    def _row(self, resource: Resource) -> pywraplp.Constraint | None:
        if resource not in self.rows:
            held = pool(self.wave, resource)
            if held is None:
                return None
            self.rows[resource] = self.solver.Constraint(-self.solver.infinity(), held, "")
        return self.rows[resource]

    def rounded(self) -> list[int]:
        """Per order, the plan the LP over every plan found takes most of; where those overdraw
        a pool, the orders the LP was least sure of wait instead, until none is overdrawn."""
        if self.solved != self.solver.NumVariables():
            self.solve()
        shares = [[lam.solution_value() for lam in lams] for lams in self.lams]
        picked = [max(range(len(share)), key=share.__getitem__) for share in shares]
        used: dict[Resource, int] = {}
        for order, index in enumerate(picked):
            for resource, units in self.plans[order][index].usage.items():
                used[resource] = used.get(resource, 0) + units
        over = {r for r, units in used.items() if self._overdrawn(r, units)}
        for order in sorted(range(len(picked)), key=lambda o: shares[o][picked[o]]):
            if not over:
                break
            usage = self.plans[order][picked[order]].usage
            if over.isdisjoint(usage):
                continue
            picked[order] = next(k for k, plan in enumerate(self.plans[order]) if not plan.usage)
            for resource, units in usage.items():
                used[resource] -= units
                if not self._overdrawn(resource, used[resource]):
                    over.discard(resource)
        return picked

    def _overdrawn(self, resource: Resource, units: int) -> bool:
        held = pool(self.wave, resource)
        return held is not None and units > held

    def solve(self) -> tuple[dict[Resource, int], list[float]]:
        """Prices of the resources and each order's dual, from the LP over the plans so far."""
        if self.solver.Solve() != pywraplp.Solver.OPTIMAL:
            raise RuntimeError("the wave's master LP has no optimum, yet it always has one")
        self.solved = self.solver.NumVariables()
        prices = {r: price for r, row in self.rows.items() if (price := round(-row.dual_value()))}
        return {r: p for r, p in prices.items() if p > 0}, [c.dual_value() for c in self.choose]


def generate(
    columns: Columns, views: Sequence[RouteOrder], rates: Sequence[int], deadline: float
) -> int:
    """Price and add plans until none improves the LP or the deadline passes; the best lower
    bound proved, in millicents. Every order is first priced alone; an order the deadline
    leaves unpriced counts 0 in that bound, as no plan costs less."""
    pricers, alone = [], []
    for view, rate in zip(views, rates, strict=True):
        if time.perf_counter() > deadline:
            break
        pricers.append(OrderPricer(view, rate))
        alone.append(pricers[-1].best({}))
    best = sum(priced.bound for priced in alone)
    for order, priced in enumerate(alone):
        columns.add(order, priced.plan)
    if len(pricers) < len(views):
        return best
    prices, duals = columns.solve()
    while time.perf_counter() < deadline:
        found = [pricer.best(prices) for pricer in pricers]
        held = sum(price * (pool(columns.wave, r) or 0) for r, price in prices.items())
        best = max(best, sum(priced.bound for priced in found) - held)
        added = [
            columns.add(order, priced.plan)
            for order, priced in enumerate(found)
            if priced.value < duals[order] - REDUCED_COST_TOLERANCE
        ]
        if not any(added):
            break
        prices, duals = columns.solve()
    return best
