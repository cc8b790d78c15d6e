"""Forecasts with intervals for every series from the model assigned to it.

Series are grouped by model, season and whether they were backtested; each group runs once
through `StatsForecast.forecast`. A backtested series takes its band from its own backtest
errors; one too short to backtest from statsforecast's one-step conformal intervals (the
rules are in `forecasting.intervals`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from statsforecast.utils import ConformalIntervals

from forecasting.candidates import build_models
from forecasting.engine import Engine
from forecasting.intervals import Residuals, banded, interval_offsets


def forecast_series(
    engine: Engine,
    history: pd.DataFrame,
    assignments: pd.DataFrame,
    residuals: Residuals,
    h: int,
    levels: list[int],
    conformal_windows: int,
) -> pd.DataFrame:
    """`unique_id, ds, model, mean, lo-<level>, hi-<level>...` for h periods after each series
    of `assignments` (`unique_id, model, season, backtested, whole_units`), sorted by series
    and date."""
    measured = pd.Index(residuals.ids)
    offsets = (
        interval_offsets(residuals.errors, residuals.scales, residuals.pools, levels)
        if len(measured)
        else {}
    )
    whole_units = assignments.set_index("unique_id")["whole_units"]
    parts = []
    keys = ["model", "season", "backtested"]
    for (model, season, backtested), members in assignments.groupby(keys, sort=True):
        subset = history[history["unique_id"].isin(members["unique_id"])]
        models = build_models([str(model)], int(season))
        if backtested:
            raw = engine.forecast(models, subset, h)
            at = measured.get_indexer(raw["unique_id"])
            band_offsets = {level: (low[at], high[at]) for level, (low, high) in offsets.items()}
        else:
            conformal = ConformalIntervals(h=1, n_windows=conformal_windows)
            raw = engine.forecast(models, subset, h, level=levels, intervals=conformal)
            band_offsets = _conformal_offsets(raw, str(model), levels)
        whole = whole_units.reindex(raw["unique_id"]).to_numpy()
        parts.append(_banded_frame(raw, str(model), band_offsets, whole))
    return pd.concat(parts, ignore_index=True).sort_values(["unique_id", "ds"], ignore_index=True)


def _conformal_offsets(
    raw: pd.DataFrame, model: str, levels: list[int]
) -> dict[int, tuple[np.ndarray, np.ndarray]]:
    forecast = raw[model].to_numpy()
    return {
        level: (
            raw[f"{model}-lo-{level}"].to_numpy() - forecast,
            raw[f"{model}-hi-{level}"].to_numpy() - forecast,
        )
        for level in levels
    }


def _banded_frame(
    raw: pd.DataFrame,
    model: str,
    offsets: dict[int, tuple[np.ndarray, np.ndarray]],
    whole_units: np.ndarray,
) -> pd.DataFrame:
    forecast = raw[model].to_numpy()
    frame = raw[["unique_id", "ds"]].assign(model=model, mean=np.maximum(forecast, 0.0))
    for level, (low, high) in offsets.items():
        _, frame[f"lo-{level}"], frame[f"hi-{level}"] = banded(forecast, low, high, whole_units)
    return frame
