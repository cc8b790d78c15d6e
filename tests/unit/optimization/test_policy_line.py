"""One line's suggestion: the order-up-to arithmetic, MOQ and pack rounding, the reason, the
count-demand rule for intermittent series, and the options handed to the constraint solver."""

from __future__ import annotations

import math
import time
from dataclasses import replace
from statistics import NormalDist

import numpy as np
import pytest

from optimization.policy import normal_demand
from optimization.replenishment.order_rounding import order_steps, round_order
from optimization.replenishment.policy_line import (
    COVER_CAP_DAYS,
    SkuPosition,
    days_of_cover,
    options,
    suggest,
)

LINE = SkuPosition(
    key=("SKU-1", "DC-1"), supplier="ACME", unit_cost=2.5, daily_demand=1.5, daily_sd=1.2,
    demand_class="smooth", history=(), lead_time_mean=7, lead_time_sd=1.5,
    lead_time_source="receipts", review_period=7, available=14, inbound=3, reserved=2,
    backorders=3, moq=0, pack_size=12, service_level=0.97, service_type="cycle",
)  # fmt: skip


def _sales(seed: int, days: int, chance: float, lumpy: bool) -> np.ndarray:
    """A sale with probability `chance` a day, of 1 + Poisson(1) units, or for lumpy demand
    1 + a geometric number with mean 4: mean 2 x chance or 5 x chance a day."""
    rng = np.random.default_rng(seed)
    sells = rng.random(days) < chance
    size = rng.negative_binomial(1, 0.2, days) + 1 if lumpy else 1 + rng.poisson(1.0, days)
    return (sells * size).astype(float)


def _count_line(history: np.ndarray, daily: float, target: float, lumpy: bool) -> SkuPosition:
    return replace(
        LINE, daily_demand=daily, daily_sd=float(history.std()), history=tuple(history),
        demand_class="lumpy" if lumpy else "intermittent", lead_time_sd=0.0, pack_size=1,
        service_level=target,
    )  # fmt: skip


def test_a_line_below_its_reorder_point_orders_up_to_level_rounded_to_the_pack() -> None:
    s = suggest(LINE)
    sd = math.sqrt(14 * 1.2**2 + 1.5**2 * 1.5**2)  # T sd_d^2 + d^2 sd_L^2, T = 7 + 7
    reorder = 21 + NormalDist().inv_cdf(0.97) * sd
    assert s.position == 12  # 14 + 3 - 2 - 3
    assert (s.demand_over_protection, s.protection_days) == (21, 14)
    assert s.reorder_point == pytest.approx(reorder)
    assert s.safety_stock == pytest.approx(reorder - 21)
    assert s.order_up_to == pytest.approx(reorder + 1.5 * 7)
    assert s.raw_qty == pytest.approx(reorder + 10.5 - 12)
    assert (s.qty, s.rounding, s.cost) == (36, "rounded up to pack 12", 90.0)
    assert (s.cover_days_before, s.cover_days_after) == (8.0, 32.0)
    assert s.safety_method.startswith("normal: z*sqrt(")


def test_the_reason_tells_the_whole_story() -> None:
    assert suggest(LINE).reason == (
        "position 12 is at or below the reorder point 30.4 (demand over 14 days 21.0 + safety "
        "stock 9.4, normal, 97% cycle service; lead time 7 days from receipts, review 7 days); "
        "ordering 36 (rounded up to pack 12) brings cover from 8.0 to 32.0 days"
    )


def test_a_line_above_its_reorder_point_orders_nothing_and_says_so() -> None:
    s = suggest(replace(LINE, available=60))
    assert (s.qty, s.cost, s.rounding, s.raw_qty) == (0, 0.0, "none", 0.0)
    assert s.reason.startswith("position 58 is above the reorder point 30.4")
    assert s.reason.endswith("no order needed, cover 38.7 days")
    assert s.stockout_risk == s.stockout_risk_without


