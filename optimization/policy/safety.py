"""Safety stock and safety factors for normally distributed demand over the protection interval.

    cycle service (type 1)   P(no stockout in a replenishment cycle) = alpha:  k = Phi^-1(alpha)
    fill rate (type 2)       share of demand served from stock = beta:
                             sigma x G(k) = (1 - beta) x Q,  G(k) = phi(k) - k (1 - Phi(k))
    safety stock             SS = k x sigma_LTD,  sigma_LTD = sqrt(L sd_d^2 + d^2 sd_L^2)

G is the standard normal loss function (expected units short per unit of sigma when k sigma
is held above the mean). Silver, Pyke & Thomas (2017), "Inventory and Production Management
in Supply Chains", 4th ed., ch. 6 (P1 and P2 service, lead-time variability); Chopra & Meindl
(2016), "Supply Chain Management", 6th ed., ch. 12 (safety inventory).
"""

from __future__ import annotations

import math

from scipy.optimize import brentq
from scipy.special import ndtr, ndtri

# Beyond |k| = 8 the normal tail is below 1e-15: no service target needs more.
_FACTOR_BOUND = 8.0


def standard_normal_loss(k: float) -> float:
    """G(k) = E[(Z - k)^+] = phi(k) - k (1 - Phi(k)) for Z ~ N(0, 1)."""
    density = math.exp(-0.5 * k * k) / math.sqrt(2.0 * math.pi)
    return float(density - k * (1.0 - ndtr(k)))


def cycle_service_factor(service_level: float) -> float:
    """k = Phi^-1(alpha): the safety factor that leaves a stockout in a cycle with
    probability 1 - alpha (Silver, Pyke & Thomas 2017, ch. 6)."""
    _check_level(service_level)
    return float(ndtri(service_level))


def fill_rate_factor(fill_rate: float, order_qty: float, sd: float) -> float:
    """The k with sd x G(k) = (1 - beta) x Q: expected units short per cycle equal to the
    share of an order the target lets go unserved (Silver, Pyke & Thomas 2017, ch. 6).
    G falls from +inf to 0, so k is unique; it may be negative when orders are large."""
    _check_level(fill_rate)
    if order_qty <= 0 or sd <= 0:
        raise ValueError("a fill-rate factor needs a positive order quantity and sd")
    allowed = (1.0 - fill_rate) * order_qty / sd
    if standard_normal_loss(-_FACTOR_BOUND) <= allowed:
        return -_FACTOR_BOUND
    if standard_normal_loss(_FACTOR_BOUND) >= allowed:
        return _FACTOR_BOUND
    return float(brentq(lambda k: standard_normal_loss(k) - allowed, -_FACTOR_BOUND, _FACTOR_BOUND))


def safety_stock(
    service_level: float,
    mean_demand: float,
    sd_demand: float,
    mean_lead_time: float,
    sd_lead_time: float,
) -> float:
    """SS = z x sqrt(L sd_d^2 + d^2 sd_L^2), z = Phi^-1(cycle service level), with d and sd_d
    per period and L, sd_L in the same periods: demand and lead time independent and demand
    over the lead time near normal (Silver, Pyke & Thomas 2017, ch. 6; Chopra & Meindl 2016,
    ch. 12)."""
    if min(mean_demand, sd_demand, mean_lead_time, sd_lead_time) < 0:
        raise ValueError("demand, lead time and their deviations cannot be negative")
    sigma = math.sqrt(mean_lead_time * sd_demand**2 + mean_demand**2 * sd_lead_time**2)
    return cycle_service_factor(service_level) * sigma


def _check_level(level: float) -> None:
    if not 0.0 < level < 1.0:
        raise ValueError(f"a service level must lie strictly between 0 and 1, got {level}")
