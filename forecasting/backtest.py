"""The backtest: every candidate of every series over rolling-origin windows, what selection
chooses, and what that choice would have scored.

"keel" is the selection itself, measured without hindsight: in each window it forecasts with
the model chosen on the other windows, inside the interval measured on the other windows
(`selection.cross_fitted_choices`, `intervals.leave_one_window_out`). Every other model row is
scored the same way for its intervals. The baselines ("SeasonalNaive", "AutoETS" on every
backtested series, SeasonalNaive being Naive where a series lacks two seasons) run in the same
windows when asked for, so that anyone sees what the selection buys.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from forecasting.abc_classes import abc_classes
from forecasting.intervals import (
    Band,
    Residuals,
    banded,
    interval_offsets,
    leave_one_window_out,
)
from forecasting.metrics import accuracy, naive_scales, summarise
from forecasting.selection import blended_scores, choose, cross_fitted_choices
from forecasting.windows import Windows

SELECTION = "keel"


@dataclass(frozen=True, eq=False)
class Backtest:
    """`cv`: the raw `StatsForecast.cross_validation` frames (unique_id, ds, cutoff, y, one
    column per model). `errors`: one row per series and model (candidates, baselines and
    "keel") with demand_class, abc_class, mase, rmsse, wape, bias, coverage_<level> and the
    totals behind WAPE and bias. `choice`: per series its demand_class, the model selection
    picks on all windows and its MASE as `score` (NaN, and the class fallback, for series too
    short to backtest)."""

    cv: pd.DataFrame
    errors: pd.DataFrame
    choice: pd.DataFrame
    baselines: tuple[str, ...]
    residuals: Residuals = field(repr=False)

    def summary(self) -> pd.DataFrame:
        """`scope, group, model, series, mase, rmsse, wape, bias, coverage_<level>`: "keel"
        and each baseline, overall (scope "overall", group "all"), per demand class (scope
        "demand_class") and per ABC class (scope "abc_class"); formulas in
        `forecasting.metrics`."""
        return summarise(self.errors, [SELECTION, *self.baselines], ["demand_class", "abc_class"])


def score_backtest(
    windows: Windows,
    history: pd.DataFrame,
    plan: pd.DataFrame,
    levels: list[int],
    baselines: tuple[str, ...],
    metric: str,
) -> Backtest:
    """Score every pair of `windows`, choose per series by `metric` ("mase" or "rmsse"), and
    measure "keel"."""
    pairs = windows.pairs
    if pairs.empty:
        return _nothing_backtested(plan, levels, baselines)
    scales = naive_scales(history, plan).set_index("unique_id")
    per_pair = plan.set_index("unique_id").reindex(pairs["unique_id"]).join(scales)
    per_pair["pool"] = (per_pair["demand_class"] + "/" + pairs["model"].to_numpy()).to_numpy()
    errors = windows.actual - windows.forecast
    mean, bands = _bands(windows.forecast, _lowo_offsets(errors, per_pair, levels), per_pair)
    scored = _accuracy(windows.actual, mean, bands, per_pair)
    power = 1 if metric == "mase" else 2  # RMSSE ranks a series' models as its MSE does
    window_errors = (np.abs(windows.actual - mean) ** power).mean(axis=2)
    scales = per_pair["mae_scale" if power == 1 else "mse_scale"].to_numpy()
    pools, (n_windows, h) = per_pair["pool"].to_numpy(), windows.actual.shape[1:]
    own = window_errors.mean(axis=1)
    chosen = choose(pairs, blended_scores(own, scales, pools, n_windows * h))
    rows = cross_fitted_choices(pairs, window_errors, scales, pools, h)
    keel = _keel(windows, mean, bands, rows)
    keel_rows = pd.DataFrame({"unique_id": per_pair.index[chosen], "model": SELECTION})
    table = pd.concat(
        [
            pd.concat([pairs[["unique_id", "model"]], scored], axis=1),
            pd.concat([keel_rows, _accuracy(*keel, per_pair.iloc[chosen])], axis=1),
        ],
        ignore_index=True,
    )
    chosen_pairs = per_pair.iloc[chosen]
    residuals = Residuals(
        chosen_pairs.index.to_numpy(),
        errors[chosen].reshape(len(chosen), -1),
        chosen_pairs["mae_scale"].to_numpy(),
        chosen_pairs["pool"].to_numpy(),
    )
    return Backtest(
        cv=windows.cv,
        errors=_with_classes(table, history, plan),
        choice=_choice(plan, pairs, chosen, scored[metric].to_numpy()),
        baselines=baselines,
        residuals=residuals,
    )


def _nothing_backtested(
    plan: pd.DataFrame, levels: list[int], baselines: tuple[str, ...]
) -> Backtest:
    """Every series too short to backtest: no errors, every choice its class's fallback."""
    figures = ["mase", "rmsse", "wape", "bias", *(f"coverage_{level}" for level in levels)]
    totals = ["actual_total", "abs_error_total", "error_total"]
    columns = ["unique_id", "model", "demand_class", "abc_class", *figures, *totals]
    choice = plan[["unique_id", "demand_class", "fallback"]].rename(columns={"fallback": "model"})
    return Backtest(
        cv=pd.DataFrame(columns=["unique_id", "ds", "cutoff", "y"]),
        errors=pd.DataFrame(columns=columns),
        choice=choice.assign(score=np.nan).reset_index(drop=True),
        baselines=baselines,
        residuals=Residuals(*(np.empty(0),) * 4),
    )


