"""Stockout periods are imputed from observed demand at the same place in the cycle, never
from earlier guesses, and the forecaster's input checks let censored unknowns through."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from forecasting.censoring import impute_censored
from forecasting.history import validated_history


def _daily(y: list[float], censored: list[bool]) -> pd.DataFrame:
    dates = pd.date_range("2025-01-06", periods=len(y), freq="D")
    return pd.DataFrame({"unique_id": "s", "ds": dates, "y": y, "censored": censored})


def test_a_censored_day_takes_the_mean_of_the_same_weekday_over_the_last_four_weeks() -> None:
    y = [float(day % 7 + 10 * (day // 7)) for day in range(35)]  # Monday: 0, 10, 20, 30, ...
    censored = [False] * 28 + [True] + [False] * 6
    imputed = impute_censored(_daily(y, censored), "D")
    assert imputed["y"].iloc[28] == pytest.approx((0 + 10 + 20 + 30) / 4)
    assert imputed["y"].drop(index=28).tolist() == y[:28] + y[29:]
    assert list(imputed.columns) == ["unique_id", "ds", "y"]


def test_censored_lags_are_skipped_and_a_long_stockout_falls_back_to_the_observed_mean() -> None:
    y = [1.0, 2, 3, 4, 5, 6, 7, 11, 12, 13, 14, 15, 16, 17] + [0.0] * 35
    censored = [False] * 14 + [True] * 35
    imputed = impute_censored(_daily(y, censored), "D")["y"].to_numpy()
    assert imputed[14] == pytest.approx((11 + 1) / 2)  # Mondays of weeks 1 and 2
    assert imputed[21] == pytest.approx((11 + 1) / 2)  # week 3 sold 0 only for lack of stock
    assert imputed[42] == pytest.approx((28 + 98) / 14)  # no observed Monday left: the mean


def test_monthly_stockouts_use_the_previous_four_periods_and_never_sold_series_zero() -> None:
    months = pd.date_range("2024-01-01", periods=6, freq="MS")
    history = pd.DataFrame(
        {
            "unique_id": ["m"] * 6 + ["z"] * 6,
            "ds": [*months, *months],
            "y": [1.0, 2.0, 3.0, 4.0, 5.0, np.nan, *[np.nan] * 6],
            "censored": [False] * 5 + [True] + [True] * 6,
        }
    )
    imputed = impute_censored(history, "M")["y"].to_numpy()
    assert imputed[5] == pytest.approx((2 + 3 + 4 + 5) / 4)
    assert (imputed[6:] == 0).all()


def test_unknown_demand_is_only_accepted_on_censored_periods() -> None:
    history = _daily([1.0, np.nan, 2.0], [False, True, False])
    frame, freq = validated_history(history, "D")
    assert freq == "D" and frame["censored"].tolist() == [False, True, False]
    with pytest.raises(ValueError, match="NaN"):
        validated_history(history.assign(censored=False), "D")
