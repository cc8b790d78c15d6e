"""Demand anomaly scans through the ERP: a spike day in the orders is flagged once, forecast
training leaves it out until a planner dismisses it, and a forecast published before a day is
the interval that day is judged by."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from erp_core.adapters.anomaly_tables import AnomalyFlag
from erp_core.adapters.database import Database
from erp_core.adapters.tables import Item, Location
from erp_core.clock import replaying_at
from erp_core.domain.access import Principal, Role
from erp_core.services import master_data as md
from erp_core.services.anomaly_flags import resolve_flag
from erp_core.services.forecast_runs import ForecastPoint, open_run, publish_run
from erp_core.services.history import HistoricalLine, HistoricalOrder, load_history
from pipelines.demand_anomalies import scan_demand
from pipelines.demand_frames import demand_frame
from tests.factories import ACTOR, item, location

START = datetime(2026, 1, 1, 12, tzinfo=UTC)
DAYS = 42
SPIKE = 35
PLANNER = Principal(key_id=1, name="planner", role=Role.PLANNER)


def _day(n: int) -> date:
    return (START + timedelta(days=n)).date()


@pytest.fixture
def shop(db: Database) -> Database:
    """SKU A sells 10 units a day from DC-1 for six weeks, and 120 on day 35."""
    item(db, "A")
    location(db, "DC-1")
    md.create_record(db, ACTOR, md.CHANNELS, {"code": "WEB", "name": "WEB", "kind": "web_store"})
    orders = [
        HistoricalOrder(
            "WEB",
            f"WEB-{n}",
            START + timedelta(days=n),
            "DC-1",
            (HistoricalLine("A", 120 if n == SPIKE else 10),),
        )
        for n in range(DAYS)
    ]
    load_history(db, ACTOR, orders)
    return db


def _flags(db: Database) -> list[AnomalyFlag]:
    return db.read(lambda s: list(s.scalars(select(AnomalyFlag).order_by(AnomalyFlag.id))))


def _censored_days(db: Database, by: str = "sku", exclude_flagged: bool = True) -> list[int]:
    frame = demand_frame(db, by, exclude_flagged=exclude_flagged)  # type: ignore[arg-type]
    return [(ds.date() - _day(0)).days for ds in frame.loc[frame["censored"], "ds"]]


def test_a_spike_day_is_flagged_once_and_a_rescan_refreshes_the_flag(shop: Database) -> None:
    counts = scan_demand(shop)
    assert counts["flagged"] == counts["opened"] == 1
    assert counts["days"] == DAYS and counts["by_band"] == DAYS - 28 and counts["by_forecast"] == 0
    (flag,) = _flags(shop)
    item_id = shop.read(lambda s: s.scalar(select(Item.id).where(Item.sku == "A")))
    assert (flag.kind, flag.subject, flag.status) == ("demand", f"A@{_day(SPIKE)}", "open")
    assert (flag.item_id, flag.location_id, flag.day) == (item_id, None, _day(SPIKE))
    assert flag.details["actual"] == 120 and flag.details["source"] == "in-sample band"
    assert flag.details["lo"] < flag.details["mean"] == 10 < flag.details["hi"] < 30
    assert flag.reasons[0].startswith("sold 120 units vs a usual 10 on ")

    again = scan_demand(shop)
    assert (again["opened"], again["refreshed"]) == (0, 1)
    assert len(_flags(shop)) == 1


def test_forecasting_leaves_a_flagged_day_out_until_a_planner_dismisses_it(
    shop: Database,
) -> None:
    assert _censored_days(shop) == []
    scan_demand(shop)
    assert _censored_days(shop) == [SPIKE]
    assert _censored_days(shop, "location") == [SPIKE], "a SKU flag covers every location"
    assert _censored_days(shop, exclude_flagged=False) == []

    (flag,) = _flags(shop)
    resolve_flag(shop, PLANNER, flag.id, confirmed=False, comment="a real trade order")
    assert _censored_days(shop) == []
    assert scan_demand(shop)["kept_resolved"] == 1
    assert _flags(shop)[0].status == "dismissed"


def test_a_location_scan_flags_the_location_and_the_sku_series_leaves_it_out(
    shop: Database,
) -> None:
    counts = scan_demand(shop, since=_day(30), by="location")
    assert (counts["days"], counts["flagged"]) == (DAYS - 30, 1)
    (flag,) = _flags(shop)
    dc = shop.read(lambda s: s.scalar(select(Location.id).where(Location.code == "DC-1")))
    assert (flag.subject, flag.location_id) == (f"A@DC-1@{_day(SPIKE)}", dc)
    assert _censored_days(shop) == [SPIKE]


def _publish(db: Database, made_on: int, days: range, mean: float, lo: float, hi: float) -> int:
    with replaying_at(START + timedelta(days=made_on)):
        run_id = open_run(db, ACTOR, "sku", 28, "keel-demand-forecaster")
    points = [
        ForecastPoint("A", None, None, _day(n), "test", mean, None, None, lo, hi) for n in days
    ]
    publish_run(db, run_id, points, {}, degraded=False)
    return run_id


def test_a_day_is_judged_by_the_newest_forecast_made_before_it(shop: Database) -> None:
    early = _publish(shop, 30, range(31, DAYS), mean=100, lo=80, hi=130)
    late = _publish(shop, SPIKE, range(SPIKE, DAYS), mean=120, lo=100, hi=140)
    counts = scan_demand(shop, since=_day(31))
    assert counts["by_forecast"] == DAYS - 31 and counts["by_band"] == 0
    sources = {flag.day: flag.details["source"] for flag in _flags(shop)}
    ordinary = {_day(n) for n in range(31, DAYS) if n != SPIKE}
    assert set(sources) == ordinary, "10 units is far below 80; the spike is within its forecast"
    assert {sources[_day(n)] for n in range(31, SPIKE)} == {f"forecast run {early}"}
    assert {sources[_day(n)] for n in range(SPIKE + 1, DAYS)} == {f"forecast run {late}"}
    reason = next(flag.reasons[0] for flag in _flags(shop) if flag.day == _day(31))
    assert reason == "sold 10 units vs forecast 100 (95% interval 80–130)"
