"""The policy simulator on tiny hand-checked cases (rules in optimization.simulation)."""

from __future__ import annotations

import numpy as np
import pytest

from optimization.simulation import (
    LeadTimeSampler,
    Policy,
    draw_lead_times,
    series_results,
    simulate,
    simulate_panel,
    total_result,
)

FIXED_ONE = LeadTimeSampler(1)


def test_steady_demand_with_a_fixed_lead_time_gives_the_hand_counted_stock() -> None:
    # On hand 8, s=4, S=8, 2 a day, lead time 1: orders of 4 on days 2, 4, 6, 8 arriving the
    # next day; end-of-day stock 6 4 2 4 2 4 2 4 2 4.
    result = simulate(np.full(10, 2.0), Policy(4, 8), FIXED_ONE, 1.5, 8, seed=0, trace=True)
    assert result.fill_rate == 1.0
    assert result.cycle_service == 1.0
    assert result.average_inventory_units == pytest.approx(3.4)
    assert result.average_inventory_value == pytest.approx(5.1)
    assert (result.orders, result.stockout_days, result.periods) == (4, 0, 10)
    assert result.trace is not None
    assert result.trace["on_hand"].tolist() == [6, 4, 2, 4, 2, 4, 2, 4, 2, 4]
    assert result.trace["ordered"].tolist() == [0, 0, 4, 0, 4, 0, 4, 0, 4, 0]


def test_a_shortage_waits_as_a_backorder_and_the_receipt_fills_it_first() -> None:
    # On hand 2, demand 4 on day 1: 2 served, 2 wait. Day 2: position -2 <= 1, order 7 due
    # day 4, which clears the 2 and leaves 5.
    demand = np.array([0, 4, 0, 0, 0, 0], float)
    result = simulate(demand, Policy(1, 5), LeadTimeSampler(2), 1.0, 2, seed=0, trace=True)
    assert result.trace is not None
    assert result.trace["backorders"].tolist() == [0, 2, 2, 2, 0, 0]
    assert result.trace["on_hand"].tolist() == [2, 0, 0, 0, 5, 5]
    assert result.fill_rate == 0.5  # backorders filled later do not count
    assert result.stockout_days == 3
    assert result.orders == 1
    assert result.cycle_service == 0.5  # of two cycles split by the receipt, the first was short
    assert result.average_inventory_units == pytest.approx(2.0)


def test_orders_are_raised_to_the_moq_then_rounded_up_to_whole_packs() -> None:
    demand = np.full(20, 5.0)
    moq = simulate(demand, Policy(10, 13, moq=20, pack_size=6), LeadTimeSampler(0), 1, 13, 0, True)
    pack = simulate(demand, Policy(10, 40, pack_size=12), LeadTimeSampler(0), 1, 0, 0, True)
    assert moq.trace is not None and pack.trace is not None
    assert set(moq.trace["ordered"]) == {0, 24}  # gap 5 -> MOQ 20 -> 4 packs of 6
    assert pack.trace["ordered"][0] == 48  # gap 40 -> 4 packs of 12
    assert set(pack.trace["ordered"] % 12) == {0}


def test_a_zero_lead_time_delivers_before_the_days_demand() -> None:
    result = simulate(np.full(5, 3.0), Policy(0, 3), LeadTimeSampler(0), 1, 0, seed=0)
    assert result.fill_rate == 1.0
    assert result.average_inventory_units == 0.0
    assert result.orders == 5


def test_orders_are_placed_only_on_review_days() -> None:
    result = simulate(np.full(12, 1.0), Policy(3, 6, review_period=4), FIXED_ONE, 1, 6, 0, True)
    assert result.trace is not None
    ordered_on = np.flatnonzero(result.trace["ordered"].to_numpy())
    assert ordered_on.tolist() == [4, 8]
    assert set(ordered_on % 4) == {0}


def test_no_demand_means_no_orders_and_full_service() -> None:
    result = simulate(np.zeros(30), Policy(0, 0), LeadTimeSampler(5, 2), 2.0, 7, seed=3)
    assert (result.fill_rate, result.cycle_service) == (1.0, 1.0)
    assert (result.orders, result.stockout_days) == (0, 0)
    assert result.average_inventory_value == pytest.approx(14.0)


