"""The textbook policies reproduce published worked examples.

FoSCT = Snyder & Shen, "Fundamentals of Supply Chain Theory", 2nd ed., Wiley 2019; the answers
are the ones the book prints (also quoted in the author's stockpyl tests and docstrings).
Zheng & Federgruen (1991), Operations Research 39(4), Table 1: h = 1, p = 9, K = 64.
Chopra & Meindl, "Supply Chain Management: Strategy, Planning, and Operation", 6th ed.,
Pearson 2016, ch. 12 (safety inventory).
"""

from __future__ import annotations

import pytest

from optimization.policy import (
    cycle_service_factor,
    eoq,
    fill_rate_factor,
    newsvendor_normal,
    newsvendor_poisson,
    rq_policy,
    safety_stock,
    ss_policy_poisson,
    standard_normal_loss,
)


def test_eoq_matches_fosct_example_3_1() -> None:
    # K = 8, h = 0.75 x 0.30 per year, lambda = 1300 per year
    quantity, cost = eoq(fixed_cost=8, holding_cost=0.225, demand_rate=1300)
    assert quantity == pytest.approx(304.05, abs=0.01)
    assert cost == pytest.approx(68.41, abs=0.01)


def test_normal_newsvendor_matches_fosct_example_4_3() -> None:
    level, cost = newsvendor_normal(holding_cost=0.18, stockout_cost=0.70, mean=50, sd=8)
    assert level == pytest.approx(56.60, abs=0.01)
    assert cost == pytest.approx(1.9976, abs=1e-4)


def test_base_stock_with_lead_time_covers_l_plus_one_periods_fosct_example_4_4() -> None:
    level, cost = newsvendor_normal(0.18, 0.70, mean=50, sd=8, lead_time=4)
    assert level == pytest.approx(264.77, abs=0.01)
    assert cost == pytest.approx(4.4668, abs=1e-4)


@pytest.mark.parametrize(
    ("holding", "stockout", "mean", "level", "cost"),
    [(1, 4, 6, 8, 3.5701), (200, 270, 18, 19, 786.09)],
    ids=["FoSCT Example 4.7 without K", "FoSCT Problem 4.8(a)"],
)
def test_poisson_newsvendor_matches_fosct(
    holding: float, stockout: float, mean: float, level: int, cost: float
) -> None:
    found_level, found_cost = newsvendor_poisson(holding, stockout, mean)
    assert found_level == level
    assert found_cost == pytest.approx(cost, abs=0.01)


@pytest.mark.parametrize(
    ("holding", "stockout", "fixed", "mean", "policy", "cost"),
    [(1, 4, 5, 6, (4, 10), 8.0341), (40, 125, 150, 4, (2, 7), 223.5748)],
    ids=["FoSCT Example 4.7", "FoSCT Problem 4.31"],
)
def test_exact_ss_policy_matches_fosct(
    holding: float, stockout: float, fixed: float, mean: float, policy: tuple, cost: float
) -> None:
    reorder, order_up_to, found_cost = ss_policy_poisson(holding, stockout, fixed, mean)
    assert (reorder, order_up_to) == policy
    assert found_cost == pytest.approx(cost, abs=1e-4)


ZHENG_FEDERGRUEN_TABLE = [  # mean, s*, S*, cost per period
    (10, 6, 40, 35.022),
    (15, 10, 49, 42.698),
    (20, 14, 62, 49.173),
    (25, 19, 56, 54.262),
    (30, 23, 66, 57.819),
    (35, 28, 77, 61.215),
    (40, 33, 87, 64.512),
    (45, 37, 97, 67.776),
    (50, 42, 108, 70.975),
    (55, 47, 118, 74.149),
    (60, 52, 129, 77.306),
    (65, 56, 75, 78.518),
    (70, 62, 81, 79.037),
    (75, 67, 86, 79.554),
    (21, 15, 65, 50.406),
    (22, 16, 68, 51.632),
    (23, 17, 52, 52.757),
    (24, 18, 54, 53.518),
    (51, 43, 110, 71.611),
    (52, 44, 112, 72.246),
    (59, 51, 126, 76.679),
    (61, 52, 131, 77.929),
    (63, 54, 73, 78.287),
    (64, 55, 74, 78.402),
]


