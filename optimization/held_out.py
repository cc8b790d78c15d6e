"""The panel a policy comparison replays: the held-out demand and, for each plan, what the
policies are set from (`optimization.policy_inputs`).

The panel (long frame `unique_id, ds, y`) is split by date: its last `held_out` dates are
replayed. Series lacking a held-out date or `min_training` training periods are left out and
counted. Planned once (replan_every None), every series is planned at the first held-out
period from everything before it; re-planned every k periods, also at periods k, 2k, ... from
everything before each, the replay's own periods included (a planner sees yesterday's sales).
A warm-up of the last `warm_up` training periods, replayed under the first plan but not
measured, puts stock and pipeline where the policy keeps them rather than at a guess.
Forecasting is the slow part, so this is done once for any number of service targets.
`HeldOutReplay` then replays any policies on the held-out demand with the same lead-time draws.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from optimization.policy_inputs import PanelTerms, average_demand, forecast_inputs
from optimization.simulation import Policy, draw_lead_times, simulate_panel
from optimization.stock_replay import PanelReplay


@dataclass(frozen=True, eq=False)
class PlanInputs:
    start: int  # held-out period from which the plan applies
    training: pd.DataFrame  # the rows before it
    forecast: pd.DataFrame  # per series: mean, sd, demand_class (policy_inputs)
    average: pd.Series  # per series: the baseline's average demand per period


@dataclass(frozen=True, eq=False)
class HeldOutPanel:
    demand: pd.DataFrame  # series x held-out dates
    dropped: int  # series left out
    plans: tuple[PlanInputs, ...]  # by start, the first at 0
    warm_up: pd.DataFrame  # series x the last training dates replayed unmeasured (0 if unsold)


def split_panel(
    panel: pd.DataFrame, held_out: int, min_training: int = 3
) -> tuple[pd.DataFrame, pd.DataFrame, int]:
    """(training rows before the last `held_out` dates, held-out demand as series x dates,
    series left out for lacking a held-out date or `min_training` training rows)."""
    dates = np.sort(panel["ds"].unique())
    if held_out < 1 or len(dates) <= held_out:
        raise ValueError(f"held_out={held_out} must leave training periods before it")
    first = dates[-held_out]
    later = panel[panel["ds"] >= first].pivot(index="unique_id", columns="ds", values="y")
    training = panel[panel["ds"] < first]
    long_enough = training["unique_id"].value_counts().loc[lambda n: n >= min_training].index
    kept = later.index[later.notna().all(axis=1) & later.index.isin(long_enough)]
    series = panel["unique_id"].nunique()
    return training[training["unique_id"].isin(kept)], later.loc[kept], series - len(kept)


def prepare_held_out(
    panel: pd.DataFrame,
    held_out: int,
    replan_every: int | None,
    freq: str,
    forecaster: dict[str, Any],
    baseline_window: int,
    min_training: int = 3,
    warm_up: int = 0,
) -> HeldOutPanel:
    """Split the panel and set every plan's inputs; each plan's forecast covers the periods
    it governs (to the next re-plan or the end). The last `warm_up` training dates are kept
    for a warm-up under the first plan (a series without a row on a date sold nothing)."""
    first_training, demand, dropped = split_panel(panel, held_out, min_training)
    dates: list[Any] = list(np.sort(first_training["ds"].unique())[-warm_up:]) if warm_up else []
    warm = first_training[first_training["ds"].isin(dates)]
    warm = warm.pivot(index="unique_id", columns="ds", values="y")
    warm = warm.reindex(index=demand.index, columns=dates, fill_value=0.0).fillna(0.0)
    ids = demand.index
    panel = panel[panel["unique_id"].isin(ids)]
    starts = list(range(0, held_out, replan_every or held_out))
    plans = []
    for start, end in zip(starts, [*starts[1:], held_out], strict=True):
        training = panel[panel["ds"] < demand.columns[start]]
        forecast = forecast_inputs(training, ids, freq, end - start, forecaster)
        average = average_demand(training, ids, baseline_window)
        plans.append(PlanInputs(start, training, forecast, average))
    return HeldOutPanel(demand, dropped, tuple(plans), warm)


class HeldOutReplay:
    """Held-out demand, lead-time draws and unit costs shared by every policy replayed; each
    policy starts with its first order-up-to level on hand, rounded up to whole units, and
    nothing on order, and runs the warm-up under its first plan before it is measured."""

    def __init__(self, held: HeldOutPanel, terms: PanelTerms, seed: int) -> None:
        ids, self.warm_up = held.demand.index, held.warm_up.shape[1]
        self.demand = np.hstack(
            [held.warm_up.to_numpy(np.float64), held.demand.to_numpy(np.float64)]
        )
        self.starts = [self.warm_up + plan.start for plan in held.plans]
        self.lead_times = draw_lead_times(terms.samplers(ids), self.demand.shape[1], seed)
        self.costs = terms.terms.loc[ids, "unit_cost"].to_numpy(np.float64)
        self.seconds, self.count = 0.0, 0

    def __call__(self, plans: list[list[Policy]]) -> PanelReplay:
        """Replay the plans, one list of policies per start."""
        started = time.perf_counter()
        stock = [math.ceil(policy.order_up_to) for policy in plans[0]]
        replans = list(zip(self.starts[1:], plans[1:], strict=True))
        outcome = simulate_panel(
            self.demand, plans[0], self.lead_times, self.costs, stock, replans, self.warm_up
        )
        self.seconds += time.perf_counter() - started
        self.count += 1
        return outcome
