"""The forecast picture the API serves: a SKU's recent daily demand and its latest published
forecast with the 80% and 95% bands (forecasting/plots.py draws it)."""

from __future__ import annotations

from datetime import date, timedelta

import pandas as pd

from erp_core.adapters.database import Database
from erp_core.queries.demand_history import Grouping
from erp_core.queries.forecasts import latest_forecast
from forecasting.plots import forecast_png
from pipelines.demand_frames import demand_frame


def forecast_plot(
    db: Database, sku: str, location: str | None, channel: str | None, history_days: int
) -> bytes:
    published = latest_forecast(db, sku, location, channel)
    values = pd.DataFrame(published["values"])
    forecast = pd.DataFrame(
        {
            "unique_id": sku,
            "ds": pd.to_datetime(values["ds"]),
            "model": values["model"],
            "mean": values["mean"],
            **{f"{side}-{n}": values[f"{side}_{n}"] for n in (80, 95) for side in ("lo", "hi")},
        }
    )
    since = forecast["ds"].min().date() - timedelta(days=history_days)
    history = _history(db, sku, location, channel, since)
    return forecast_png(history.tail(history_days), forecast, sku)


def _history(
    db: Database, sku: str, location: str | None, channel: str | None, since: date
) -> pd.DataFrame:
    grouping: Grouping = "location" if location else "channel" if channel else "sku"
    frame = demand_frame(db, grouping, since=since, sku=sku)
    wanted = f"{sku}@{location or channel}" if grouping != "sku" else sku
    history = frame[frame["unique_id"] == wanted].assign(unique_id=sku)
    return history[["unique_id", "ds", "y"]]
