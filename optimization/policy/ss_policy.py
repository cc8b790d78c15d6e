"""Exact optimal periodic-review (s, S) policy for Poisson demand with backorders and zero lead
time: Zheng & Federgruen (1991), "Finding optimal (s, S) policies is about as simple as
evaluating a single policy", Operations Research 39(4); FoSCT (Snyder & Shen 2019, 2nd ed.)
Algorithm 4.2 and Example 4.7.

Each period ends with cost G(y) = h E[(y - D)^+] + p E[(D - y)^+] at inventory y. Ordering up to
S whenever the position falls to s or below, the cost per period is the renewal-reward ratio

    c(s, S) = (K + sum_{j=0}^{S-s-1} m(j) G(S - j)) / M(S - s)

with m the renewal density of demand (m(0) = 1 / (1 - f(0)), m(j) = m(0) sum_{l=1}^{j} f(l)
m(j - l)) and M(n) = sum_{j<n} m(j) the expected periods until the position drops n units.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache

import numpy as np
from scipy.stats import poisson


def poisson_newsvendor_cost(
    level: float, holding_cost: float, stockout_cost: float, mean: float
) -> float:
    """G(y) = h (y - mean) + (h + p) n(y), n(y) = E[(D - y)^+] = (mean - y)(1 - F(y)) + mean f(y)
    the Poisson first-order loss function."""
    shortage = (mean - level) * poisson.sf(level, mean) + mean * poisson.pmf(level, mean)
    return float(holding_cost * (level - mean) + (holding_cost + stockout_cost) * shortage)


def ss_policy_poisson(
    holding_cost: float, stockout_cost: float, fixed_cost: float, mean: float
) -> tuple[int, int, float]:
    """Optimal (s, S) and its cost per period by the Zheng-Federgruen search: start from the
    newsvendor level y*, lower s until c(s, y*) <= G(s), then raise S while G(S) <= the best
    cost, moving s up whenever a better S is found."""
    if min(holding_cost, stockout_cost, fixed_cost, mean) <= 0:
        raise ValueError("holding, stockout and fixed costs and the mean demand must be positive")

    @cache
    def period_cost(level: int) -> float:
        return poisson_newsvendor_cost(level, holding_cost, stockout_cost, mean)

    cost = _policy_cost_function(period_cost, fixed_cost, mean)
    best_level = int(poisson.ppf(stockout_cost / (stockout_cost + holding_cost), mean))
    reorder = best_level - 1
    while cost(reorder, best_level) > period_cost(reorder):
        reorder -= 1
    order_up_to, best_cost = best_level, cost(reorder, best_level)
    candidate = best_level + 1
    while period_cost(candidate) <= best_cost:
        if cost(reorder, candidate) < best_cost:
            order_up_to = candidate
            while cost(reorder, order_up_to) <= period_cost(reorder + 1):
                reorder += 1
            best_cost = cost(reorder, order_up_to)
        candidate += 1
    return reorder, order_up_to, best_cost


def _policy_cost_function(
    period_cost: Callable[[int], float], fixed_cost: float, mean: float
) -> Callable[[int, int], float]:
    """c(s, S) with the renewal density grown on demand, since S - s only widens."""
    renewal: list[float] = []
    pmf = np.empty(0)

    def cost(reorder: int, order_up_to: int) -> float:
        nonlocal pmf
        gap = order_up_to - reorder
        if len(pmf) < gap:
            pmf = poisson.pmf(np.arange(2 * gap), mean)
        while len(renewal) < gap:
            j = len(renewal)
            if j == 0:
                renewal.append(1.0 / (1.0 - pmf[0]))
            else:
                renewal.append(renewal[0] * float(np.dot(pmf[1 : j + 1], renewal[j - 1 :: -1])))
        weights = np.asarray(renewal[:gap])
        costs = np.array([period_cost(order_up_to - j) for j in range(gap)])
        return float((fixed_cost + weights @ costs) / weights.sum())

    return cost
