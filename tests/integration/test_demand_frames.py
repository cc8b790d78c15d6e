"""The forecaster's training frame read out of the ERP: zeros filled, stockouts marked,
discontinued SKUs left out, series split by location or channel."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pandas as pd
import pytest

from erp_core.adapters.database import Database
from erp_core.clock import replaying_at
from erp_core.domain.stock import StockStatus
from erp_core.services import master_data as md
from erp_core.services.history import HistoricalLine, HistoricalOrder, load_history
from erp_core.services.inventory import MoveCommand, move_stock
from pipelines.demand_frames import demand_frame
from tests.factories import ACTOR, item, location

START = datetime(2026, 1, 1, 12, tzinfo=UTC)


def _day(n: int) -> datetime:
    return START + timedelta(days=n)


def _order(
    n: int, sku: str, qty: int, where: str = "DC-1", channel: str = "WEB"
) -> HistoricalOrder:
    line = HistoricalLine(sku, qty)
    return HistoricalOrder(channel, f"{channel}-{sku}-{n}-{where}", _day(n), where, (line,))


def _move(db: Database, n: int, sku: str, qty: int) -> None:
    """Units into free stock, or (qty < 0) out of it into damaged."""
    free, damaged = StockStatus.AVAILABLE, StockStatus.DAMAGED
    to, source = (free, None) if qty > 0 else (damaged, free)
    with replaying_at(_day(n)):
        move_stock(db, ACTOR, MoveCommand(sku, "DC-1", abs(qty), to, source, "test"))


@pytest.fixture
def shop(db: Database) -> Database:
    for sku in ("A", "B", "C", "D"):
        item(db, sku)
    location(db, "DC-1")
    location(db, "DC-2")
    for code in ("WEB", "AMZ"):
        md.create_record(db, ACTOR, md.CHANNELS, {"code": code, "name": code, "kind": "web_store"})
    return db


def test_days_without_orders_are_zeros_and_stockout_days_are_censored(shop: Database) -> None:
    _move(shop, 0, "A", 5)
    _move(shop, 3, "A", -5)  # the shelf is empty from day 3 ...
    _move(shop, 6, "A", 10)  # ... until a receipt on day 6
    load_history(shop, ACTOR, [_order(0, "A", 2), _order(2, "A", 3), _order(7, "A", 1)])
    frame = demand_frame(shop, until=_day(8).date())
    a = frame[frame["unique_id"] == "A"].set_index(frame["ds"].dt.day - 1)
    assert a["y"].tolist() == [2, 0, 3, 0, 0, 0, 0, 1, 0]
    assert a.index[a["censored"]].tolist() == [3, 4, 5]


def test_a_sku_without_stock_history_is_never_censored_and_deactivated_ones_are_left_out(
    shop: Database,
) -> None:
    load_history(shop, ACTOR, [_order(0, "C", 1), _order(1, "B", 4), _order(2, "C", 2)])
    md.deactivate_record(shop, ACTOR, md.ITEMS, "B")
    frame = demand_frame(shop, until=_day(3).date())
    assert set(frame["unique_id"]) == {"C"}
    assert not frame["censored"].any()


def test_a_sku_with_no_order_and_no_stock_for_eight_weeks_is_discontinued(shop: Database) -> None:
    _move(shop, 0, "A", 3)
    load_history(shop, ACTOR, [_order(0, "D", 1), _order(0, "A", 1)])
    frame = demand_frame(shop, until=_day(70).date())
    assert set(frame["unique_id"]) == {"A"}, "A still holds stock; D is gone"


def test_series_split_by_location_and_by_channel(shop: Database) -> None:
    orders = [
        _order(0, "A", 2, "DC-1"),
        _order(0, "A", 1, "DC-2"),
        _order(1, "A", 5, "DC-2", "AMZ"),
    ]
    load_history(shop, ACTOR, orders)
    by_location = demand_frame(shop, "location", until=_day(1).date())
    totals = by_location.groupby("unique_id")["y"].sum().to_dict()
    assert totals == {"A@DC-1": 2, "A@DC-2": 6}
    by_channel = demand_frame(shop, "channel", until=_day(1).date())
    assert by_channel.groupby("unique_id")["y"].sum().to_dict() == {"A@AMZ": 5, "A@WEB": 3}
    assert pd.api.types.is_datetime64_any_dtype(by_channel["ds"])
    assert by_channel["ds"].min().date() == date(2026, 1, 1)
