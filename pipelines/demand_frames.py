"""The ERP's order history as the forecaster's long frame `unique_id, ds, y, censored`.

- Every series runs day by day from its first order to the last day of the history; days
  without orders are zeros.
- `censored` marks stockout days: days that ended with no free stock for the SKU (at the
  location, for per-location series; across all locations otherwise). Their y is not demand,
  and the forecaster imputes them (forecasting/censoring.py). A SKU without any stock movement
  (history imported without stock) has no stockout days.
- With `exclude_flagged` (the default) `censored` also marks demand anomalies: days a demand
  flag not dismissed names (pipelines/demand_anomalies.py raises them). The forecaster imputes
  them like stockout days instead of learning a one-off spike as demand. A flag at a location
  marks that location's series and the SKU's whole-SKU and per-channel series that day; a flag
  without a location marks every series of the SKU that day.
- Discontinued SKUs are left out: items deactivated in the catalogue, and SKUs without an
  order and without free stock over the last DISCONTINUED_AFTER_DAYS days.
- unique_id is the SKU, or `SKU@LOCATION` / `SKU@CHANNEL` when demand is split.
"""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from erp_core.adapters.database import Database
from erp_core.adapters.tables import Item, Location
from erp_core.queries.anomalies import excluded_demand_days
from erp_core.queries.demand_history import Grouping, daily_demand, free_stock_changes

DISCONTINUED_AFTER_DAYS = 56
SEPARATOR = "@"


def demand_frame(
    db: Database,
    by: Grouping = "sku",
    until: date | None = None,
    since: date | None = None,
    sku: str | None = None,
    exclude_flagged: bool = True,
) -> pd.DataFrame:
    """Daily demand up to `until` (default: the last day with an order), from `since`; of one
    SKU's series when `sku` is given; flagged demand days marked censored unless
    `exclude_flagged` is False."""
    rows = daily_demand(db, by, since, sku)
    if not rows:
        return pd.DataFrame(
            {
                "unique_id": pd.Series(dtype=object),
                "ds": pd.Series(dtype="datetime64[ns]"),
                "y": pd.Series(dtype=float),
                "censored": pd.Series(dtype=bool),
            }
        )
    orders = pd.DataFrame(rows, columns=["sku", "key", "ds", "y"])
    orders["ds"] = pd.to_datetime(orders["ds"])
    last = pd.Timestamp(until) if until else orders["ds"].max()
    orders = orders[orders["ds"] <= last]
    frame = _filled(orders, last)
    stock = _free_stock(db, by == "location", last, sku)
    frame = _with_censoring(frame, stock, by == "location")
    if exclude_flagged:
        frame = _with_flagged_days(db, frame, by == "location")
    inactive = set(db.read(lambda s: list(s.scalars(select(Item.sku).where(~Item.active)))))
    frame = frame[~frame["sku"].isin(inactive | _dormant(frame, stock, last))]
    frame["unique_id"] = _series_id(frame)
    return frame[["unique_id", "ds", "y", "censored"]].reset_index(drop=True)


def sku_of(unique_id: str) -> str:
    return unique_id.split(SEPARATOR, 1)[0]


def _filled(orders: pd.DataFrame, last: pd.Timestamp) -> pd.DataFrame:
    """One row per series and day from the series' first order to `last`, zeros added.
    Built set-wise: a loop over 10,000 series took 24 s where this takes about one."""
    orders = orders.assign(key=orders["key"].fillna(""))
    daily = orders.groupby(["sku", "key", "ds"], sort=True)["y"].sum().reset_index()
    first = daily.groupby(["sku", "key"], sort=True)["ds"].min()
    days = ((last - first).dt.days + 1).to_numpy()
    offset = np.arange(days.sum()) - np.repeat(np.cumsum(days) - days, days)
    frame = pd.DataFrame(
        {
            "sku": np.repeat(first.index.get_level_values("sku").to_numpy(), days),
            "key": np.repeat(first.index.get_level_values("key").to_numpy(), days),
            "ds": np.repeat(first.to_numpy(), days) + offset * np.timedelta64(1, "D"),
        }
    )
    frame = frame.merge(daily, on=["sku", "key", "ds"], how="left")
    frame["y"] = frame["y"].fillna(0).astype(float)
    return frame


def _free_stock(
    db: Database, by_location: bool, last: pd.Timestamp, sku: str | None
) -> pd.DataFrame:
    """Free stock at the end of each day with a movement, per SKU (and location)."""
    changes = pd.DataFrame(
        free_stock_changes(db, by_location, sku), columns=["sku", "key", "ds", "change"]
    )
    changes["key"] = changes["key"].fillna("")
    changes["ds"] = pd.to_datetime(changes["ds"])
    changes["change"] = changes["change"].astype("int64")
    changes = changes[changes["ds"] <= last].sort_values(["sku", "key", "ds"])
    changes["level"] = changes.groupby(["sku", "key"])["change"].cumsum()
    return changes[["sku", "key", "ds", "level"]]


def _with_censoring(frame: pd.DataFrame, stock: pd.DataFrame, by_location: bool) -> pd.DataFrame:
    """Carry each day's closing free stock forward to the days without movements."""
    keys = ["sku", "key"] if by_location else ["sku"]
    merged = frame.merge(stock[[*keys, "ds", "level"]], on=[*keys, "ds"], how="left")
    merged = merged.sort_values(["sku", "key", "ds"])
    merged["level"] = merged.groupby(["sku", "key"])["level"].ffill()
    stocked = merged["sku"].isin(stock["sku"].unique())
    merged["censored"] = stocked & merged["level"].fillna(0).le(0)
    return merged.drop(columns="level")


def _with_flagged_days(db: Database, frame: pd.DataFrame, by_location: bool) -> pd.DataFrame:
    flagged = pd.DataFrame(db.read(_flagged_days), columns=["sku", "location", "ds"])
    if flagged.empty:
        return frame
    flagged["ds"] = pd.to_datetime(flagged["ds"])
    whole_sku = flagged[flagged["location"].isna()] if by_location else flagged
    days = pd.MultiIndex.from_frame(whole_sku[["sku", "ds"]])
    hit = pd.MultiIndex.from_frame(frame[["sku", "ds"]]).isin(days)
    if by_location:
        located = pd.MultiIndex.from_frame(flagged.dropna(subset=["location"]))
        hit |= pd.MultiIndex.from_frame(frame[["sku", "key", "ds"]]).isin(located)
    return frame.assign(censored=frame["censored"] | hit)


def _flagged_days(session: Session) -> list[tuple[str, str | None, date]]:
    """(SKU, location code or None, day) of the demand days forecasting leaves out."""
    excluded = excluded_demand_days(session)
    if not excluded:
        return []
    skus = dict(session.execute(select(Item.id, Item.sku)).all())
    codes = dict(session.execute(select(Location.id, Location.code)).all())
    return [
        (skus[item], codes[where] if where is not None else None, day)
        for item, where, day in excluded
    ]


def _dormant(frame: pd.DataFrame, stock: pd.DataFrame, last: pd.Timestamp) -> set[str]:
    recent = last - timedelta(days=DISCONTINUED_AFTER_DAYS)
    sold = set(frame.loc[(frame["ds"] > recent) & (frame["y"] > 0), "sku"])
    closing = stock.groupby(["sku", "key"])["level"].last().groupby("sku").sum()
    holding = set(closing[closing > 0].index)
    return set(frame["sku"]) - sold - holding


def _series_id(frame: pd.DataFrame) -> np.ndarray:
    keyed = frame["key"] != ""
    return np.where(keyed, frame["sku"] + SEPARATOR + frame["key"], frame["sku"])