def _lowo_offsets(
    errors: np.ndarray, per_pair: pd.DataFrame, levels: list[int]
) -> dict[int, np.ndarray]:
    """Each window's interval offsets from the other windows: (2, pairs, windows) per level."""
    scales, pools = per_pair["mae_scale"].to_numpy(), per_pair["pool"].to_numpy()
    return interval_offsets(leave_one_window_out(errors), scales, pools, levels)


def _bands(
    forecast: np.ndarray, offsets: dict[int, np.ndarray], per_pair: pd.DataFrame
) -> tuple[np.ndarray, dict[int, Band]]:
    """The clipped forecast and, per level, its band."""
    whole_units = per_pair["whole_units"].to_numpy()[:, None, None]
    bands = {}
    for level, (low, high) in offsets.items():
        _, lo, hi = banded(forecast, low[..., None], high[..., None], whole_units)
        bands[level] = (lo, hi)
    return np.maximum(forecast, 0.0), bands


def _accuracy(
    actual: np.ndarray, mean: np.ndarray, bands: dict[int, Band], per_pair: pd.DataFrame
) -> pd.DataFrame:
    scales = (per_pair["mae_scale"].to_numpy(), per_pair["mse_scale"].to_numpy())
    return accuracy(actual, mean, bands, *scales)


def _keel(
    windows: Windows, mean: np.ndarray, bands: dict[int, Band], rows: np.ndarray
) -> tuple[np.ndarray, np.ndarray, dict[int, Band]]:
    """(actual, mean, bands) of the cross-fitted choices: rows (series, windows) of pairs."""
    window = np.arange(rows.shape[1])[None, :]
    picked = {level: (lo[rows, window], hi[rows, window]) for level, (lo, hi) in bands.items()}
    return windows.actual[rows, window], mean[rows, window], picked


def _with_classes(table: pd.DataFrame, history: pd.DataFrame, plan: pd.DataFrame) -> pd.DataFrame:
    classes = plan.set_index("unique_id")["demand_class"]
    abc = abc_classes(history).set_index("unique_id")["abc_class"]
    table.insert(2, "demand_class", classes.reindex(table["unique_id"]).to_numpy())
    table.insert(3, "abc_class", abc.reindex(table["unique_id"]).to_numpy())
    return table.sort_values(["unique_id", "model"], ignore_index=True)


def _choice(
    plan: pd.DataFrame, pairs: pd.DataFrame, chosen: np.ndarray, mase: np.ndarray
) -> pd.DataFrame:
    picked = pd.DataFrame(
        {"model": pairs["model"].to_numpy()[chosen], "score": mase[chosen]},
        index=pd.Index(pairs["unique_id"].to_numpy()[chosen], name="unique_id"),
    )
    choice = plan[["unique_id", "demand_class", "fallback"]].join(picked, on="unique_id")
    choice["model"] = choice["model"].fillna(choice["fallback"])
    return choice[["unique_id", "demand_class", "model", "score"]].reset_index(drop=True)
