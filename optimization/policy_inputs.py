"""The two policies the comparison replays, set for each plan from the rows before it.

Keel: DemandForecaster(freq).backtest(training) chooses each series' model, and the forecaster
replaying those choices (`from_config(...).fit_chosen`) predicts the h periods the plan
governs; per series
    demand per period  d  = mean of the forecast over those h periods
    sd per period      sd = RMSE of the chosen model's backtest errors (n_windows x h of them),
                       sqrt(mean(e^2)), bias included (Silver, Pyke & Thomas 2017, sec. 4.9);
                       for a series too short to backtest, (hi-80 - lo-80) / (2 z_0.90)
                       averaged over the h periods, z_0.90 = 1.2816
Backtest errors rather than the 80% interval: on the automotive set (bench/replenishment_sim.py)
the RMSE of the backtest errors came out at 1.02 x the RMSE of the held-out errors (median
over series), (hi-80 - mean) / z_0.90 at 1.41 x and the full width at 1.11 x (the lower bound
is clipped at zero, so the band is skewed). These, the lane's lead time (mean and sd as learnt
from receipts), the review period, MOQ, pack and the fill-rate target go into
`policy_line.suggest`, whose reorder point and order-up-to level hold until the next plan.

Static baseline, "as many sellers use": with a = mean demand per period over the last `window`
periods before the plan and L the lane's mean lead time,
    reorder point  s = a x L x factor
    order-up-to    S = s + a x R                      (R the review period)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from forecasting import DemandForecaster
from optimization.lead_time_sampler import LeadTimeSampler
from optimization.replenishment.policy_line import SkuPosition, suggest
from optimization.replenishment.service_classes import abc_xyz
from optimization.simulation import Policy

Z_90 = 1.2815515655446004  # upper 90% point of the standard normal: the 80% interval's edge
RUNTIME = ("n_jobs", "engine", "dask_client")  # DemandForecaster settings that are not config
HISTORY_KEPT = 365  # recent periods handed to suggest for the intermittent methods


@dataclass(frozen=True)
class PanelTerms:
    """What the buyer knows of each series: `terms` is indexed by unique_id with columns
    unit_cost, moq, pack_size and lane (a key of `lanes`, e.g. the supplier). Every series
    gets fill_rate_target, or with service_classes (e.g. service_classes.DEFAULT_TARGETS) its
    ABC-XYZ class's target (`service_levels`)."""

    terms: pd.DataFrame
    lanes: dict[str, LeadTimeSampler]
    review_period: int
    fill_rate_target: float
    service_classes: dict[str, float] | None = None  # fill-rate target per ABC-XYZ class

    def samplers(self, ids: pd.Index) -> list[LeadTimeSampler]:
        return [self.lanes[lane] for lane in self.terms.loc[ids, "lane"]]


def forecast_inputs(
    training: pd.DataFrame, ids: pd.Index, freq: str, h: int, settings: dict[str, Any]
) -> pd.DataFrame:
    """Per series (index ids): demand_class, mean and sd per period (module docstring);
    `settings` go to DemandForecaster (selection_horizon, n_windows, n_jobs...)."""
    backtest = DemandForecaster(freq, **settings).backtest(training, baselines=False)
    runtime = {key: settings[key] for key in RUNTIME if key in settings}
    config = DemandForecaster(freq, **settings).config_
    forecaster = DemandForecaster.from_config(config, backtest.choice, **runtime)
    forecast = forecaster.fit_chosen(training).predict(h, level=[80])
    per_series = forecast.groupby("unique_id")[["mean"]].mean()
    band = (forecast["hi-80"] - forecast["lo-80"]) / (2 * Z_90)
    residuals = backtest.residuals
    measured = pd.Series(np.nan, index=pd.Index(residuals.ids, dtype=object))
    if len(residuals.ids):  # none when every series is too short to backtest
        measured[:] = np.sqrt(_mean_square(residuals.errors))
    per_series["sd"] = measured.reindex(per_series.index)
    per_series["sd"] = per_series["sd"].fillna(band.groupby(forecast["unique_id"]).mean())
    classes = backtest.choice.set_index("unique_id")["demand_class"].astype(str)
    return per_series.join(classes).reindex(ids)


