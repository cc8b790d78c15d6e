"""Demand over the protection interval T = lead time + review period, as one distribution
object with quantile, loss function and stockout probability.

    normal              mean = d T, var = T sd_d^2 + d^2 sd_L^2 (demand and lead time
                        independent; Silver, Pyke & Thomas 2017, 4th ed., ch. 6)
    negative binomial   counts with variance above the mean (over-dispersed, as intermittent
                        and lumpy demand is): p = mean / var, n = mean^2 / (var - mean);
                        var <= mean gives Poisson(mean) (Agrawal & Smith 1996, "Estimating
                        negative binomial demand for retail inventory management", Naval
                        Research Logistics 43)
    empirical           a sample, e.g. a bootstrap of history or of forecast errors

The loss function E[(D - x)^+] is the expected units short with x in stock; for counts it is
the integral of P(D > u) from x upward, so it is exact for a fractional x too.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
from scipy.special import gammaln, ndtr, ndtri

from optimization.policy.safety import fill_rate_factor, standard_normal_loss

# A count table ends where P(D > k) is negligible for any service target or loss.
_TAIL_NEGLIGIBLE = 1e-12
_MAX_TABLE = 10_000_000


@dataclass(frozen=True)
class LeadTimeDemand:
    method: str  # "normal", "negative_binomial", "poisson" or "empirical"
    mean: float
    sd: float
    # counts: P(D > k) for k = 0, 1, ... until negligible; empirical: the sorted sample
    table: np.ndarray = field(default_factory=lambda: np.empty(0), repr=False, compare=False)

    def quantile(self, p: float) -> float:
        """Smallest x with P(D <= x) >= p."""
        if self.method == "normal":
            return self.mean + self.sd * float(ndtri(p)) if self.sd > 0 else self.mean
        if self.method == "empirical":
            return float(np.quantile(self.table, p, method="inverted_cdf"))
        return float(np.searchsorted(1.0 - self.table, p))

    def expected_shortage(self, stock: float) -> float:
        """E[(D - stock)^+], expected units short over the interval."""
        if self.method == "normal":
            if self.sd == 0:
                return max(self.mean - stock, 0.0)
            return self.sd * standard_normal_loss((stock - self.mean) / self.sd)
        if self.method == "empirical":
            return float(np.maximum(self.table - stock, 0.0).mean())
        if stock < 0:
            return self.mean - stock
        whole = math.floor(stock)
        if whole >= len(self.table):
            return 0.0
        return float((whole + 1 - stock) * self.table[whole] + self.table[whole + 1 :].sum())

    def stockout_probability(self, stock: float) -> float:
        """P(D > stock)."""
        if self.method == "normal":
            if self.sd == 0:
                return float(self.mean > stock)
            return float(ndtr((self.mean - stock) / self.sd))
        if self.method == "empirical":
            return float((self.table > stock).mean())
        if stock < 0:
            return 1.0
        whole = math.floor(stock)
        return float(self.table[whole]) if whole < len(self.table) else 0.0


def normal_demand(
    mean_d: float, sd_d: float, mean_lead: float, sd_lead: float, review: float = 0
) -> LeadTimeDemand:
    """N(d T, T sd_d^2 + d^2 sd_L^2) over T = mean_lead + review periods."""
    periods = mean_lead + review
    variance = periods * sd_d**2 + mean_d**2 * sd_lead**2
    return LeadTimeDemand("normal", float(mean_d * periods), math.sqrt(variance))


def negative_binomial_demand(mean: float, variance: float) -> LeadTimeDemand:
    """NB(n, p) with the given mean and variance, p = mean / var, n = mean^2 / (var - mean),
    f(k) = Gamma(k + n) / (Gamma(n) k!) p^n (1 - p)^k; Poisson(mean) when variance <= mean.
    P(D > k) is tabulated once, from the log-pmf."""
    if mean < 0:
        raise ValueError("mean demand cannot be negative")
    if mean == 0:
        return LeadTimeDemand("poisson", 0.0, 0.0, np.zeros(1))
    if variance <= mean:
        log_rate = math.log(mean)
        tail = _count_tail(lambda k: k * log_rate - mean - gammaln(k + 1), mean, math.sqrt(mean))
        return LeadTimeDemand("poisson", mean, math.sqrt(mean), tail)
    size = mean**2 / (variance - mean)
    log_success, log_fail = math.log1p(-(variance - mean) / variance), math.log(1 - mean / variance)

    def log_pmf(k: np.ndarray) -> np.ndarray:
        # log Gamma(k + n) / Gamma(n) as a running sum of log(n + i): no cancellation at large n
        rising = np.concatenate(([0.0], np.cumsum(np.log(size + k[:-1]))))
        return rising - gammaln(k + 1) + size * log_success + k * log_fail

    tail = _count_tail(log_pmf, mean, math.sqrt(variance))
    return LeadTimeDemand("negative_binomial", mean, math.sqrt(variance), tail)


def _count_tail(log_pmf: Callable[[np.ndarray], np.ndarray], mean: float, sd: float) -> np.ndarray:
    """P(D > k) for k = 0..K, summing the pmf from the top. K doubles until the mass beyond it,
    bounded by the geometric series f(K) r / (1 - r) with r = f(K) / f(K - 1) (the pmf ratio
    of Poisson and negative binomial tails only falls or creeps up to 1 - p), is negligible:
    heavy negative binomial tails decay geometrically, so no fixed number of sds is enough."""
    last = int(mean + 12 * sd) + 20
    while last <= _MAX_TABLE:
        pmf = np.exp(log_pmf(np.arange(last + 1, dtype=float)))
        ratio = pmf[-1] / pmf[-2] if pmf[-2] > 0 else 0.0
        if ratio < 1 and pmf[-1] / (1 - ratio) < _TAIL_NEGLIGIBLE:
            above = np.cumsum(pmf[::-1])[::-1]  # P(D >= k)
            return np.append(above[1:], 0.0)
        last *= 2
    raise ValueError(f"demand with mean {mean} and sd {sd} is too dispersed to tabulate")


def empirical_demand(samples: np.ndarray) -> LeadTimeDemand:
    """The sample's own distribution: quantiles are order statistics."""
    values = np.sort(np.asarray(samples, dtype=float))
    if len(values) == 0:
        raise ValueError("an empirical distribution needs at least one sample")
    return LeadTimeDemand("empirical", float(values.mean()), float(values.std()), values)


