"""Demand anomalies on plain frames: days whose demand lies far outside the interval it was
expected in, and a robust interval for past days no stored forecast covers.

Far outside: with the interval [lo, hi] (lo floored at 0, demand is never negative) and its
width w = max(hi - lo, MIN_WIDTH), a day's score is how many widths it lies beyond the nearer
bound,

    score = max(y - hi, lo - y, 0) / w,     flagged when score > FAR_OUTSIDE_WIDTHS.

In-sample band, per series, from days BEFORE the day only, so a spike cannot widen its own
band; stockout (censored) days are left out:

    centre = median of the same weekday over the previous BAND_WEEKS weeks
    sigma  = max(1.4826 MAD of those days, sqrt(p g + p (1 - p) g^2))
    band   = [max(centre - 1.96 sigma, 0), max(centre + 1.96 sigma, busy day)]

where the busy day is the 98th percentile of the series' previous year (BUSY_DAY_QUANTILE).

1.4826 MAD estimates the standard deviation without letting earlier spikes inflate it (Rousseeuw
& Croux 1993). It is 0 for intermittent demand (mostly zero days), so sigma is floored by the
spread of a day that sells with chance p a Poisson-like quantity of mean g: p is the share of
selling days and g the geometric mean of their units over all days of the previous BAND_WEEKS
weeks (a geometric mean, so one earlier spike hardly moves it). Days with fewer than
MIN_BAND_WEEKS earlier same-weekday days get no band.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

# Beyond the bound by more than one whole interval width: a day just past a 95% bound happens
# once in forty by design, one a width further out is no longer the forecast's ordinary miss.
FAR_OUTSIDE_WIDTHS = 1.0
# Units: intervals narrower than this are read as this wide. A slow SKU's 95% bound sits at one
# or two units, and a day a few units above it is one larger order, not an anomaly: with 5, a
# slow SKU must pass its bound by more than 5 units. Measured on generated demand (Poisson and
# intermittent, 0.5 to 20 units a day): at most 1.4 ordinary days in 10,000 are flagged (3 gave 28).
MIN_WIDTH = 5.0
# The band's top is raised to what the SKU sells on its busiest days of the past year (the
# 98th percentile, about its seventh-best day): lumpy SKUs sell nothing most days and then a
# case of 24, which a same-weekday median calls a spike every time. On the demo's 300 SKUs
# over two years the band alone flagged 5,269 days, 2.4% of all.
BUSY_DAY_QUANTILE = 0.98
BUSY_DAY_WINDOW = 364
MIN_BUSY_DAYS = 28
BAND_WEEKS = 8
MIN_BAND_WEEKS = 4
Z_95 = 1.959964
MAD_TO_SD = 1.4826
IN_SAMPLE = "in-sample band"
# Rows per block of the lag matrix: memory stays near 100 MB however many series there are.
ROWS_PER_BLOCK = 400_000


def in_sample_band(history: pd.DataFrame) -> pd.DataFrame:
    """history: `unique_id, ds, y[, censored]`, daily and without gaps within each series.
    Returns `unique_id, ds, mean, lo, hi, source` for the days with enough earlier same-weekday
    days; `mean` is the band's centre (the median), `source` is IN_SAMPLE."""
    frame, position = _daily(history)
    observed = frame["y"].to_numpy(float).copy()
    if "censored" in frame:
        observed[frame["censored"].to_numpy(bool)] = np.nan  # a stockout day says nothing
    centre = np.full(len(frame), np.nan)
    sigma = np.full(len(frame), np.nan)
    for start in range(0, len(frame), ROWS_PER_BLOCK):
        block = slice(start, min(start + ROWS_PER_BLOCK, len(frame)))
        centre[block], sigma[block] = _weekday_median_and_sd(observed, position, block)
    sigma = np.maximum(sigma, _count_sd(observed, position))
    band = frame[["unique_id", "ds"]].assign(
        mean=centre,
        lo=np.maximum(centre - Z_95 * sigma, 0.0),
        hi=np.fmax(centre + Z_95 * sigma, _busy_day(frame["unique_id"], observed)),
        source=IN_SAMPLE,
    )
    return band[band["mean"].notna()].reset_index(drop=True)


def _busy_day(series: pd.Series, observed: np.ndarray) -> np.ndarray:
    """Per row, the BUSY_DAY_QUANTILE of the series' days before it within BUSY_DAY_WINDOW
    (stockout days left out); NaN with fewer than MIN_BUSY_DAYS of them."""
    earlier = pd.Series(observed).groupby(series.to_numpy()).shift(1)
    rolling = earlier.groupby(series.to_numpy()).rolling(BUSY_DAY_WINDOW, min_periods=MIN_BUSY_DAYS)
    return (
        rolling.quantile(BUSY_DAY_QUANTILE).reset_index(level=0, drop=True).sort_index().to_numpy()
    )


