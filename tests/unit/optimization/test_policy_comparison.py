"""Keel against the static reorder point on a small panel (optimization.policy_comparison)."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from optimization.held_out import split_panel
from optimization.lead_time_sampler import LeadTimeSampler
from optimization.policy_comparison import (
    ComparisonSetup,
    compare_policies,
    compare_prepared,
    matching_factor,
    prepare,
)
from optimization.policy_inputs import (
    PanelTerms,
    average_demand,
    baseline_policies,
    expected_fill_rate_target,
    service_levels,
)
from optimization.replenishment.service_classes import DEFAULT_TARGETS
from tests.unit.generated_demand import intermittent, trending


def small_panel() -> pd.DataFrame:
    """Four steady and four intermittent monthly series of 36 months, and one that stops a
    month early (it lacks a held-out month)."""
    steady = trending(4, 36, freq="MS")
    rare = intermittent(4, 36, chance=0.5, freq="MS")
    short = trending(1, 35, freq="MS", seed=8).assign(unique_id="short")
    return pd.concat([steady, rare, short], ignore_index=True)


def panel_terms(ids: list[str], target: float = 0.9) -> PanelTerms:
    terms = pd.DataFrame(
        {"unit_cost": 2.0, "moq": 0, "pack_size": 1, "lane": "sea"}, index=pd.Index(ids)
    )
    return PanelTerms(terms, {"sea": LeadTimeSampler(1.0, 0.5)}, 1, target)


def test_keel_and_the_baseline_are_replayed_on_the_same_held_out_year() -> None:
    panel = small_panel()
    setup = ComparisonSetup(
        "MS", 12, baseline_window=12, forecaster={"selection_horizon": 3, "n_jobs": 1}
    )
    comparison = compare_policies(panel, panel_terms(list(panel["unique_id"].unique())), setup)
    assert (comparison.series, comparison.dropped) == (8, 1)
    table = comparison.table()
    assert list(table.index) == ["keel", "baseline, same fill rate", "baseline, common factor"]
    assert table["fill_rate"].between(0, 1).all()
    assert table["cycle_service"].between(0, 1).all()
    assert (table["average_inventory_value"] > 0).all()
    assert (table["orders"] > 0).all()
    keel, matched = comparison.keel, comparison.matched
    assert keel.fill_rate > 0.5
    assert matched.factor is not None and matched.factor > 0
    assert keel.fill_rate <= matched.fill_rate <= keel.fill_rate + setup.tolerance
    assert comparison.common.factor == 1.5
    assert comparison.saving == pytest.approx(
        1 - keel.average_inventory_value / matched.average_inventory_value
    )
    assert set(comparison.by_class.index) <= {"smooth", "erratic", "intermittent", "lumpy"}


def test_re_planning_sets_each_plan_from_the_rows_before_it() -> None:
    panel = small_panel()
    forecaster = {"selection_horizon": 3, "n_jobs": 1}
    setup = ComparisonSetup(
        "MS", 12, baseline_window=6, replan_every=4, forecaster=forecaster, warm_up=3
    )
    held = prepare(panel, setup)
    assert [plan.start for plan in held.plans] == [0, 4, 8]
    assert held.warm_up.shape == (8, 3)
    assert held.warm_up.columns.max() < held.demand.columns.min()
    for plan in held.plans:
        assert plan.training["ds"].max() < held.demand.columns[plan.start]
        assert list(plan.forecast.index) == list(held.demand.index)
    assert held.plans[2].training["ds"].max() == held.demand.columns[7]
    comparison = compare_prepared(held, panel_terms(list(held.demand.index)), setup)
    assert 0.5 < comparison.keel.fill_rate <= 1
    assert comparison.keel.fill_rate <= comparison.matched.fill_rate


def test_bisection_finds_the_smallest_factor_reaching_the_fill_rate() -> None:
    calls: list[float] = []

    def fill_rate_at(factor: float) -> float:
        calls.append(factor)
        return min(1.0, factor / 4)

    factor = matching_factor(fill_rate_at, 0.6, tolerance=0.001)
    assert 0.6 <= fill_rate_at(factor) <= 0.601
    assert factor == pytest.approx(2.4, abs=0.004)
    assert matching_factor(lambda factor: 0.97, 0.95, 0.001) == 0.0
    with pytest.raises(ValueError, match="reaches a fill rate"):
        matching_factor(lambda factor: 0.5, 0.95, 0.001)


def test_the_split_keeps_series_with_every_held_out_period_and_some_training() -> None:
    panel = small_panel()
    late = trending(1, 36, freq="MS").assign(unique_id="late")
    panel = pd.concat([panel, late[late["ds"] >= late["ds"].iloc[-6]]])
    training, held_out, dropped = split_panel(panel, 12)
    assert dropped == 2  # "short" lacks the last month, "late" has no training month
    assert held_out.shape == (8, 12)
    assert training["ds"].max() < held_out.columns.min()
    assert set(training["unique_id"]) == set(held_out.index)


def test_the_baseline_reorder_point_is_average_demand_times_lead_time_times_factor() -> None:
    dates = pd.date_range("2024-01-01", periods=6, freq="MS")
    training = pd.DataFrame({"unique_id": "a", "ds": dates, "y": [9.0, 9, 1, 2, 3, 2]})
    average = average_demand(training, pd.Index(["a", "none"]), window=4)
    assert average.tolist() == [2.0, 0.0]
    terms = panel_terms(["a", "none"])
    lanes = {"sea": LeadTimeSampler(3.0)}
    policies = baseline_policies(average, PanelTerms(terms.terms, lanes, 2, 0.9), factor=1.5)
    assert (policies[0].reorder_point, policies[0].order_up_to) == (9.0, 13.0)
    assert policies[0].review_period == 2
    assert (policies[1].reorder_point, policies[1].order_up_to) == (0.0, 0.0)
    assert np.isfinite([p.order_up_to for p in policies]).all()


def test_abc_xyz_targets_follow_value_and_variability_and_weight_the_panel_target() -> None:
    dates = pd.date_range("2024-01-01", periods=4, freq="MS")
    history = {"big_steady": [100.0] * 4, "big_wild": [0, 300, 0, 100], "small": [0.0, 0, 4, 0]}
    training = pd.concat(
        pd.DataFrame({"unique_id": uid, "ds": dates, "y": y}) for uid, y in history.items()
    )
    forecast = pd.DataFrame({"mean": [100.0, 100.0, 1.0], "sd": 1.0}, index=list(history))
    terms = replace(panel_terms(list(history)), service_classes=DEFAULT_TARGETS)
    levels = service_levels(training, forecast, terms)
    assert levels.to_dict() == {"big_steady": 0.98, "big_wild": 0.95, "small": 0.85}
    expected = (0.98 * 100 + 0.95 * 100 + 0.85 * 1) / 201
    assert expected_fill_rate_target(training, forecast, terms) == pytest.approx(expected)
    one_target = panel_terms(list(history), target=0.9)
    assert expected_fill_rate_target(training, forecast, one_target) == pytest.approx(0.9)