def test_the_same_seed_replays_the_same_lead_times_and_another_seed_does_not() -> None:
    demand = np.random.default_rng(5).poisson(4, 200).astype(float)
    lead_times = LeadTimeSampler(6, 3)
    runs = [simulate(demand, Policy(20, 45), lead_times, 1, 45, seed, True) for seed in (1, 1, 2)]
    assert runs[0] == runs[1]
    assert runs[0].trace is not None and runs[1].trace is not None and runs[2].trace is not None
    assert runs[0].trace.equals(runs[1].trace)
    assert not runs[0].trace["received"].equals(runs[2].trace["received"])


def test_the_gamma_sampler_keeps_its_mean_and_the_bootstrap_only_observed_values() -> None:
    rng = np.random.default_rng(0)
    gamma = LeadTimeSampler(10, 3).draw(rng, (20_000,))
    assert gamma.mean() == pytest.approx(10, abs=0.1)
    assert gamma.std() == pytest.approx(3, abs=0.1)
    assert set(LeadTimeSampler(4).draw(rng, (50,))) == {4}
    observed = LeadTimeSampler.from_observed([7, 9, 9, 30])
    assert set(observed.draw(rng, (500,))) == {7, 9, 30}
    assert observed.mean == pytest.approx(13.75)
    assert observed.sd == pytest.approx(np.std([7, 9, 9, 30], ddof=1))


def test_a_panel_replays_each_series_as_alone_and_pools_the_totals() -> None:
    rng = np.random.default_rng(9)
    demand = rng.poisson([[1.0], [6.0], [0.2]], (3, 90)).astype(float)
    policies = [Policy(3, 6), Policy(30, 50, review_period=7, moq=12, pack_size=6), Policy(0, 2)]
    lead_times = draw_lead_times([LeadTimeSampler(4, 2)] * 3, 90, seed=4)
    outcome = simulate_panel(demand, policies, lead_times, [1.0, 2.0, 3.0], [6, 50, 2])
    alone = [
        simulate_panel(demand[[row]], [policies[row]], lead_times[[row]], [cost], [start])
        for row, cost, start in zip(range(3), (1.0, 2.0, 3.0), (6, 50, 2), strict=True)
    ]
    assert series_results(outcome) == [series_results(one)[0] for one in alone]
    total = total_result(outcome)
    assert total.fill_rate == pytest.approx(outcome.served.sum() / demand.sum())
    assert total.average_inventory_value == pytest.approx(
        sum(r.average_inventory_value for r in series_results(outcome))
    )
    assert total.orders == sum(r.orders for r in series_results(outcome))


def test_a_replan_takes_over_from_its_period_on() -> None:
    demand = np.ones((1, 8))
    lead_times = np.ones((1, 8), np.int64)
    keep_selling = [Policy(0, 0)]  # orders nothing while stock lasts
    outcome = simulate_panel(demand, keep_selling, lead_times, [1.0], [5], [(3, [Policy(10, 20)])])
    later = simulate_panel(demand[:, 3:], [Policy(10, 20)], lead_times[:, 3:], [1.0], [2])
    assert outcome.orders.tolist() == [1]  # 20 - 2 = 18 units ordered in period 3, arriving at 4
    assert outcome.average_on_hand[0] == pytest.approx((4 + 3 + 2 + 1 + 18 + 17 + 16 + 15) / 8)
    assert later.served.sum() + 3 == outcome.served.sum()


def test_a_warm_up_is_replayed_but_not_measured() -> None:
    # The hand-counted steady case: end-of-day stock 6 4 2 4 2 | 4 2 4 2 4 after a warm-up of 5.
    demand, lead_times = np.full((1, 10), 2.0), np.ones((1, 10), np.int64)
    outcome = simulate_panel(demand, [Policy(4, 8)], lead_times, [1.0], [8], measure_from=5)
    result = series_results(outcome)[0]
    assert result.periods == 5
    assert result.average_inventory_units == pytest.approx(16 / 5)
    assert result.orders == 2  # days 6 and 8
    assert outcome.demand.tolist() == [10.0]


def test_bad_policies_and_lead_times_are_refused() -> None:
    with pytest.raises(ValueError, match="below the reorder point"):
        Policy(10, 5)
    with pytest.raises(ValueError, match="pack size"):
        Policy(1, 5, pack_size=0)
    with pytest.raises(ValueError, match="whole periods"):
        LeadTimeSampler.from_observed([1.5, 2])
    with pytest.raises(ValueError, match=">= 0"):
        simulate(np.array([1.0, -1.0]), Policy(0, 1), FIXED_ONE, 1, 0, 0)
