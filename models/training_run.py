"""One MLflow training run of the demand forecaster: backtest and choose a model per series,
log what was measured, register the forecaster as `@challenger`.

The run logs params (frequency, windows, series, dates, candidates), metrics (from
`Backtest.summary()`: MASE, RMSSE, WAPE, bias and coverage for "keel", SeasonalNaive and
AutoETS, overall as `<figure>_<model>` and per demand or ABC class as
`<figure>_<model>_<class>`), artifacts (backtest errors, choices, summary, the forecast of the
training history, PNG plots) and the pyfunc model. Any exception ends the run FAILED and
registers nothing (`ModelRegistry.log_forecaster` registers last).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pandas as pd

from erp_core.settings import Settings
from forecasting import DemandForecaster
from forecasting.history import MIN_PERIODS
from forecasting.plots import error_by_class_png, forecast_png
from models.registry import ModelRegistry

Progress = Callable[[float, str], None]
TOP_SKUS = 5  # plots of forecast vs actuals for the best sellers by volume
NOT_FIGURES = ("scope", "group", "model", "series")


@dataclass(frozen=True)
class TrainingOutcome:
    run_id: str
    version: str
    metrics: dict[str, float]


def train_and_log(
    history: pd.DataFrame,
    settings: Settings,
    *,
    h: int,
    n_windows: int,
    freq: str,
    progress: Progress | None = None,
    run_name: str | None = None,
) -> TrainingOutcome:
    """Backtest the candidates over `n_windows` windows of `h` periods, choose per series,
    log and register. The forecaster is rebuilt from the backtest's choices
    (`from_config(...).fit_chosen`) rather than refitted with `fit`, which would run every
    candidate through the same windows a second time; it is also exactly what the logged
    pyfunc model does, so the run's forecast is the model's."""
    report = progress or _quiet
    registry = ModelRegistry.from_settings(settings)
    name = settings.forecast_model_name
    with registry.training_run(run_name or f"demand-forecaster-{freq}", name) as run:
        report(0.0, "backtest")
        chooser = DemandForecaster(freq, selection_horizon=h, n_windows=n_windows)
        backtest = chooser.backtest(history)
        report(0.7, "fit chosen models")
        forecaster = DemandForecaster.from_config(chooser.config_, backtest.choice)
        forecast = forecaster.fit_chosen(history).predict(h=h)
        report(0.85, "log and register")
        summary = backtest.summary()
        metrics = summary_metrics(summary)
        artifacts = {
            "summary.csv": summary,
            "forecast.parquet": forecast,
            "plots/error_by_class.png": error_by_class_png(summary),
            **_top_sku_plots(history, forecaster, h),
        }
        params = training_params(history, forecaster.config_, h)
        version = registry.log_forecaster(
            forecaster, backtest, history, params, metrics, artifacts, name
        )
        report(1.0, f"registered version {version.version}")
    return TrainingOutcome(run.info.run_id, str(version.version), metrics)


def training_params(history: pd.DataFrame, config: dict[str, Any], h: int) -> dict[str, str]:
    candidates = config["candidates"]
    return {
        "freq": str(config["freq"]),
        "h": str(h),
        "n_windows": str(config["n_windows"]),
        "season_length": str(config["season_length"]),
        "series_count": str(history["unique_id"].nunique()),
        "date_from": f"{history['ds'].min():%Y-%m-%d}",
        "date_to": f"{history['ds'].max():%Y-%m-%d}",
        "candidates": "; ".join(f"{k}: {','.join(v)}" for k, v in sorted(candidates.items())),
    }


def summary_metrics(summary: pd.DataFrame) -> dict[str, float]:
    """Flatten `Backtest.summary()` into metric names; NaN figures (no scale, no demand) are
    left out rather than logged as NaN."""
    figures = [column for column in summary.columns if column not in NOT_FIGURES]
    metrics = {}
    for row in summary.to_dict("records"):
        suffix = "" if row["scope"] == "overall" else f"_{row['group']}"
        for figure in figures:
            value = float(row[figure])
            if not math.isnan(value):
                metrics[f"{figure}_{row['model']}{suffix}"] = value
    return metrics


def _top_sku_plots(history: pd.DataFrame, forecaster: DemandForecaster, h: int) -> dict[str, bytes]:
    """Forecast vs actuals for the best sellers by volume: each series' recorded model refitted
    on its history without the last h periods, so the bands are drawn over periods whose
    demand is known. Series too short to leave 2h periods of history behind are not drawn."""
    periods = history.groupby("unique_id")["y"].size()
    long_enough = periods[periods - h >= max(2 * h, MIN_PERIODS)].index
    volume = history[history["unique_id"].isin(long_enough)].groupby("unique_id")["y"].sum()
    top = volume.sort_values(ascending=False, kind="stable").index[:TOP_SKUS]
    if top.empty:
        return {}
    shown = history[history["unique_id"].isin(top)].sort_values(["unique_id", "ds"])
    shown = shown.astype({"unique_id": str})  # as the forecast names them
    earlier = shown[shown.groupby("unique_id").cumcount(ascending=False) >= h]
    replay = DemandForecaster.from_config(forecaster.config_, forecaster.choices_)
    predicted = replay.fit_chosen(earlier).predict(h=h)
    return {
        f"plots/forecast_{re.sub(r'[^A-Za-z0-9_.-]', '_', sku)}.png": forecast_png(
            earlier, predicted, sku, actuals=shown
        )
        for sku in map(str, top)
    }


def _quiet(done: float, step: str) -> None:
    """No progress shown: the default when no bar or run status listens."""