def unusual_days(history: pd.DataFrame, intervals: pd.DataFrame) -> pd.DataFrame:
    """history: `unique_id, ds, y[, censored]`; intervals: `unique_id, ds, mean, lo, hi[,
    source]` (95%). The uncensored days far outside their interval (module docstring), with
    `unique_id, ds, y, mean, lo, hi, source, score, reason`, highest score first."""
    judged = history.merge(intervals, on=["unique_id", "ds"], how="inner")
    if "censored" in judged:
        judged = judged[~judged["censored"].astype(bool)]
    if "source" not in judged:
        judged = judged.assign(source="forecast")
    lo = np.maximum(judged["lo"].to_numpy(float), 0.0)
    hi = judged["hi"].to_numpy(float)
    y = judged["y"].to_numpy(float)
    beyond = np.maximum.reduce([y - hi, lo - y, np.zeros(len(y))])
    score = beyond / np.maximum(hi - lo, MIN_WIDTH)
    found = judged.assign(lo=lo, score=score)[score > FAR_OUTSIDE_WIDTHS]
    found = found.sort_values("score", ascending=False).reset_index(drop=True)
    found["reason"] = [
        _reason(*row) for row in found[["y", "mean", "lo", "hi", "source", "ds"]].itertuples(False)
    ]
    return found[["unique_id", "ds", "y", "mean", "lo", "hi", "source", "score", "reason"]]


def _daily(history: pd.DataFrame) -> tuple[pd.DataFrame, np.ndarray]:
    """The frame sorted by series and day, and each row's day number within its series."""
    frame = history.sort_values(["unique_id", "ds"]).reset_index(drop=True)
    ids = frame["unique_id"].to_numpy()
    rows = np.arange(len(frame))
    starts = np.ones(len(frame), dtype=bool)
    starts[1:] = ids[1:] != ids[:-1]
    position = rows - np.maximum.accumulate(np.where(starts, rows, 0))
    step = np.diff(frame["ds"].to_numpy(), prepend=frame["ds"].to_numpy()[:1])
    if (step[~starts] != np.timedelta64(1, "D")).any():
        raise ValueError("each series must be daily without gaps (zeros filled)")
    return frame, position


def _weekday_median_and_sd(
    observed: np.ndarray, position: np.ndarray, block: slice
) -> tuple[np.ndarray, np.ndarray]:
    """Median and 1.4826 MAD of the same weekday's earlier weeks, for a block of rows: the
    frame is gap-free, so k weeks back is 7k rows back while still inside the series."""
    rows = np.arange(block.start, block.stop)
    lags = 7 * np.arange(1, BAND_WEEKS + 1)
    inside = lags[None, :] <= position[block, None]
    earlier = np.where(inside, observed[np.maximum(rows[:, None] - lags[None, :], 0)], np.nan)
    enough = np.count_nonzero(~np.isnan(earlier), axis=1) >= MIN_BAND_WEEKS
    median = np.full(len(rows), np.nan)
    sd = np.full(len(rows), np.nan)
    if enough.any():
        kept = earlier[enough]
        median[enough] = _row_median(kept)
        sd[enough] = MAD_TO_SD * _row_median(np.abs(kept - median[enough, None]))
    return median, sd


def _row_median(values: np.ndarray) -> np.ndarray:
    """Each row's median, NaN left out (np.nanmedian goes through masked arrays: 5x slower)."""
    ordered = np.sort(values, axis=1)  # NaN sorts last
    count = np.count_nonzero(~np.isnan(values), axis=1)
    rows = np.arange(len(values))
    return (ordered[rows, (count - 1) // 2] + ordered[rows, count // 2]) / 2


def _count_sd(observed: np.ndarray, position: np.ndarray) -> np.ndarray:
    """sqrt(p g + p (1 - p) g^2) over the previous BAND_WEEKS weeks' uncensored days."""
    seen = ~np.isnan(observed)
    sold = seen & (observed > 0)
    log_size = np.log(observed, out=np.zeros(len(observed)), where=sold)
    days, selling_days, log_sizes = (
        _trailing_sum(values, position) for values in (seen, sold, log_size)
    )
    share = np.divide(selling_days, days, out=np.zeros(len(days)), where=days > 0)
    size = np.exp(
        np.divide(log_sizes, selling_days, out=np.zeros(len(days)), where=selling_days > 0)
    )
    return np.sqrt(share * size + share * (1 - share) * size**2)


def _trailing_sum(values: np.ndarray, position: np.ndarray) -> np.ndarray:
    """Per row, the sum of `values` over the series' previous BAND_WEEKS weeks, the row's own
    day left out: differences of one running total, the frame being gap-free."""
    total = np.concatenate([[0.0], np.cumsum(values, dtype=float)])
    rows = np.arange(len(values))
    return total[rows] - total[rows - np.minimum(position, 7 * BAND_WEEKS)]


def _reason(y: float, mean: float, lo: float, hi: float, source: str, ds: pd.Timestamp) -> str:
    """Like "sold 140 units vs forecast 12 (95% interval 3–25)"."""
    sold = f"sold {_units(y)} {'unit' if y == 1 else 'units'}"
    if source == IN_SAMPLE:
        return f"{sold} vs a usual {_units(mean)} on {ds:%A}s (95% band {_range(lo, hi)})"
    return f"{sold} vs forecast {_units(mean)} (95% interval {_range(lo, hi)})"


def _range(lo: float, hi: float) -> str:
    return f"{_units(lo)}–{_units(hi)}"


def _units(value: float) -> str:
    return f"{value:.0f}" if abs(value) >= 10 else f"{value:.1f}".rstrip("0").rstrip(".")
