"""The demand history the forecaster accepts, and the checks that give bad input a clear error.

A history is a long frame `unique_id, ds, y`: one row per series and period, zeros included,
no gaps (the caller fills periods without sales with 0), y >= 0 and not NaN, at least
MIN_PERIODS periods per series. An optional boolean column `censored` marks stockout periods,
whose y may be NaN (`forecasting.censoring` imputes them).

Frequencies: "D" (daily), "W" or "W-xxx" (weekly; "W" takes its anchor from the dates) and
"MS", "ME" or "M" (monthly; "M" takes month starts or month ends from the dates). Seasons
follow the frequency: 7 days, 52 weeks, 12 months.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

SEASON_LENGTHS = {"D": 7, "W": 52, "M": 12}
MAX_HORIZONS = {"D": 731, "W": 104, "M": 24}  # two years ahead: anything longer is a mistake
MIN_PERIODS = 3  # the fewest periods from which an error, hence an interval, can be measured
WEEKDAYS = ("MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN")


def frequency_kind(freq: object) -> str:
    """ "D", "W" or "M" for an accepted frequency; ValueError for anything else."""
    code = freq.upper() if isinstance(freq, str) else ""
    if code == "D":
        return "D"
    if code == "W" or (code.startswith("W-") and code[2:] in WEEKDAYS):
        return "W"
    if code in ("M", "MS", "ME"):
        return "M"
    raise ValueError(f"unknown freq {freq!r}: use 'D', 'W' (or 'W-MON'..'W-SUN'), 'MS' or 'M'")


def check_horizon(h: object, kind: str, name: str = "h") -> int:
    """h as an int in 1..two years of periods."""
    if isinstance(h, bool) or not isinstance(h, int | np.integer):
        raise ValueError(f"{name} must be a whole number of periods, got {h!r}")
    if not 0 < h <= MAX_HORIZONS[kind]:
        raise ValueError(f"{name}={h} must lie in 1..{MAX_HORIZONS[kind]} (two years ahead)")
    return int(h)


def check_levels(level: object) -> list[int]:
    """Interval levels as sorted, distinct whole percentages in 1..99."""
    values: list[Any] = list(level) if isinstance(level, list | tuple) else []
    if not values or not all(_is_percentage(value) for value in values):
        raise ValueError(
            f"level must list whole percentages in 1..99 such as [80, 95], got {level!r}"
        )
    return sorted({int(value) for value in values})


def _is_percentage(value: object) -> bool:
    number = isinstance(value, int | float | np.integer | np.floating)
    return number and not isinstance(value, bool) and value in range(1, 100)


def validated_history(history: pd.DataFrame, freq: str) -> tuple[pd.DataFrame, str]:
    """The history sorted by series and date with unique_id as str and y as float, and the
    statsforecast frequency its dates resolve to; ValueError naming the first problem found."""
    missing = {"unique_id", "ds", "y"} - set(history.columns)
    if missing:
        raise ValueError(f"history lacks the column(s) {sorted(missing)}")
    if history.empty:
        raise ValueError("history is empty: there is nothing to forecast from")
    if not pd.api.types.is_datetime64_dtype(history["ds"]):
        raise ValueError("history.ds must hold dates without a time zone (datetime64)")
    columns = ["unique_id", "ds", "y"] + (["censored"] if "censored" in history else [])
    frame = history[columns].astype({"unique_id": str, "y": np.float64})
    frame = frame.sort_values(["unique_id", "ds"], kind="stable", ignore_index=True)
    censored = frame["censored"].eq(True) if "censored" in frame else None  # NaN: not censored
    _check_demand(frame["y"], censored)
    duplicated = frame.duplicated(["unique_id", "ds"])
    if duplicated.any():
        row = frame[duplicated].iloc[0]
        raise ValueError(f"duplicate (unique_id, ds): {row.unique_id!r} on {row.ds:%Y-%m-%d}")
    resolved, period = _periods(frame["ds"], freq)
    _check_contiguous(frame["unique_id"], period)
    if censored is not None:
        frame["censored"] = censored
    return frame, resolved


def _check_demand(y: pd.Series, censored: pd.Series | None) -> None:
    unknown = y.isna() if censored is None else y.isna() & ~censored
    if unknown.any():
        raise ValueError(f"y is NaN in {int(unknown.sum())} row(s) that are not censored")
    if (y < 0).any():
        raise ValueError(f"y is negative in {int((y < 0).sum())} row(s): demand cannot be")


def _periods(ds: pd.Series, freq: str) -> tuple[str, np.ndarray]:
    """The resolved frequency and each date's period number (consecutive periods differ by 1)."""
    kind = frequency_kind(freq)
    days = ds.to_numpy().astype("datetime64[D]")
    if (days != ds.to_numpy()).any():
        raise ValueError("history.ds must be dates without a time of day")
    if kind == "D":
        return "D", days.astype(np.int64)
    if kind == "W":
        weekdays = np.unique(ds.dt.dayofweek)
        anchor = WEEKDAYS[int(weekdays[0])]
        if len(weekdays) > 1 or freq.upper() not in ("W", f"W-{anchor}"):
            raise ValueError(f"weekly dates must all fall on the weekday of {freq!r}")
        return f"W-{anchor}", days.astype(np.int64) // 7
    starts, ends = bool(ds.dt.is_month_start.all()), bool(ds.dt.is_month_end.all())
    code = freq.upper()
    if not ((starts and code in ("M", "MS")) or (ends and code in ("M", "ME"))):
        raise ValueError(
            f"monthly dates must all be month starts (MS) or month ends (ME) for {freq!r}"
        )
    return ("MS" if starts and code != "ME" else "ME"), (ds.dt.year * 12 + ds.dt.month).to_numpy()


def _check_contiguous(ids: pd.Series, period: np.ndarray) -> None:
    spans = (
        pd.DataFrame({"id": ids, "p": period})
        .groupby("id", sort=False)["p"]
        .agg(["min", "max", "size"])
    )
    gaps = spans[spans["max"] - spans["min"] + 1 != spans["size"]]
    if not gaps.empty:
        raise ValueError(f"series {gaps.index[0]!r} has missing periods: fill them with zeros")
    short = spans[spans["size"] < MIN_PERIODS]
    if not short.empty:
        raise ValueError(
            f"series {short.index[0]!r} has {int(short['size'].iloc[0])} period(s): a forecast "
            f"needs at least {MIN_PERIODS} (leave out SKUs launched in the last periods)"
        )
