"""Seeded demand series with known structure for the forecasting tests: a weekly profile, a
known chance of a sale, a steady trend. Long frames `unique_id, ds, y`, zeros included."""

from __future__ import annotations

import numpy as np
import pandas as pd

# Monday first; weekends sell most, as for B2C shoppers. Mean 1, so `level` is the daily mean.
WEEKLY_PROFILE = np.array([0.6, 0.7, 0.8, 0.9, 1.0, 1.4, 1.6]) / (9.0 / 7.0)
START = pd.Timestamp("2025-01-06")  # a Monday


def weekly_seasonal(series: int, days: int, level: float = 20.0, seed: int = 1) -> pd.DataFrame:
    """Poisson demand with mean level x WEEKLY_PROFILE[weekday]."""
    rng = np.random.default_rng(seed)
    dates = pd.date_range(START, periods=days, freq="D")
    mean = level * WEEKLY_PROFILE[dates.dayofweek]
    return _long("weekly", dates, rng.poisson(mean, (series, days)))


def intermittent(
    series: int, periods: int, chance: float, seed: int = 2, freq: str = "D"
) -> pd.DataFrame:
    """A sale with probability `chance` per period, of 1 + Poisson(1) units: mean demand per
    period is 2 x chance."""
    rng = np.random.default_rng(seed)
    dates = pd.date_range(START if freq == "D" else "2022-01-01", periods=periods, freq=freq)
    sells = rng.random((series, periods)) < chance
    return _long("rare", dates, sells * (1 + rng.poisson(1.0, (series, periods))))


def trending(series: int, periods: int, freq: str = "D", seed: int = 3) -> pd.DataFrame:
    """Poisson demand whose mean climbs from 5 to 25 over the history."""
    rng = np.random.default_rng(seed)
    dates = pd.date_range(START if freq == "D" else "2022-01-01", periods=periods, freq=freq)
    return _long("rising", dates, rng.poisson(np.linspace(5.0, 25.0, periods), (series, periods)))


def _long(prefix: str, dates: pd.DatetimeIndex, units: np.ndarray) -> pd.DataFrame:
    series, periods = units.shape
    return pd.DataFrame(
        {
            "unique_id": np.repeat([f"{prefix}-{i:02d}" for i in range(series)], periods),
            "ds": np.tile(dates.to_numpy(), series),
            "y": units.ravel().astype(np.float64),
        }
    )
