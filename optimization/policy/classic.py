"""Textbook single-item inventory policies, in the notation of Snyder & Shen (2019),
"Fundamentals of Supply Chain Theory", 2nd ed. (FoSCT): h holding cost per unit per period, p
stockout (backorder) cost per unit per period, K fixed cost per order, lambda demand rate.

The exact periodic-review (s, S) policy for Poisson demand lives in `ss_policy`; it and
`safety_stock` are re-exported here so the whole textbook set has one address.
"""

from __future__ import annotations

import math

from scipy.stats import norm, poisson

from optimization.policy.safety import safety_stock, standard_normal_loss
from optimization.policy.ss_policy import poisson_newsvendor_cost, ss_policy_poisson

__all__ = [
    "eoq",
    "newsvendor_normal",
    "newsvendor_poisson",
    "rq_policy",
    "safety_stock",
    "ss_policy_poisson",
]

# Algorithm 5.1 stops once r and Q move less than this between two passes.
_RQ_TOLERANCE = 1e-6
_RQ_MAX_PASSES = 1000


def eoq(fixed_cost: float, holding_cost: float, demand_rate: float) -> tuple[float, float]:
    """Economic order quantity Q* = sqrt(2 K lambda / h) and its cost per period
    g(Q*) = sqrt(2 K lambda h) (FoSCT eq. 3.4, Example 3.1)."""
    _check_positive(fixed_cost=fixed_cost, holding_cost=holding_cost)
    if demand_rate < 0:
        raise ValueError("the demand rate cannot be negative")
    quantity = math.sqrt(2.0 * fixed_cost * demand_rate / holding_cost)
    return quantity, math.sqrt(2.0 * fixed_cost * demand_rate * holding_cost)


def newsvendor_normal(
    holding_cost: float, stockout_cost: float, mean: float, sd: float, lead_time: int = 0
) -> tuple[float, float]:
    """Base-stock level S* = mu + z sigma, z = Phi^-1(p / (p + h)), and expected cost per period
    g(S*) = (h + p) sigma phi(z), for normal demand N(mean, sd^2) per period.

    `lead_time` is the number of periods of demand the base stock must cover beyond the
    period itself: the protection interval is lead_time + 1 periods, so mu = mean (L + 1) and
    sigma = sd sqrt(L + 1) (FoSCT ch. 4, Examples 4.3 and 4.4)."""
    _check_positive(holding_cost=holding_cost, stockout_cost=stockout_cost)
    if sd < 0 or lead_time < 0:
        raise ValueError("the demand sd and the lead time cannot be negative")
    periods = lead_time + 1
    mu, sigma = mean * periods, sd * math.sqrt(periods)
    z = norm.ppf(stockout_cost / (stockout_cost + holding_cost))
    return float(mu + z * sigma), float((holding_cost + stockout_cost) * sigma * norm.pdf(z))


def newsvendor_poisson(holding_cost: float, stockout_cost: float, mean: float) -> tuple[int, float]:
    """Smallest integer S* with F(S*) >= p / (p + h) for Poisson(mean) demand, and its cost
    g(S*) = h E[(S - D)^+] + p E[(D - S)^+] (FoSCT ch. 4, Example 4.7 without K)."""
    _check_positive(holding_cost=holding_cost, stockout_cost=stockout_cost)
    level = int(poisson.ppf(stockout_cost / (stockout_cost + holding_cost), mean))
    return level, poisson_newsvendor_cost(level, holding_cost, stockout_cost, mean)


def rq_policy(
    holding_cost: float,
    stockout_cost: float,
    fixed_cost: float,
    demand_rate: float,
    sd: float,
    lead_time: float,
) -> tuple[float, float, float]:
    """Continuous-review (r, Q) with backorders by the expected-inventory-level (EIL)
    approximation (Hadley & Whitin 1963; FoSCT Algorithm 5.1, Example 5.2). Lead-time demand
    is N(lambda L, sd^2 L) with n(r) its loss function; starting from the EOQ, iterate

        r = F^-1(1 - Q h / (p lambda)),   Q = sqrt(2 lambda (K + p n(r)) / h)

    to a fixed point; cost g(r, Q) = h (r - lambda L + Q/2) + K lambda / Q + p lambda n(r) / Q."""
    _check_positive(holding_cost=holding_cost, stockout_cost=stockout_cost, demand_rate=demand_rate)
    mu, sigma = demand_rate * lead_time, sd * math.sqrt(lead_time)
    quantity, _ = eoq(fixed_cost, holding_cost, demand_rate)
    reorder = mu
    for _ in range(_RQ_MAX_PASSES):
        no_stockout = max(1.0 - quantity * holding_cost / (stockout_cost * demand_rate), 1e-12)
        new_reorder = float(norm.ppf(no_stockout, mu, sigma)) if sigma > 0 else mu
        shortage = _normal_loss(new_reorder, mu, sigma)
        new_quantity = math.sqrt(
            2 * demand_rate * (fixed_cost + stockout_cost * shortage) / holding_cost
        )
        converged = (
            abs(new_reorder - reorder) < _RQ_TOLERANCE
            and abs(new_quantity - quantity) < _RQ_TOLERANCE
        )
        reorder, quantity = new_reorder, new_quantity
        if converged:
            break
    shortage = _normal_loss(reorder, mu, sigma)
    cost = (
        holding_cost * (reorder - mu + quantity / 2)
        + (fixed_cost + stockout_cost * shortage) * demand_rate / quantity
    )
    return reorder, quantity, cost


def _normal_loss(stock: float, mu: float, sigma: float) -> float:
    if sigma == 0:
        return max(mu - stock, 0.0)
    return sigma * standard_normal_loss((stock - mu) / sigma)


def _check_positive(**values: float) -> None:
    for name, value in values.items():
        if not value > 0:
            raise ValueError(f"{name.replace('_', ' ')} must be positive, got {value}")