def _mean_square(errors: np.ndarray) -> np.ndarray:
    """Per series (row), the mean of its squared errors present; NaN for one without any,
    which the 80% band then stands in for."""
    squares, present = np.nan_to_num(errors**2), ~np.isnan(errors)
    counts = present.sum(axis=1)
    return np.divide(
        squares.sum(axis=1), counts, out=np.full(len(counts), np.nan), where=counts > 0
    )


def keel_policies(training: pd.DataFrame, inputs: pd.DataFrame, panel: PanelTerms) -> list[Policy]:
    """One policy per row of `inputs` from `policy_line.suggest` at its fill-rate target."""
    history = training.groupby("unique_id")["y"].apply(lambda y: tuple(y.iloc[-HISTORY_KEPT:]))
    levels = service_levels(training, inputs, panel)
    policies = []
    for uid, row in inputs.iterrows():
        terms = panel.terms.loc[uid]
        lane = panel.lanes[terms["lane"]]
        position = SkuPosition(
            key=(str(uid), "panel"), supplier=str(terms["lane"]),
            unit_cost=float(terms["unit_cost"]), daily_demand=float(row["mean"]),
            daily_sd=float(row["sd"]), demand_class=str(row["demand_class"]),
            history=tuple(float(y) for y in history.get(uid, ())),
            lead_time_mean=lane.mean, lead_time_sd=lane.sd, lead_time_source="receipts",
            review_period=panel.review_period, available=0, inbound=0, reserved=0,
            backorders=0, moq=int(terms["moq"]), pack_size=int(terms["pack_size"]),
            service_level=float(levels[uid]), service_type="fill_rate",
        )  # fmt: skip
        line = suggest(position)
        top = max(line.order_up_to, line.reorder_point)
        rules = (panel.review_period, int(terms["moq"]), int(terms["pack_size"]))
        policies.append(Policy(float(line.reorder_point), float(top), *rules))
    return policies


def service_levels(training: pd.DataFrame, inputs: pd.DataFrame, panel: PanelTerms) -> pd.Series:
    """Per series (index of inputs) its fill-rate target: panel.fill_rate_target, or the target
    of its class by `abc_xyz` with value = forecast mean x unit cost and the mean and sd of
    its last HISTORY_KEPT training periods."""
    if panel.service_classes is None:
        return pd.Series(panel.fill_rate_target, index=inputs.index)
    recent = training.groupby("unique_id").tail(HISTORY_KEPT).groupby("unique_id")["y"]
    frame = pd.DataFrame(
        {
            "key": inputs.index.astype(str),
            "annual_value": inputs["mean"] * panel.terms.loc[inputs.index, "unit_cost"],
            "mean": recent.mean().reindex(inputs.index, fill_value=0.0),
            "sd": recent.std(ddof=0).reindex(inputs.index, fill_value=0.0),
        }
    )
    classes = abc_xyz(frame)["service_class"]
    return classes.map(panel.service_classes).astype(float)


def expected_fill_rate_target(
    training: pd.DataFrame, forecast: pd.DataFrame, terms: PanelTerms
) -> float:
    """The series' fill-rate targets weighted by forecast demand: the pooled fill rate the
    targets promise (the one target itself when every series has it)."""
    levels = service_levels(training, forecast, terms)
    weights = forecast["mean"].clip(lower=0)
    if weights.sum() == 0:
        return float(levels.mean())
    return float((levels * weights).sum() / weights.sum())


def average_demand(training: pd.DataFrame, ids: pd.Index, window: int) -> pd.Series:
    """Mean demand per period over each series' last `window` training periods."""
    recent = training.groupby("unique_id").tail(window)
    return recent.groupby("unique_id")["y"].mean().reindex(ids, fill_value=0.0)


def baseline_policies(average: pd.Series, panel: PanelTerms, factor: float) -> list[Policy]:
    """s = a x L x factor, S = s + a x R per series (module docstring)."""
    lead = np.array([sampler.mean for sampler in panel.samplers(average.index)])
    reorder = average.to_numpy() * lead * factor
    top = reorder + average.to_numpy() * panel.review_period
    terms = panel.terms.loc[average.index]
    rows = zip(reorder, top, terms["moq"], terms["pack_size"], strict=True)
    return [
        Policy(float(s), float(big_s), panel.review_period, int(q), int(p))
        for s, big_s, q, p in rows
    ]
