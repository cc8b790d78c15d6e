"""The documented baseline forecast, used when no champion model can be loaded or it fails:
seasonal naive (each future day repeats the same weekday of the last week, or the same period
of the last season for weekly and monthly data) with its normal-error intervals, clipped at
zero. Forecast runs that fall back to it say `degraded: true`.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd
from statsforecast import StatsForecast
from statsforecast.models import Naive, SeasonalNaive

SEASON = {"D": 7, "W": 52, "M": 12, "MS": 12}
MODEL = "SeasonalNaive"


def baseline_forecast(
    history: pd.DataFrame, h: int, freq: str = "D", level: Sequence[int] = (80, 95)
) -> pd.DataFrame:
    """`unique_id, ds, model, mean, lo-L, hi-L` for every series of `history`."""
    season = SEASON.get(freq[:1] if freq.startswith("W") else freq, 1)
    frame = history[["unique_id", "ds", "y"]]
    lengths = frame.groupby("unique_id")["y"].transform("size")
    parts = []
    for model, rows in (
        (SeasonalNaive(season, alias=MODEL), lengths > season),
        (Naive(alias=MODEL), lengths <= season),
    ):
        if rows.any():
            engine = StatsForecast(models=[model], freq=freq, n_jobs=1)
            parts.append(engine.forecast(df=frame[rows], h=h, level=list(level)))
    forecast = pd.concat(parts, ignore_index=True)
    forecast.columns = [c.replace(f"{MODEL}-", "").replace(MODEL, "mean") for c in forecast.columns]
    bounds = [f"{side}-{n}" for n in level for side in ("lo", "hi")]
    forecast[["mean", *bounds]] = forecast[["mean", *bounds]].clip(lower=0)
    forecast.insert(2, "model", MODEL)
    return forecast[["unique_id", "ds", "model", "mean", *bounds]]
