"""Keel's replenishment policy against a static reorder point, replayed on held-out demand.

A panel (long frame `unique_id, ds, y`, daily or monthly) is split by date; its last `held_out`
periods are replayed under policies set from the periods before them, once or re-planned
every `replan_every` periods (`optimization.held_out`, `optimization.policy_inputs`). Each
policy starts every series with its own first order-up-to level on hand (rounded up to whole
units) and nothing on order, `warm_up` training periods before the held-out ones, which alone
are measured; both meet the same lead-time draws (common random numbers,
`simulation.draw_lead_times`).

Equal target: the baseline's one factor for the whole panel is found by bisection on [0, 64]
as the smallest factor whose pooled fill rate reaches the one Keel achieved (fill rate rises
with the factor: every reorder point and order-up-to level rises with it); the saving is
1 - Keel's average inventory value / that baseline's. The factor is chosen knowing the
held-out demand, Keel's policy is not. The baseline at a common factor (1.5 by default) is
reported beside them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from optimization.held_out import HeldOutPanel, HeldOutReplay, prepare_held_out
from optimization.policy_inputs import (
    PanelTerms,
    baseline_policies,
    expected_fill_rate_target,
    keel_policies,
)
from optimization.simulation import SimResult, total_result
from optimization.stock_replay import PanelReplay

CEILING = 64.0  # largest baseline factor tried: 64 lead times of average demand


@dataclass(frozen=True)
class ComparisonSetup:
    freq: str  # the forecaster's: "D", "W", "MS"
    held_out: int  # periods replayed
    baseline_window: int  # training periods the baseline's average demand is taken over
    replan_every: int | None = None  # periods between plans; None: plan once
    common_factor: float = 1.5
    seed: int = 0
    forecaster: dict[str, Any] = field(default_factory=dict)  # DemandForecaster settings
    tolerance: float = 0.001  # how far above Keel's fill rate the matched baseline may land
    min_training: int = 3  # training periods a series needs (the forecaster's minimum)
    warm_up: int = 0  # training periods replayed under the first plan before measuring


@dataclass(frozen=True)
class PolicyOutcome:
    policy: str
    factor: float | None  # the baseline's; None for Keel
    fill_rate: float
    cycle_service: float
    average_inventory_value: float
    orders: int
    stockout_days: int

    @classmethod
    def of(cls, policy: str, factor: float | None, result: SimResult) -> PolicyOutcome:
        return cls(
            policy, factor, result.fill_rate, result.cycle_service,
            result.average_inventory_value, result.orders, result.stockout_days,
        )  # fmt: skip


@dataclass(frozen=True)
class Comparison:
    fill_rate_target: float  # expected_fill_rate_target of the first plan
    keel: PolicyOutcome
    matched: PolicyOutcome  # the baseline at Keel's fill rate
    common: PolicyOutcome  # the baseline at the common factor
    series: int
    dropped: int
    seconds_per_replay: float  # wall time of one replay of the panel, policies built included
    by_class: pd.DataFrame = field(compare=False, repr=False)  # Keel and matched per class

    @property
    def saving(self) -> float:
        """1 - Keel's average inventory value / the matched baseline's."""
        return 1 - self.keel.average_inventory_value / self.matched.average_inventory_value

    def table(self) -> pd.DataFrame:
        rows = [self.keel, self.matched, self.common]
        return pd.DataFrame([vars(row) for row in rows]).set_index("policy")


def compare_policies(panel: pd.DataFrame, terms: PanelTerms, setup: ComparisonSetup) -> Comparison:
    """Replay Keel and the static baseline on the held-out periods (module docstring)."""
    return compare_prepared(prepare(panel, setup), terms, setup)


def prepare(panel: pd.DataFrame, setup: ComparisonSetup) -> HeldOutPanel:
    """The held-out demand and every plan's forecasts: the slow part, shared by targets."""
    return prepare_held_out(
        panel, setup.held_out, setup.replan_every, setup.freq, setup.forecaster,
        setup.baseline_window, setup.min_training, setup.warm_up,
    )  # fmt: skip


def compare_prepared(held: HeldOutPanel, terms: PanelTerms, setup: ComparisonSetup) -> Comparison:
    """compare_policies on a prepared panel, at terms.fill_rate_target."""
    replay = HeldOutReplay(held, terms, setup.seed)
    keel = replay([keel_policies(p.training, p.forecast, terms) for p in held.plans])
    baseline: dict[float, PanelReplay] = {}

    def fill_rate_at(factor: float) -> float:
        baseline[factor] = replay([baseline_policies(p.average, terms, factor) for p in held.plans])
        return total_result(baseline[factor]).fill_rate

    factor = matching_factor(fill_rate_at, total_result(keel).fill_rate, setup.tolerance)
    fill_rate_at(setup.common_factor)
    first = held.plans[0]
    classes = first.forecast["demand_class"].to_numpy()
    return Comparison(
        expected_fill_rate_target(first.training, first.forecast, terms),
        PolicyOutcome.of("keel", None, total_result(keel)),
        PolicyOutcome.of("baseline, same fill rate", factor, total_result(baseline[factor])),
        PolicyOutcome.of(
            "baseline, common factor", setup.common_factor,
            total_result(baseline[setup.common_factor]),
        ),
        len(held.demand), held.dropped, replay.seconds / replay.count,
        pd.concat(
            {"keel": _by_class(keel, classes), "baseline": _by_class(baseline[factor], classes)},
            axis=1,
        ),
    )  # fmt: skip


def matching_factor(
    fill_rate_at: Callable[[float], float], target: float, tolerance: float
) -> float:
    """The smallest factor in [0, CEILING] with fill_rate_at(factor) >= target, by bisection
    until the fill rate lies within `tolerance` above the target (or the bracket is 1e-6
    wide); fill_rate_at must not fall as the factor rises."""
    low, high = 0.0, 1.0
    if fill_rate_at(low) >= target:
        return low
    while (reached := fill_rate_at(high)) < target:
        low, high = high, 2 * high
        if high > CEILING:
            raise ValueError(f"no factor up to {CEILING:.0f} reaches a fill rate of {target:.4f}")
    while reached - target > tolerance and high - low > 1e-6:
        middle = (low + high) / 2
        if (fill := fill_rate_at(middle)) >= target:
            high, reached = middle, fill
        else:
            low = middle
    return high


def _by_class(outcome: PanelReplay, classes: np.ndarray) -> pd.DataFrame:
    """Pooled fill rate and summed average inventory value per demand class."""
    frame = pd.DataFrame(
        {
            "demand_class": classes,
            "demand": outcome.demand,
            "served": outcome.served,
            "inventory_value": outcome.average_on_hand * outcome.unit_cost,
        }
    )
    pooled = frame.groupby("demand_class")[["demand", "served", "inventory_value"]].sum()
    pooled["fill_rate"] = pooled["served"] / pooled["demand"]
    return pooled[["fill_rate", "inventory_value"]]
