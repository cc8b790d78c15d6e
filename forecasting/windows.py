"""Rolling-origin backtest forecasts as arrays.

Series are grouped by the models they try and their effective season; each group runs once
through `StatsForecast.cross_validation` (n_windows windows of h periods, the last ending
with the series). The raw frames are kept as they come; for the arithmetic, every (series,
model) pair becomes a row of arrays shaped (pairs, windows, h), which keeps scoring,
selection and intervals vectorised without ever pivoting a frame. `replayed_residuals` runs
only each series' recorded model, for a forecaster that replays its choices.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from forecasting.candidates import build_models
from forecasting.engine import Engine
from forecasting.intervals import Residuals
from forecasting.metrics import naive_scales


@dataclass(frozen=True, eq=False)
class Windows:
    """`pairs`: unique_id, model, rank (position in the series' model list), candidate (True
    for the models it may choose from); `actual` and `forecast`: (pairs, windows, h)."""

    cv: pd.DataFrame
    pairs: pd.DataFrame
    actual: np.ndarray
    forecast: np.ndarray


def run_windows(
    engine: Engine, history: pd.DataFrame, assignments: pd.DataFrame, h: int, n_windows: int
) -> Windows:
    """Backtest forecasts for `assignments` (`unique_id, season, models, candidates`: the tuple
    of aliases to run, of which the first `candidates` may be chosen)."""
    shape = (-1, n_windows, h)
    raw, pairs, actual, forecast = [], [], [], []
    for (models, season), members in assignments.groupby(["models", "season"], sort=True):
        subset = history[history["unique_id"].isin(members["unique_id"])]
        cv = engine.cross_validation(build_models(list(models), int(season)), subset, h, n_windows)
        raw.append(cv)
        series = cv["unique_id"].to_numpy()[:: n_windows * h]
        for rank, alias in enumerate(models):
            pairs.append(pd.DataFrame({"unique_id": series, "model": alias, "rank": rank}))
            actual.append(cv["y"].to_numpy().reshape(shape))
            forecast.append(cv[alias].to_numpy(dtype=np.float64).reshape(shape))
    if not raw:
        empty = np.empty((0, n_windows, h))
        no_pairs = pd.DataFrame(columns=["unique_id", "model", "rank", "candidate"])
        return Windows(pd.DataFrame(), no_pairs, empty, empty)
    table = pd.concat(pairs, ignore_index=True)
    allowed = assignments.set_index("unique_id")["candidates"].reindex(table["unique_id"])
    table["candidate"] = table["rank"].to_numpy() < allowed.to_numpy()
    cv = pd.concat(raw, ignore_index=True).sort_values(["unique_id", "cutoff", "ds"])
    return Windows(
        cv.reset_index(drop=True), table, np.concatenate(actual), np.concatenate(forecast)
    )


def replayed_residuals(
    engine: Engine, history: pd.DataFrame, plan: pd.DataFrame, h: int, n_windows: int
) -> Residuals:
    """The backtest errors of the model in `plan` of each backtested series, measured as
    `backtest.score_backtest` measures the chosen model's, without running the others."""
    tested = plan[plan["backtested"]]
    assignments = tested.assign(models=[(m,) for m in tested["model"]], candidates=1)
    replayed = run_windows(engine, history, assignments, h, n_windows)
    ids = replayed.pairs["unique_id"].to_numpy()
    scales = naive_scales(history, plan).set_index("unique_id")["mae_scale"].reindex(ids)
    series = plan.set_index("unique_id").reindex(ids)
    return Residuals(
        ids,
        # Every backtested series has n_windows x h errors; the width is explicit so that
        # replaying no backtested series at all gives an empty (0, n) table.
        (replayed.actual - replayed.forecast).reshape(len(ids), n_windows * h),
        scales.to_numpy(),
        (series["demand_class"] + "/" + series["model"]).to_numpy(),
    )
