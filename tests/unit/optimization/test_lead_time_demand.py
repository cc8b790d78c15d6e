"""Demand over the protection interval: moments, quantiles, loss functions and the bootstrap,
checked against scipy.stats and brute-force sums over the probability mass function."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import nbinom, poisson

from optimization.policy import (
    bootstrap_lead_time_demand,
    empirical_demand,
    negative_binomial_demand,
    normal_demand,
    reorder_level,
)


def _brute_shortage(pmf: np.ndarray, stock: float) -> float:
    return float((np.maximum(np.arange(len(pmf)) - stock, 0.0) * pmf).sum())


def test_normal_demand_adds_lead_time_variance_to_demand_variance() -> None:
    # Chopra & Meindl (2016), ch. 12, B&M Computer World: sigma_L = 17,550 units
    demand = normal_demand(mean_d=2500, sd_d=500, mean_lead=7, sd_lead=7)
    assert (demand.mean, demand.sd) == pytest.approx((17_500, 17_549.9), abs=0.1)


def test_the_review_period_lengthens_the_protection_interval() -> None:
    demand = normal_demand(mean_d=3, sd_d=2, mean_lead=5, sd_lead=0, review=4)
    assert (demand.mean, demand.sd) == pytest.approx((27, 6))


def test_normal_loss_matches_chopra_meindl_expected_shortage_per_cycle() -> None:
    # Weekly N(2500, 500), lead time 2 weeks, safety inventory 1000, lot 10,000: ESC = 25.13
    # and fill rate 1 - 25.13 / 10,000 = 0.9975
    demand = normal_demand(2500, 500, 2, 0)
    assert demand.expected_shortage(5000 + 1000) == pytest.approx(25.13, abs=0.01)


@pytest.mark.parametrize(("mean", "variance"), [(3.2, 9.0), (0.4, 4.0), (40.0, 400.0)])
def test_negative_binomial_has_the_asked_moments_and_scipy_quantiles(
    mean: float, variance: float
) -> None:
    demand = negative_binomial_demand(mean, variance)
    size, success = mean**2 / (variance - mean), mean / variance
    assert demand.method == "negative_binomial"
    assert nbinom.stats(size, success) == pytest.approx((mean, variance))
    for p in (0.5, 0.9, 0.95, 0.99):
        assert demand.quantile(p) == nbinom.ppf(p, size, success)
    for stock in (0.0, 2.5, mean, mean + 3 * variance**0.5):
        assert demand.stockout_probability(stock) == pytest.approx(
            nbinom.sf(np.floor(stock), size, success), abs=1e-12
        )


def test_negative_binomial_loss_is_exact_at_fractional_stock_and_in_a_heavy_tail() -> None:
    # VMR 200: the tail decays geometrically, far beyond mean + 12 sd
    mean, variance = 1.5, 300.0
    demand = negative_binomial_demand(mean, variance)
    pmf = nbinom.pmf(np.arange(200_000), mean**2 / (variance - mean), mean / variance)
    for stock in (0.0, 0.5, 7.25, 60.0, 400.0):
        assert demand.expected_shortage(stock) == pytest.approx(
            _brute_shortage(pmf, stock), rel=1e-7, abs=1e-12
        )


def test_variance_at_or_below_the_mean_gives_poisson() -> None:
    demand = negative_binomial_demand(6.0, 5.0)
    assert demand.method == "poisson"
    assert demand.quantile(0.9) == poisson.ppf(0.9, 6.0)
    pmf = poisson.pmf(np.arange(200), 6.0)
    assert demand.expected_shortage(4.5) == pytest.approx(_brute_shortage(pmf, 4.5), abs=1e-10)


def test_no_demand_needs_no_stock() -> None:
    demand = negative_binomial_demand(0.0, 0.0)
    assert demand.quantile(0.99) == 0
    assert demand.expected_shortage(0) == 0
    assert demand.stockout_probability(0) == 0


def test_below_zero_stock_every_unit_of_demand_and_backlog_is_short() -> None:
    demand = negative_binomial_demand(5.0, 15.0)
    assert demand.expected_shortage(-3) == pytest.approx(8.0)
    assert demand.stockout_probability(-1) == 1.0


def test_empirical_quantiles_are_order_statistics() -> None:
    demand = empirical_demand(np.array([5.0, 1.0, 3.0, 2.0, 4.0]))
    assert (demand.mean, demand.quantile(0.6), demand.quantile(0.61)) == (3.0, 3.0, 4.0)
    assert demand.expected_shortage(3.5) == pytest.approx((0.5 + 1.5) / 5)
    assert demand.stockout_probability(3.0) == pytest.approx(0.4)


def test_bootstrap_with_fixed_lead_time_sums_consecutive_days_round_the_end() -> None:
    history = np.arange(10.0)
    sums = bootstrap_lead_time_demand(history, 3, 0, review=2, draws=500, seed=4)
    windows = {sum(history[(start + i) % 10] for i in range(5)) for start in range(10)}
    assert set(sums) <= windows
    assert len(set(sums)) == len(windows)


def test_bootstrap_intervals_longer_than_the_history_wrap_whole_laps() -> None:
    sums = bootstrap_lead_time_demand(np.array([1.0, 0.0, 2.0]), 6, 0, 1, 50, seed=0)
    # 7 days over a 3-day history: two whole laps (6 units) plus any one day (1, 0 or 2)
    assert set(sums) == {7.0, 6.0, 8.0}


def test_bootstrap_is_deterministic_for_a_seed_and_varies_with_it() -> None:
    history = np.random.default_rng(1).poisson(2.0, 200).astype(float)
    first = bootstrap_lead_time_demand(history, 7, 2, 7, 1000, seed=11)
    assert np.array_equal(first, bootstrap_lead_time_demand(history, 7, 2, 7, 1000, seed=11))
    assert not np.array_equal(first, bootstrap_lead_time_demand(history, 7, 2, 7, 1000, seed=12))


def test_bootstrap_with_random_lead_times_keeps_the_mean_demand_over_the_interval() -> None:
    history = np.random.default_rng(2).poisson(3.0, 1000).astype(float)
    sums = bootstrap_lead_time_demand(history, 10, 3, 5, 20_000, seed=3)
    assert sums.mean() == pytest.approx(history.mean() * 15, rel=0.02)
    assert sums.std() > bootstrap_lead_time_demand(history, 10, 0, 5, 20_000, seed=3).std()


def test_cycle_reorder_level_is_the_smallest_level_meeting_the_target() -> None:
    demand = negative_binomial_demand(8.0, 30.0)
    level = reorder_level(demand, 0.95, "cycle", order_qty=10)
    assert 1 - demand.stockout_probability(level) >= 0.95
    assert 1 - demand.stockout_probability(level - 1) < 0.95


@pytest.mark.parametrize(
    "demand",
    [negative_binomial_demand(8.0, 30.0), empirical_demand(np.arange(40.0) % 13)],
    ids=["negative binomial", "empirical"],
)
def test_fill_rate_reorder_level_is_the_smallest_whole_level_within_the_allowed_shortage(
    demand,
) -> None:
    level = reorder_level(demand, 0.98, "fill_rate", order_qty=20)
    assert demand.expected_shortage(level) <= 0.02 * 20
    assert demand.expected_shortage(level - 1) > 0.02 * 20


def test_normal_fill_rate_reorder_level_matches_chopra_meindl() -> None:
    demand = normal_demand(2500, 500, 2, 0)
    assert reorder_level(demand, 0.975, "fill_rate", 10_000) == pytest.approx(5067, abs=1)


def test_reorder_level_refuses_unknown_targets() -> None:
    demand = normal_demand(5, 2, 3, 0)
    with pytest.raises(ValueError, match="service type"):
        reorder_level(demand, 0.95, "type_3", 10)
    with pytest.raises(ValueError, match="order quantity"):
        reorder_level(demand, 0.95, "fill_rate", 0)