def bootstrap_lead_time_demand(
    daily: np.ndarray, mean_lead: float, sd_lead: float, review: int, draws: int, seed: int
) -> np.ndarray:
    """`draws` sums of demand over random protection intervals: each draws a lead time
    L = round(Gamma(mean_lead^2 / sd_lead^2, sd_lead^2 / mean_lead)) (constant when sd_lead = 0),
    then sums the L + review consecutive days of history from a random start, wrapping round
    the end (a circular block bootstrap, Politis & Romano 1992): keeps the runs of zeros and
    bursts a daily resample would break. Deterministic for a seed."""
    history = np.asarray(daily, dtype=float)
    if len(history) == 0 or draws < 1:
        raise ValueError("a bootstrap needs some history and at least one draw")
    rng = np.random.default_rng(seed)
    if sd_lead > 0 and mean_lead > 0:
        shape = (mean_lead / sd_lead) ** 2
        lead = np.rint(rng.gamma(shape, mean_lead / shape, draws))
    else:
        lead = np.full(draws, round(mean_lead))
    days = lead.astype(np.int64) + int(review)
    laps, rest = np.divmod(days, len(history))
    start = rng.integers(0, len(history), draws)
    running = np.concatenate(([0.0], np.cumsum(np.tile(history, 2))))
    return laps * history.sum() + running[start + rest] - running[start]


def reorder_level(
    dist: LeadTimeDemand, service_level: float, service_type: str, order_qty: float
) -> float:
    """Stock level s for the target: "cycle" P(D <= s) >= level; "fill_rate" the smallest s
    with E[(D - s)^+] <= (1 - level) Q, the units an order of Q may leave short (Silver, Pyke &
    Thomas 2017, ch. 6), never below zero. Normal: s = mean + k sd, k from the normal loss."""
    if not 0.0 < service_level < 1.0:
        raise ValueError(f"a service level must lie strictly between 0 and 1, got {service_level}")
    if service_type == "cycle":
        return dist.quantile(service_level)
    if service_type != "fill_rate":
        raise ValueError(f"unknown service type {service_type!r}: use 'cycle' or 'fill_rate'")
    if order_qty <= 0:
        raise ValueError("a fill-rate target needs a positive order quantity")
    if dist.method == "normal" and dist.sd > 0:
        return max(0.0, dist.mean + dist.sd * fill_rate_factor(service_level, order_qty, dist.sd))
    return _smallest_level_within(dist, (1.0 - service_level) * order_qty)


def _smallest_level_within(dist: LeadTimeDemand, allowed_shortage: float) -> float:
    """Bisection over whole units: the loss function only falls as the stock rises."""
    if dist.expected_shortage(0) <= allowed_shortage:
        return 0.0
    low, high = 0, max(1, math.ceil(dist.quantile(0.999)))
    while dist.expected_shortage(high) > allowed_shortage:
        low, high = high, 2 * high
    while high - low > 1:
        middle = (low + high) // 2
        if dist.expected_shortage(middle) <= allowed_shortage:
            high = middle
        else:
            low = middle
    return float(high)
