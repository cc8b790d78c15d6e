"""The demo's demand: each SKU's series shows its target class, the shares hold at the demo's
sizes, and the calendar (launches, promotions, weekends, seasons) is visible in the units."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from forecasting.demand_classes import class_shares, classify_demand
from pipelines.demo_demand import DemandConfig, DemandSet, generate_demand

DEFAULT = DemandConfig()


@pytest.fixture(scope="module")
def demand() -> DemandSet:
    return generate_demand(DEFAULT)


@pytest.mark.parametrize("skus, days", [(300, 730), (40, 120)])
@pytest.mark.parametrize("seed", [7, 11, 29])
def test_measured_classes_match_the_targets_within_the_tolerance(
    skus: int, days: int, seed: int
) -> None:
    config = DemandConfig(skus=skus, days=days, seed=seed)
    demand = generate_demand(config)
    classes = classify_demand(demand.to_long()).set_index("unique_id").loc[demand.skus["sku"]]
    shares = class_shares(classes)
    for demand_class, target in config.class_shares.items():
        assert abs(shares[demand_class] - target) <= config.share_tolerance, demand_class
    matching = classes["demand_class"].to_numpy() == demand.skus["target_class"].to_numpy()
    assert matching.mean() >= 0.9


def test_the_arrays_have_the_documented_shapes_and_types(demand: DemandSet) -> None:
    assert demand.units.shape == demand.price_factor.shape == (300, 730)
    assert (demand.units.dtype, demand.price_factor.dtype) == (np.int32, np.float32)
    assert demand.dates[0] == pd.Timestamp("2024-11-27")
    assert demand.dates[-1] == pd.Timestamp("2026-11-26")
    assert demand.skus.index.tolist() == list(range(300))
    assert demand.skus["sku"].is_unique
    assert demand.skus["sku"].str.fullmatch(r"[A-Z]{3}-\d{6}").all()
    assert (demand.units >= 0).all()


def test_the_same_seed_draws_the_same_demand_and_another_seed_differs(
    demand: DemandSet,
) -> None:
    again = generate_demand(DEFAULT)
    np.testing.assert_array_equal(again.units, demand.units)
    np.testing.assert_array_equal(again.price_factor, demand.price_factor)
    pd.testing.assert_frame_equal(again.skus, demand.skus)
    other = generate_demand(DemandConfig(seed=DEFAULT.seed + 1))
    assert not np.array_equal(other.units, demand.units)


def test_nothing_sells_before_launch_or_after_discontinuation(demand: DemandSet) -> None:
    active = demand.active()
    assert (demand.units[~active] == 0).all()
    assert (demand.price_factor[~active] == 1).all()
    launched = demand.skus["launch_day"] > 0
    ended = demand.skus["end_day"] < len(demand.dates)
    assert launched.sum() == round(DEFAULT.launch_share * DEFAULT.skus)
    assert ended.sum() == round(DEFAULT.discontinue_share * DEFAULT.skus)
    assert (demand.units[launched.to_numpy()].sum(axis=0) > 0).any()


def test_the_long_frame_holds_each_active_day_once(demand: DemandSet) -> None:
    long = demand.to_long()
    assert list(long.columns) == ["unique_id", "ds", "y"]
    assert len(long) == demand.active().sum()
    assert not long.duplicated(["unique_id", "ds"]).any()
    latest_launch = demand.skus.loc[demand.skus["launch_day"].idxmax()]
    days = long[long["unique_id"] == latest_launch["sku"]]["ds"]
    assert days.min() == demand.dates[latest_launch["launch_day"]]
    assert long["y"].sum() == demand.units.sum()


def test_promotion_days_sell_more_than_other_days_of_the_same_skus(demand: DemandSet) -> None:
    active = demand.active()
    promotion = active & (demand.price_factor < 1)
    promoted = promotion.any(axis=1)
    on_promotion = demand.units[promoted][promotion[promoted]].mean()
    at_list_price = demand.units[promoted][(active & ~promotion)[promoted]].mean()
    assert on_promotion > 1.5 * at_list_price
    factors = demand.price_factor[promotion]
    assert factors.min() >= 0.70 - 1e-6 and factors.max() <= 0.85 + 1e-6


def test_smooth_skus_sell_more_at_weekends_by_the_weekend_factor(demand: DemandSet) -> None:
    smooth = (demand.skus["target_class"] == "smooth").to_numpy()
    units, active = demand.units[smooth], demand.active()[smooth]
    weekend = demand.dates.dayofweek.to_numpy() >= 5
    weekend_mean = units[:, weekend].sum() / active[:, weekend].sum()
    weekday_mean = units[:, ~weekend].sum() / active[:, ~weekend].sum()
    assert weekend_mean / weekday_mean == pytest.approx(DEFAULT.weekend_factor, abs=0.05)


def test_outdoor_sells_most_in_june_and_electronics_in_december(demand: DemandSet) -> None:
    category = demand.skus["category"].to_numpy()
    month = demand.dates.month.to_numpy()

    def daily_units(name: str, month_number: int) -> float:
        return float(demand.units[category == name][:, month == month_number].mean())

    assert daily_units("outdoor", 6) > 1.5 * daily_units("outdoor", 12)
    assert daily_units("electronics", 12) > 1.5 * daily_units("electronics", 6)


def test_a_history_shorter_than_four_weeks_is_refused() -> None:
    with pytest.raises(ValueError):
        DemandConfig(days=14)