@pytest.mark.parametrize(
    ("moq", "pack", "qty", "rounding"),
    [
        (50, 1, 50, "raised to MOQ 50"),
        (50, 12, 60, "raised to MOQ 50 and pack 12"),
        (48, 12, 48, "raised to MOQ 48"),
        (0, 1, 29, "rounded up to whole units"),
    ],
)
def test_orders_respect_moq_and_pack(moq: int, pack: int, qty: int, rounding: str) -> None:
    s = suggest(replace(LINE, moq=moq, pack_size=pack))
    assert (s.qty, s.rounding) == (qty, rounding)
    assert f"ordering {qty} ({rounding})" in s.reason


def test_rounding_leaves_a_whole_pack_need_alone() -> None:
    assert round_order(36.0, 0, 12) == (36, "none")
    assert round_order(36.0000000001, 0, 12) == (36, "none")
    assert round_order(0.0, 50, 12) == (0, "none")


def test_every_suggestion_is_zero_or_an_accepted_quantity_covering_the_need() -> None:
    rng = np.random.default_rng(5)
    for _ in range(300):
        line = replace(
            LINE, daily_demand=float(rng.uniform(0, 30)), available=int(rng.integers(-20, 300)),
            moq=int(rng.integers(0, 80)), pack_size=int(rng.choice([1, 5, 12, 24])),
            demand_class=str(rng.choice(["smooth", "erratic", "intermittent", "lumpy"])),
            service_type=str(rng.choice(["cycle", "fill_rate"])),
        )  # fmt: skip
        s = suggest(line)
        assert s.qty >= 0
        if s.qty:
            assert s.qty >= line.moq and s.qty % line.pack_size == 0
            assert s.raw_qty <= s.qty < max(s.raw_qty, line.moq) + line.pack_size
            assert s.stockout_risk <= s.stockout_risk_without


def test_the_same_line_gives_the_same_suggestion() -> None:
    line = _count_line(_sales(3, 400, 0.2, lumpy=True), 1.0, 0.95, lumpy=True)
    assert suggest(line) == suggest(line)
    assert suggest(LINE).reason == suggest(LINE).reason


def test_a_fill_rate_target_lets_a_typical_order_run_short_by_its_share() -> None:
    s = suggest(replace(LINE, service_type="fill_rate", service_level=0.98))
    typical_order = max(1.5 * 7, LINE.pack_size)
    assert s.distribution.expected_shortage(s.reorder_point) == pytest.approx(0.02 * typical_order)
    assert "98% fill rate" in s.reason


def test_cover_is_capped_when_nothing_sells_and_zero_without_stock() -> None:
    assert days_of_cover(10, 0.0) == COVER_CAP_DAYS
    assert days_of_cover(-4, 2.0) == 0.0
    assert days_of_cover(1_000_000, 0.01) == COVER_CAP_DAYS
    idle = suggest(replace(LINE, daily_demand=0.0, daily_sd=0.0, lead_time_sd=0.0))
    assert (idle.qty, idle.cover_days_before) == (0, COVER_CAP_DAYS)


def test_backorders_on_a_line_without_demand_are_still_covered() -> None:
    s = suggest(
        replace(LINE, daily_demand=0, daily_sd=0, available=0, inbound=0, reserved=0, backorders=5)
    )
    assert (s.position, s.qty) == (-5, 12)


def test_intermittent_lines_use_a_negative_binomial_from_the_history() -> None:
    s = suggest(_count_line(_sales(1, 730, 0.15, lumpy=True), 0.75, 0.95, lumpy=True))
    assert s.distribution.method == "negative_binomial"
    assert s.safety_method == "negative binomial quantile"
    assert s.distribution.sd**2 > s.distribution.mean  # the history's over-dispersion
    short = replace(LINE, demand_class="intermittent", history=(0.0, 1.0), lead_time_sd=0.0)
    assert suggest(short).distribution.method == "poisson"
    assert suggest(replace(short, lead_time_sd=2.0)).distribution.method == "negative_binomial"


