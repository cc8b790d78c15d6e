"""Forecast accuracy per series and its summaries. Over the periods t of the test windows of a
series, with y the demand, f the (clipped) forecast and [lo, hi] its interval:

    MASE     = mean |y_t - f_t| / s1,         s1 = mean |y_i - y_(i-m)|  (Hyndman & Koehler 2006)
    RMSSE    = sqrt(mean (y_t - f_t)^2 / s2), s2 = mean (y_i - y_(i-m))^2  (M5 competition)
    WAPE     = sum |y_t - f_t| / sum y_t
    bias     = sum (f_t - y_t) / sum y_t      (> 0: over-forecast)
    coverage = share of t with lo_t <= y_t <= hi_t, per interval level

s1 and s2 are the in-sample errors of the seasonal naive forecast over the periods i of the
series' training part (before its first test window), m its effective season (1 where it
holds fewer than two seasons). A series with a constant training part has no scale: its MASE
and RMSSE are NaN; one that sold nothing in the windows has NaN WAPE and bias.

Summaries, overall and per group: MASE and RMSSE are means over series (NaN left out), WAPE
and bias are ratios of totals over the group (so big sellers weigh more), coverage is the
share of all periods.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from forecasting.intervals import Band


def naive_scales(history: pd.DataFrame, plan: pd.DataFrame) -> pd.DataFrame:
    """`unique_id, mae_scale, mse_scale` (s1, s2 above) from `history` (sorted by series and
    date) and a plan with `unique_id, season, training_periods`."""
    per_series = plan.set_index("unique_id")
    position = history.groupby("unique_id", sort=False).cumcount().to_numpy()
    season = per_series["season"].reindex(history["unique_id"]).to_numpy()
    training = position < per_series["training_periods"].reindex(history["unique_id"]).to_numpy()
    change = np.full(len(history), np.nan)
    by_series = history["y"].groupby(history["unique_id"], sort=False)
    for m in np.unique(season):
        rows = training & (season == m)
        change[rows] = (history["y"] - by_series.shift(int(m))).to_numpy()[rows]
    frame = pd.DataFrame({"unique_id": history["unique_id"], "abs": np.abs(change)})
    frame["sq"] = change**2
    scales = frame.groupby("unique_id", sort=False)[["abs", "sq"]].mean()
    scales = scales.rename(columns={"abs": "mae_scale", "sq": "mse_scale"})
    return scales.reindex(plan["unique_id"]).rename_axis("unique_id").reset_index()


def accuracy(
    actual: np.ndarray,
    mean: np.ndarray,
    bands: dict[int, Band],
    mae_scale: np.ndarray,
    mse_scale: np.ndarray,
) -> pd.DataFrame:
    """Per row of arrays shaped (rows, windows, h): mase, rmsse, wape, bias, coverage_<level>
    and the totals the summaries add up (actual_total, abs_error_total, error_total)."""
    error = mean - actual
    flat = (len(actual), -1)
    actual_total = actual.reshape(flat).sum(axis=1)
    abs_error = np.abs(error).reshape(flat)
    with np.errstate(divide="ignore", invalid="ignore"):
        figures = {
            "mase": _scaled(abs_error.mean(axis=1), mae_scale),
            "rmsse": np.sqrt(_scaled((error.reshape(flat) ** 2).mean(axis=1), mse_scale)),
            "wape": _scaled(abs_error.sum(axis=1), actual_total),
            "bias": _scaled(error.reshape(flat).sum(axis=1), actual_total),
        }
    for level, (lo, hi) in bands.items():
        figures[f"coverage_{level}"] = ((lo <= actual) & (actual <= hi)).reshape(flat).mean(axis=1)
    figures |= {
        "actual_total": actual_total,
        "abs_error_total": abs_error.sum(axis=1),
        "error_total": error.reshape(flat).sum(axis=1),
    }
    return pd.DataFrame(figures)


def summarise(errors: pd.DataFrame, models: list[str], groupings: list[str]) -> pd.DataFrame:
    """`scope, group, model, series, mase, rmsse, wape, bias, coverage_*`: for each model, one
    row over all series (scope "overall", group "all") and one per value of each grouping
    column (scope = the column's name)."""
    chosen = errors[errors["model"].isin(models)].assign(overall="all")
    if chosen.empty:
        coverage = [c for c in errors.columns if c.startswith("coverage_")]
        figures = ["series", "mase", "rmsse", "wape", "bias", *coverage]
        return pd.DataFrame(columns=["scope", "group", "model", *figures])
    parts = []
    for scope in ["overall", *groupings]:
        grouped = chosen.groupby([scope, "model"], sort=True)
        part = grouped.apply(_group_figures, include_groups=False).reset_index()
        parts.append(part.rename(columns={scope: "group"}).assign(scope=scope))
    table = pd.concat(parts, ignore_index=True)
    first = ["scope", "group", "model"]
    return table[first + [c for c in table.columns if c not in first]]


def _group_figures(rows: pd.DataFrame) -> pd.Series:
    actual = rows["actual_total"].sum()
    figures = {
        "series": len(rows),
        "mase": rows["mase"].mean(),
        "rmsse": rows["rmsse"].mean(),
        "wape": rows["abs_error_total"].sum() / actual if actual > 0 else np.nan,
        "bias": rows["error_total"].sum() / actual if actual > 0 else np.nan,
    }
    coverage = [c for c in rows.columns if c.startswith("coverage_")]
    return pd.Series(figures | {c: rows[c].mean() for c in coverage})


def _scaled(value: np.ndarray, scale: np.ndarray) -> np.ndarray:
    return np.where(scale > 0, value / np.where(scale > 0, scale, 1.0), np.nan)