@pytest.mark.parametrize(("mean", "reorder", "order_up_to", "cost"), ZHENG_FEDERGRUEN_TABLE)
def test_exact_ss_policy_matches_zheng_federgruen_1991_table(
    mean: int, reorder: int, order_up_to: int, cost: float
) -> None:
    found = ss_policy_poisson(holding_cost=1, stockout_cost=9, fixed_cost=64, mean=mean)
    assert found[:2] == (reorder, order_up_to)
    assert found[2] == pytest.approx(cost, abs=1e-3)


@pytest.mark.parametrize(
    ("parameters", "expected"),
    [
        ((0.225, 7.5, 8, 1300, 150, 1 / 12), (213.97, 318.59, 95.45)),
        ((3.1, 45, 50, 800, 40, 4 / 365), (17.97, 162.12, 531.12)),
        ((1.5 / 7, 40, 85, 192, 17.4, 3), (644.84, 400.76, 100.63)),
    ],
    ids=["FoSCT Example 5.2", "FoSCT Problem 5.1(a)", "FoSCT Problem 5.3(a)"],
)
def test_rq_expected_inventory_level_approximation_matches_fosct(
    parameters: tuple, expected: tuple
) -> None:
    assert rq_policy(*parameters) == pytest.approx(expected, abs=0.01)


def test_safety_stock_with_lead_time_variability_matches_chopra_meindl() -> None:
    # B&M Computer World: daily demand N(2500, 500), lead time 7 days with sd 7 days, CSL 90%:
    # sigma_L = sqrt(7 x 500^2 + 2500^2 x 7^2) = 17,550 and safety inventory 22,491.
    assert safety_stock(0.90, 2500, 500, 7, 7) == pytest.approx(22_491, abs=1)


def test_safety_stock_without_lead_time_variability_is_z_sd_sqrt_l() -> None:
    assert safety_stock(0.95, 10, 4, 9, 0) == pytest.approx(1.644854 * 4 * 3, abs=1e-5)


def test_fill_rate_factor_matches_chopra_meindl_safety_inventory_for_a_fill_rate() -> None:
    # Weekly demand N(2500, 500), lead time 2 weeks, lot size 10,000, fill rate 97.5%:
    # ESC = 250 units per cycle and a safety inventory of 67 units.
    sigma = 500 * 2**0.5
    k = fill_rate_factor(fill_rate=0.975, order_qty=10_000, sd=sigma)
    assert sigma * standard_normal_loss(k) == pytest.approx(250, abs=1e-6)
    assert k * sigma == pytest.approx(67, abs=1)


def test_standard_normal_loss_matches_the_table() -> None:
    # G(0) = phi(0); G(1) = 0.0833 and G(2) = 0.0085 (Silver, Pyke & Thomas 2017, appendix)
    assert standard_normal_loss(0.0) == pytest.approx(0.3989, abs=1e-4)
    assert standard_normal_loss(1.0) == pytest.approx(0.0833, abs=1e-4)
    assert standard_normal_loss(2.0) == pytest.approx(0.0085, abs=1e-4)


def test_cycle_service_factor_is_the_normal_quantile() -> None:
    assert cycle_service_factor(0.95) == pytest.approx(1.6449, abs=1e-4)


@pytest.mark.parametrize("level", [0.0, 1.0, 1.5, -0.1])
def test_a_service_level_outside_zero_one_is_refused(level: float) -> None:
    with pytest.raises(ValueError, match="service level"):
        safety_stock(level, 10, 2, 5, 1)


def test_negative_costs_are_refused() -> None:
    with pytest.raises(ValueError, match="holding cost"):
        eoq(fixed_cost=8, holding_cost=-1, demand_rate=100)
    with pytest.raises(ValueError):
        ss_policy_poisson(1, 9, 0, 10)
