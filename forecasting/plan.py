"""What each series gets: validated and stockout-imputed history, its demand class, whether it
is long enough to backtest, its effective season and its class's fallback model.

A series is backtested when it has at least (n_windows + 1) x h periods: n_windows windows of h
periods and, before them, at least h periods to fit on. Its training part is what comes before
the first backtest window; its effective season is the configured one if that part holds
MIN_SEASONS full seasons, else 1. A series too short to backtest is forecast without a season:
its one-step conformal intervals refit the model on as little as its first period, and a
weekly profile read off a few weeks is mostly noise.

A series counts whole units when every observed (uncensored) y is a whole number; its interval
bounds are then whole units (`forecasting.intervals`).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from forecasting.candidates import MIN_SEASONS
from forecasting.censoring import impute_censored
from forecasting.demand_classes import classify_demand
from forecasting.history import frequency_kind, validated_history


def prepared_history(
    history: pd.DataFrame, config: dict[str, Any], h: int, n_windows: int
) -> tuple[pd.DataFrame, str, pd.DataFrame]:
    """(`unique_id, ds, y` ready to fit, the statsforecast freq, the plan: `unique_id,
    demand_class, periods, backtested, training_periods, season, fallback, whole_units`)."""
    kind = frequency_kind(config["freq"])
    frame, freq = validated_history(history, config["freq"])
    observed = frame[~frame["censored"]] if "censored" in frame else frame
    whole_units = (observed["y"] % 1 == 0).groupby(observed["unique_id"]).all()
    frame = impute_censored(frame, kind)
    plan = series_plan(classify_demand(frame), config["season_length"], h, n_windows)
    plan["fallback"] = plan["demand_class"].map(config["fallback"])
    plan["whole_units"] = whole_units.reindex(plan["unique_id"], fill_value=False).to_numpy()
    return frame, freq, plan


def series_plan(classes: pd.DataFrame, season_length: int, h: int, n_windows: int) -> pd.DataFrame:
    """`unique_id, demand_class, periods, backtested, training_periods, season` per series of
    `classify_demand`'s frame (rules in the module docstring)."""
    plan = classes[["unique_id", "demand_class", "periods"]].copy()
    plan["backtested"] = plan["periods"] >= (n_windows + 1) * h
    plan["training_periods"] = plan["periods"] - plan["backtested"] * n_windows * h
    seasonal = plan["backtested"] & (plan["training_periods"] >= MIN_SEASONS * season_length)
    plan["season"] = np.where(seasonal, season_length, 1)
    return plan
