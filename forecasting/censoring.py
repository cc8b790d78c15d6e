"""Stockouts: a period in which the SKU had no stock sells what was on the shelf, not what was
asked for. Learning such a period as demand teaches the models that demand drops when stock
runs out, and the next plan runs out again. History rows flagged `censored` are therefore
imputed before any model sees them.

Rule (imputation, not exclusion): a censored period's demand is the mean of the uncensored
periods at the same place in the cycle over the previous LOOKBACK cycles,

    daily:            mean of y[t - 7k],  k = 1..4, uncensored    (same weekday, last 4 weeks)
    weekly, monthly:  mean of y[t - k],   k = 1..4, uncensored    (last 4 periods)

falling back to the mean of all uncensored periods of the series when none of those is
uncensored, and to 0 when the series has no uncensored period at all (nothing is known of its
demand). Only observed demand is averaged, never an earlier imputation, so a long stockout does
not echo one guess through weeks.

Why impute rather than exclude: statsforecast's models need regular series without gaps, and
dropping periods would shift the weekly cycle of every later period.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

LOOKBACK = 4


def impute_censored(history: pd.DataFrame, frequency_kind: str) -> pd.DataFrame:
    """`unique_id, ds, y` with censored periods' y imputed by the rule in the module docstring;
    `history` must be sorted by unique_id then ds, without gaps (as `validated_history` gives)."""
    if "censored" not in history:
        return history
    censored = history["censored"].to_numpy(dtype=bool)
    imputed = history.drop(columns="censored")
    if not censored.any():
        return imputed
    step = 7 if frequency_kind == "D" else 1
    observed = history["y"].where(~history["censored"])
    by_series = observed.groupby(history["unique_id"], sort=False)
    recent = pd.concat([by_series.shift(step * k) for k in range(1, LOOKBACK + 1)], axis=1)
    estimate = recent.mean(axis=1).fillna(by_series.transform("mean")).fillna(0.0)
    imputed["y"] = np.where(censored, estimate.to_numpy(), history["y"].to_numpy())
    return imputed
