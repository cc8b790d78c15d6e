"""Prediction intervals from backtest errors (split conformal: Vovk, Gammerman & Shafer 2005;
Lei et al. 2018).

For a backtested series with n backtest errors e = y - f (n_windows x h, pooled over the
horizon) sorted e_(1) <= ... <= e_(n), the level-L interval around its forecast f is

    [f + e_(k_lo), f + e_(k_hi)],  k_hi = min(n, ceil((n + 1)(1 + L) / 2)),
                                   k_lo = max(1, floor((n + 1)(1 - L) / 2))

the finite-sample conformal order statistics, which cover L of exchangeable outcomes. It
assumes nothing of the error distribution, so it suits counts and intermittent demand, and
gives the Croston family (no native intervals) the same treatment as ETS. Pooling over the
horizon gives one width for every lead time; forecasts beyond the backtest's h reuse it. In a
backtest, a window's interval comes from the errors of the other windows only.

Weekly and monthly backtests hold few errors per series (3 windows of 6 months: 18, or 12
leaving one window out), too few for a 95% order statistic: with n < (1 + L) / (1 - L) errors
k_hi is clipped to n. Then the errors are pooled across the series of a demand class forecast
by the same model, each scaled by its series' in-sample seasonal-naive MAE s (as in MASE), and
a series' offsets are s x the pooled order statistics (a global split-conformal interval).
Series with s = 0 keep their own errors.

Series too short to backtest get statsforecast's ConformalIntervals(h=1, n_windows=n_windows
x h): the absolute one-step errors of the model refitted at each of the last (up to) n_windows
x h periods, symmetric around the forecast.

Count demand (every observed y of the series a whole number) gets bounds rounded to whole
units: the bounds are order statistics of the pseudo-outcomes f + e, and rounding is
monotone, so they are the order statistics of the rounded pseudo-outcomes. Without it a
sale of 1 falls outside [0, 0.97] whenever the refitted forecast drifts between windows.

Demand is never negative and the band holds the forecast: mean = max(f, 0), lo = max(0,
min(lo, mean)), hi = max(hi, mean), so hi - mean, the buffer a planner reads, is never
negative.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

Band = tuple[np.ndarray, np.ndarray]  # (lo, hi) of one interval level


@dataclass(frozen=True, eq=False)
class Residuals:
    """Backtest errors y - f of each backtested series' own model, (series, n), with each
    series' scale s and pool (demand class and model) for pooled intervals."""

    ids: np.ndarray
    errors: np.ndarray
    scales: np.ndarray
    pools: np.ndarray


def interval_offsets(
    errors: np.ndarray, scales: np.ndarray, pools: np.ndarray, levels: list[int]
) -> dict[int, np.ndarray]:
    """Per level, (low, high) error offsets shaped (2, *errors.shape[:-1]) from errors shaped
    (series, ..., n): each series' own order statistics, or the pooled scaled ones when n is
    too small for the highest level (module docstring)."""
    offsets = quantile_offsets(errors, levels)
    count, highest = errors.shape[-1], max(levels) / 100
    if count >= (1 + highest) / (1 - highest):
        return offsets
    slots = (1,) * (errors.ndim - 1)
    with np.errstate(divide="ignore", invalid="ignore"):
        scaled = errors / scales.reshape(-1, *slots)
    for pool in np.unique(pools):
        members = (pools == pool) & (scales > 0)
        if not members.any():
            continue
        sample = np.moveaxis(scaled[members], 0, -2)
        pooled = quantile_offsets(sample.reshape(*sample.shape[:-2], -1), levels)
        for level, bounds in pooled.items():
            offsets[level][:, members] = bounds[:, None] * scales[members].reshape(
                1, -1, *slots[1:]
            )
    return offsets


def quantile_offsets(errors: np.ndarray, levels: list[int]) -> dict[int, np.ndarray]:
    """Per level, the errors of order k_lo and k_hi (module docstring) along the last axis of
    `errors`, stacked on a new first axis: shape (2, *errors.shape[:-1])."""
    count = errors.shape[-1]
    ordered = np.sort(errors, axis=-1)
    offsets = {}
    for level in levels:
        tail = (1 - level / 100) / 2
        high = min(count, math.ceil(round((count + 1) * (1 - tail), 9)))
        low = max(1, math.floor(round((count + 1) * tail, 9)))
        offsets[level] = np.stack([ordered[..., low - 1], ordered[..., high - 1]])
    return offsets


def leave_one_window_out(errors: np.ndarray) -> np.ndarray:
    """From errors shaped (pairs, windows, h), each window's companions: (pairs, windows,
    (windows - 1) x h), the errors of all the other windows."""
    pairs, windows, h = errors.shape
    others = [
        np.delete(errors, k, axis=1).reshape(pairs, (windows - 1) * h) for k in range(windows)
    ]
    return np.stack(others, axis=1)


def banded(
    forecast: np.ndarray, low: np.ndarray, high: np.ndarray, whole_units: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(mean, lo, hi) from the forecast and its error offsets, rounded where `whole_units` and
    clipped (module docstring); the other arrays broadcast against the forecast."""
    lo, hi = forecast + low, forecast + high
    lo = np.where(whole_units, np.floor(lo + 0.5), lo)
    hi = np.where(whole_units, np.floor(hi + 0.5), hi)
    mean = np.maximum(forecast, 0.0)
    return mean, np.maximum(np.minimum(lo, mean), 0.0), np.maximum(hi, mean)