@pytest.mark.parametrize("lumpy", [False, True], ids=["intermittent", "lumpy"])
@pytest.mark.parametrize("target", [0.90, 0.95, 0.98])
def test_the_count_quantile_reaches_its_cycle_service_on_intermittent_demand(
    lumpy: bool, target: float
) -> None:
    # 2 years of history per series, 10 series; service measured on 50,000 fresh 14-day windows
    daily = 0.15 * (5.0 if lumpy else 2.0)
    future = _sales(99, 14 * 50_000, 0.15, lumpy).reshape(-1, 14).sum(axis=1)
    achieved = [
        (future <= suggest(_count_line(_sales(seed, 730, 0.15, lumpy), daily, target, lumpy))
         .reorder_point).mean()
        for seed in range(10)
    ]  # fmt: skip
    assert target - 0.015 <= np.mean(achieved) <= target + 0.03


def test_on_sparse_demand_the_normal_falls_short_where_the_count_quantile_does_not() -> None:
    history, future = _sales(1, 730, 0.05, False), _sales(2, 14 * 50_000, 0.05, False)
    windows = future.reshape(-1, 14).sum(axis=1)
    count = suggest(_count_line(history, 0.1, 0.98, lumpy=False)).reorder_point
    normal = normal_demand(0.1, float(history.std()), 7, 0, 7).quantile(0.98)
    assert (windows <= count).mean() >= 0.98
    assert (windows <= normal).mean() < 0.97


def test_options_run_from_zero_through_the_smallest_order_to_the_suggestion() -> None:
    s = suggest(replace(LINE, available=-200, moq=30, pack_size=12))
    found = options(s, max_options=6)
    quantities = [qty for qty, _ in found]
    assert quantities[:2] == [0, 36] and quantities[-1] == s.qty and len(found) == 6
    assert all(qty % 12 == 0 for qty in quantities)
    losses = [loss for _, loss in found]
    assert all(a >= b for a, b in zip(losses, losses[1:], strict=False))
    assert losses[0] == pytest.approx(s.distribution.expected_shortage(s.position))


def test_options_list_every_pack_when_they_fit_and_only_zero_without_an_order() -> None:
    assert order_steps(moq=0, pack_size=12, up_to=48, max_steps=12) == [0, 12, 24, 36, 48]
    assert order_steps(moq=30, pack_size=12, up_to=0, max_steps=12) == [0]
    spread = order_steps(moq=10, pack_size=1, up_to=1000, max_steps=5)
    assert spread == [0, 10, 340, 670, 1000]
    assert options(suggest(replace(LINE, available=60))) == [
        (0, pytest.approx(suggest(replace(LINE, available=60)).distribution.expected_shortage(58)))
    ]


def test_bad_lines_are_refused_in_business_words() -> None:
    with pytest.raises(ValueError, match="service level"):
        replace(LINE, service_level=1.0)
    with pytest.raises(ValueError, match="pack size"):
        replace(LINE, pack_size=0)
    with pytest.raises(ValueError, match="service type"):
        replace(LINE, service_type="type_3")
    with pytest.raises(ValueError, match="lead time"):
        replace(LINE, lead_time_mean=-1.0)


def test_a_thousand_lines_are_suggested_well_within_a_second() -> None:
    history = tuple(_sales(4, 365, 0.2, lumpy=True))
    lines = [
        replace(LINE, key=(f"SKU-{i}", "DC-1"), daily_demand=0.5 + i % 40,
                demand_class=("smooth", "erratic", "intermittent", "lumpy")[i % 4],
                history=history, available=i % 90)
        for i in range(1000)
    ]  # fmt: skip
    started = time.perf_counter()
    for line in lines:
        options(suggest(line))
    assert time.perf_counter() - started < 2.0
