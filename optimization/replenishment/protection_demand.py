"""Which distribution a line's demand over the protection interval T = lead time + review gets.

    smooth, erratic            normal: mean d T, var T sd_d^2 + d^2 sd_L^2, sd_d the forecast
                               error sd per day (Silver, Pyke & Thomas 2017, 4th ed., ch. 6)
    intermittent, lumpy,       negative binomial: mean d T from the forecast,
    no demand                  var = VMR x d T + d^2 sd_L^2, VMR the variance-to-mean ratio of
                               the history's T-day sums (rolling windows); Poisson (VMR 1) when
                               the history holds fewer than 4 windows or shows no
                               over-dispersion (Agrawal & Smith 1996, Naval Res. Logistics 43)

A normal quantile on sparse counts misplaces the tail (mass below zero, too little on the
bursts), so the count classes get a count distribution; the forecast keeps the level and the
history only shapes the spread.

The negative binomial is the one rule for counts. A circular-block bootstrap of the history
(optimization.policy.bootstrap_lead_time_demand) was measured against it on generated
intermittent and lumpy series (20 seeds, 730 and 3000 days, T = 3 and 14, targets 90-98%):
the negative binomial's achieved cycle service lay within about 2 points of target with a
spread of 0.1-2 points, the bootstrap's overshot by up to 5 points with 2-5 times the spread,
because a tail quantile needs many more independent windows than years of daily history hold.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from optimization.policy.lead_time_demand import (
    LeadTimeDemand,
    negative_binomial_demand,
    normal_demand,
)

if TYPE_CHECKING:
    from optimization.replenishment.policy_line import SkuPosition

COUNT_CLASSES = frozenset({"intermittent", "lumpy", "no_demand"})
MIN_WINDOWS_FOR_VMR = 4


def protection_demand(line: SkuPosition) -> LeadTimeDemand:
    """The line's demand distribution over lead time + review period, per the rules above."""
    periods = line.lead_time_mean + line.review_period
    if line.demand_class not in COUNT_CLASSES:
        return normal_demand(
            line.daily_demand,
            line.daily_sd,
            line.lead_time_mean,
            line.lead_time_sd,
            line.review_period,
        )
    mean = line.daily_demand * periods
    dispersion = variance_to_mean(np.asarray(line.history, dtype=float), max(1, round(periods)))
    lead_time_variance = (line.daily_demand * line.lead_time_sd) ** 2
    return negative_binomial_demand(mean, dispersion * mean + lead_time_variance)


def variance_to_mean(history: np.ndarray, window: int) -> float:
    """var / mean of the sums over every `window` consecutive days of history, at least 1;
    1 (Poisson) when the history is shorter than MIN_WINDOWS_FOR_VMR windows or sold nothing."""
    if len(history) < MIN_WINDOWS_FOR_VMR * window:
        return 1.0
    running = np.concatenate(([0.0], np.cumsum(history)))
    sums = running[window:] - running[:-window]
    mean = sums.mean()
    return max(1.0, float(sums.var() / mean)) if mean > 0 else 1.0


def method_label(dist: LeadTimeDemand) -> str:
    """Short name for a plan line: normal, negative binomial or poisson."""
    return "negative binomial" if dist.method == "negative_binomial" else dist.method
