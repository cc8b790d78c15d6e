"""Demand anomaly scan: the days a SKU's demand was far outside its 95% interval, raised as
demand flags for planners; forecast training leaves them out (pipelines/demand_frames.py).

Read the daily demand (stockout days are never judged, and a day is judged once it is over) ->
each day's interval: the newest succeeded forecast run of the same grouping made before the day,
else the in-sample band -> the days far outside (anomaly/demand_days.py) -> flags opened or
refreshed in one transaction; a flag a planner dismissed stays dismissed.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pandas as pd
from sqlalchemy import literal, select
from sqlalchemy.orm import Session

from anomaly.demand_days import BAND_WEEKS, IN_SAMPLE, in_sample_band, unusual_days
from erp_core.adapters.database import Database
from erp_core.adapters.forecast_tables import ForecastRun, ForecastValue
from erp_core.adapters.tables import Channel, Item, Location
from erp_core.clock import utcnow
from erp_core.domain.anomalies import FlagKind, NewFlag
from erp_core.domain.forecasts import RunStatus
from erp_core.queries.demand_history import Grouping
from erp_core.services.anomaly_flags import Raised, raise_flags
from pipelines.demand_frames import SEPARATOR, demand_frame

KEYS = ["unique_id", "ds"]


def scan_demand(
    db: Database, since: date | None = None, until: date | None = None, by: Grouping = "sku"
) -> dict[str, int]:
    """Judge every series' days from `since` (default: the start of the history) to `until`
    (default: the last day with an order), never today or later; returns the counts of series,
    days judged, days judged by a stored forecast or by the in-sample band, and flags found,
    opened, refreshed and kept resolved."""
    start = since - timedelta(weeks=BAND_WEEKS) if since else None  # the band's earlier weeks
    # Flagged days stay in the frame: the rescan must see them to refresh their flags.
    history = demand_frame(db, by, until=until, since=start, exclude_flagged=False)
    days = history[(history["ds"] < pd.Timestamp(utcnow().date())) & ~history["censored"]]
    if since:
        days = days[days["ds"] >= pd.Timestamp(since)]
    if days.empty:
        return _counts(days, pd.DataFrame(columns=[*KEYS, "source"]), 0, None)
    first, last = days["ds"].min().date(), days["ds"].max().date()
    intervals = in_sample_band(history)
    stored = _forecast_intervals(db, by, first, last)
    if len(stored):  # a stored forecast, where there is one, comes before the band
        intervals = pd.concat([stored, intervals]).drop_duplicates(KEYS, keep="first")
    found = unusual_days(days, intervals)

    def work(session: Session) -> Raised:
        return raise_flags(session, _flags(session, found, by))

    raised = db.transact(work)
    covered = days[KEYS].merge(intervals[[*KEYS, "source"]], on=KEYS)
    return _counts(days, covered, len(found), raised)


def _forecast_intervals(db: Database, by: Grouping, first: date, last: date) -> pd.DataFrame:
    """`unique_id, ds, mean, lo, hi, source` from stored runs: each day's 95% interval from the
    newest succeeded run of this grouping made before that day."""

    def read(session: Session) -> list[Any]:
        runs = session.execute(
            select(ForecastRun.id, ForecastRun.created_at)
            .where(ForecastRun.status == RunStatus.SUCCEEDED, ForecastRun.grouping == by)
            .order_by(ForecastRun.created_at, ForecastRun.id)
        ).all()
        rows: list[Any] = []
        for index, (run_id, made) in enumerate(runs):
            superseded = runs[index + 1][1] if index + 1 < len(runs) else None
            # A run speaks for the days after the one it was made on, until a newer run is made.
            begin = max(_utc_day(made) + timedelta(days=1), first)
            end = min(_utc_day(superseded), last) if superseded else last
            if begin <= end:
                rows += session.execute(_values(run_id, by, begin, end)).all()
        return rows

    stored = pd.DataFrame(db.read(read), columns=["run", "sku", "key", "ds", "mean", "lo", "hi"])
    keyed = stored["key"].notna()
    stored["unique_id"] = stored["sku"].where(~keyed, stored["sku"] + SEPARATOR + stored["key"])
    stored["ds"] = pd.to_datetime(stored["ds"])
    stored["source"] = "forecast run " + stored["run"].astype(str)
    return stored[[*KEYS, "mean", "lo", "hi", "source"]]


def _utc_day(moment: datetime) -> date:
    return moment.astimezone(UTC).date()


def _values(run_id: int, by: Grouping, begin: date, end: date) -> Any:
    key: Any = {"location": Location.code, "channel": Channel.code}.get(by, literal(None))
    query = (
        select(ForecastValue.run_id, Item.sku, key, ForecastValue.ds, ForecastValue.mean)
        .add_columns(ForecastValue.lo_95, ForecastValue.hi_95)
        .join(Item, Item.id == ForecastValue.item_id)
        .where(
            ForecastValue.run_id == run_id,
            ForecastValue.ds.between(begin, end),
            ForecastValue.lo_95.is_not(None),
            ForecastValue.hi_95.is_not(None),
        )
    )
    if by == "location":
        return query.join(Location, Location.id == ForecastValue.location_id)
    if by == "channel":
        return query.join(Channel, Channel.id == ForecastValue.channel_id)
    return query


def _flags(session: Session, found: pd.DataFrame, by: Grouping) -> list[NewFlag]:
    items = dict(session.execute(select(Item.sku, Item.id)).all())
    locations = dict(session.execute(select(Location.code, Location.id)).all())
    flags = []
    for row in found.itertuples(index=False):
        sku, _, key = str(row.unique_id).partition(SEPARATOR)
        day = row.ds.date()
        details = {
            "actual": float(row.y),
            "mean": float(row.mean),
            "lo": float(row.lo),
            "hi": float(row.hi),
            "source": row.source,
        }
        flags.append(
            NewFlag(
                kind=FlagKind.DEMAND,
                subject=f"{row.unique_id}{SEPARATOR}{day.isoformat()}",
                score=float(row.score),
                reasons=[str(row.reason)],
                details=details | ({"channel": key} if by == "channel" else {}),
                item_id=items[sku],
                location_id=locations[key] if by == "location" else None,
                day=day,
            )
        )
    return flags


def _counts(
    days: pd.DataFrame, covered: pd.DataFrame, flagged: int, raised: Raised | None
) -> dict[str, int]:
    by_band = int((covered["source"] == IN_SAMPLE).sum())
    return {
        "series": int(days["unique_id"].nunique()),
        "days": len(days),
        "by_forecast": len(covered) - by_band,
        "by_band": by_band,
        "flagged": flagged,
        "opened": raised.opened if raised else 0,
        "refreshed": raised.refreshed if raised else 0,
        "kept_resolved": raised.kept_resolved if raised else 0,
    }
