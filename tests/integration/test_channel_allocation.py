"""Channel allocation against the database: inputs read set-wise from stock, sales and forecasts;
a run saved and published whole or not at all; what each channel may still sell as orders
allocate; newer runs superseding older ones SKU by SKU, also when runs race."""

from __future__ import annotations

import math
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import func, select

from erp_core.adapters.allocation_tables import ChannelAllocation, ChannelAllocationLine
from erp_core.adapters.database import Database
from erp_core.adapters.tables import AuditRecord, Channel, Item
from erp_core.domain.errors import InvalidInput, NotFound
from erp_core.domain.orders import PaymentStatus
from erp_core.domain.stock import StockStatus
from erp_core.queries.channel_availability import channel_availability, ring_fenced_for_others
from erp_core.services import master_data as md
from erp_core.services import orders as capture
from erp_core.services.channel_allocations import allocation_lines, get_allocation
from erp_core.services.forecast_runs import ForecastPoint, open_run, publish_run, start_run
from erp_core.services.history import HistoricalLine, HistoricalOrder, load_history
from erp_core.services.inventory import MoveCommand, move_stock
from erp_core.services.order_commands import LineCommand, OrderCommand
from erp_core.services.release import cancel_order, release_order
from pipelines.channel_allocation import AllocationAsk, run_allocation
from pipelines.channel_allocation_inputs import InputRequest, allocation_inputs
from pipelines.routing_orders import OptimalRouter
from tests.factories import ACTOR, item, location
from tests.integration.test_failure_injection import InjectedFailure, everything, failing_midway
from tests.integration.test_order_capture import ADDRESS, as_is

LOOKBACK = 28
# Units a day and net price per channel: WEB sells A twice as fast, AMZ at a higher price.
SALES = {"WEB": (2, Decimal(20)), "AMZ": (1, Decimal(22))}


def two_channel_shop(db: Database) -> Database:
    """A (cost 8) with 100 units at DC-1; B (cost 3, list 10) with 10 units there, 50 at a
    drop-ship vendor and no sales; WEB (no fee, priority 10) and AMZ (15% fee, priority 20)."""
    item(db, "A", unit_cost=Decimal(8), list_price=Decimal(20))
    item(db, "B", unit_cost=Decimal(3), list_price=Decimal(10))
    location(db, "DC-1")
    location(db, "VENDOR", kind="dropship_vendor")
    for code, fee, priority in (("WEB", "0", 10), ("AMZ", "0.15", 20)):
        values = {"code": code, "name": code, "kind": "web_store", "fee_rate": Decimal(fee)}
        md.create_record(db, ACTOR, md.CHANNELS, values | {"allocation_priority": priority})
    for sku, code, qty in (("A", "DC-1", 100), ("B", "DC-1", 10), ("B", "VENDOR", 50)):
        move_stock(db, ACTOR, MoveCommand(sku, code, qty, StockStatus.AVAILABLE))
    now = datetime.now(UTC)
    history = [
        HistoricalOrder(
            channel, f"{channel}-{day}", now - timedelta(days=day, hours=1), "DC-1", (line,)
        )
        for channel, (units, price) in SALES.items()
        for line in [HistoricalLine("A", units, price)]
        for day in range(LOOKBACK)
    ]
    load_history(db, ACTOR, history)
    return db


@pytest.fixture
def shop(db: Database) -> Database:
    return two_channel_shop(db)


def _request(**extra: Any) -> InputRequest:
    now = datetime.now(UTC)
    values: dict[str, Any] = {"since": now - timedelta(days=LOOKBACK), "start": now.date()}
    return InputRequest(**(values | {"horizon_days": 14, "lookback_days": LOOKBACK} | extra))


def _channels(db: Database, sku: str, **extra: Any) -> dict[str, Any]:
    inputs = allocation_inputs(db, _request(**extra))
    found = next(s for s in inputs.skus if s.sku == sku)
    return {"available": found.available} | {ch.channel: ch for ch in found.channels}


def _run(db: Database, **ask: Any) -> dict[str, Any]:
    return run_allocation(db, ACTOR, AllocationAsk(lookback_days=LOOKBACK, **ask))


def _shares(run: dict[str, Any], sku: str) -> dict[str, int]:
    split = next(s for s in run["skus"] if s["sku"] == sku)
    return {share["channel"]: share["qty"] for share in split["shares"]}


def _ids(db: Database, sku: str, channel: str) -> tuple[int, int]:
    def read(session: Any) -> tuple[int, int]:
        item_id = session.scalar(select(Item.id).where(Item.sku == sku))
        return item_id, session.scalar(select(Channel.id).where(Channel.code == channel))

    return db.read(read)


def _availability(db: Database, channel: str, sku: str) -> dict[str, Any]:
    item_id, channel_id = _ids(db, sku, channel)
    return db.read(lambda session: channel_availability(session, channel_id, [item_id]))[0]


def _fenced_for_others(db: Database, channel: str, sku: str) -> int | None:
    item_id, channel_id = _ids(db, sku, channel)
    fenced = db.read(lambda session: ring_fenced_for_others(session, [item_id], channel_id))
    return fenced.get(item_id)


def _order(db: Database, channel: str, external_id: str, sku: str, qty: int) -> int:
    cmd = OrderCommand(
        channel=channel,
        external_id=external_id,
        lines=(LineCommand(sku, qty, Decimal(20)),),
        ship_to=dict(ADDRESS),
        shipping_method="standard",
        payment_status=PaymentStatus.CAPTURED,
    )
    order_id = int(capture.capture_order(db, ACTOR, cmd, as_is).body["id"])
    release_order(db, ACTOR, order_id, OptimalRouter(time_limit=2.0))
    return order_id


def _in_force(db: Database) -> list[tuple[int, int, int]]:
    line = ChannelAllocationLine
    query = select(line.allocation_id, line.item_id, line.channel_id).where(
        line.superseded_at.is_(None)
    )
    return db.read(lambda session: [(a, i, c) for a, i, c in session.execute(query)])


def test_inputs_take_stock_from_stocking_locations_and_rates_and_margins_from_sales(
    shop: Database,
) -> None:
    a = _channels(shop, "A")
    assert a["available"] == 100
    assert a["WEB"].demand == pytest.approx(2 * 14) and a["AMZ"].demand == pytest.approx(14)
    assert a["WEB"].demand_std is None, "a sales rate is taken as Poisson"
    assert a["WEB"].unit_margin == pytest.approx(20 - 8)
    assert a["AMZ"].unit_margin == pytest.approx(22 * 0.85 - 8), "net of the marketplace fee"
    assert (a["WEB"].priority, a["AMZ"].priority) == (10, 20)
    b = _channels(shop, "B", ring_fences={"AMZ": {"B": 4}})
    assert b["available"] == 10, "the drop-ship vendor's 50 units are not split"
    assert b["WEB"].demand == 0 and b["AMZ"].ring_fence == 4
    assert b["WEB"].unit_margin == pytest.approx(10 - 3), "no sales: the list price"


def test_a_published_forecast_is_split_by_each_channels_share_of_recent_sales(
    shop: Database,
) -> None:
    run_id = open_run(shop, ACTOR, "sku", 28, "test-forecaster")
    start_run(shop, run_id, None, degraded=True)
    today = datetime.now(UTC).date()
    points = [
        ForecastPoint("A", None, None, today + timedelta(days=day), "test", 6.0, 4.0, 8.0, 3.0, 9.0)
        for day in range(28)
    ]
    publish_run(shop, run_id, points, {}, degraded=True)
    inputs = allocation_inputs(shop, _request())
    assert inputs.forecast_run == run_id and inputs.demand_sources == {
        "forecast": 1,
        "sales_rate": 1,
    }
    a = _channels(shop, "A")
    mean, share = 6.0 * 14, 2 / 3
    assert a["WEB"].demand == pytest.approx(share * mean)
    daily_sd = 4.0 / (2 * 1.2815515655446004)
    var = 14 * daily_sd**2
    expected = math.sqrt(share**2 * var + share * (1 - share) * mean)
    assert a["WEB"].demand_std == pytest.approx(expected)


def test_a_per_channel_forecast_gives_each_channel_its_own_demand(shop: Database) -> None:
    run_id = open_run(shop, ACTOR, "channel", 28, "test-forecaster")
    start_run(shop, run_id, None, degraded=True)
    today = datetime.now(UTC).date()
    points = [
        ForecastPoint(
            "A", None, "WEB", today + timedelta(days=d), "test", 3, None, None, None, None
        )
        for d in range(7)
    ]
    publish_run(shop, run_id, points, {}, degraded=True)
    a = _channels(shop, "A")
    assert a["WEB"].demand == pytest.approx(3.0 * 14), "a week of forecast stretched to two"
    assert a["WEB"].demand_std == pytest.approx(math.sqrt(3.0 * 14)), "no interval: Poisson"
    assert a["AMZ"].demand == 0, "the run forecast no AMZ demand for A"


def test_a_run_saves_and_publishes_its_split_and_writes_nothing_else(shop: Database) -> None:
    before = everything(shop)
    run = _run(shop)
    assert run["status"] == "optimal" and run["published_at"] is not None
    assert sum(_shares(run, "A").values()) == 100 and sum(_shares(run, "B").values()) == 10
    assert _shares(run, "A")["WEB"] > _shares(run, "A")["AMZ"], "WEB sells twice as fast"
    assert (run["lines"], run["lines_in_force"]) == (4, 4)
    assert get_allocation(shop, run["id"])["objective"] == run["objective"] > 0
    lines = allocation_lines(shop, run["id"], "A", None, 10).data
    assert {(line["channel"], line["qty"]) for line in lines} == set(_shares(run, "A").items())
    assert all(line["why"] and line["in_force"] for line in lines)
    after = everything(shop)
    changed = {name for name in after if after[name] != before[name]}
    assert changed == {"channel_allocations", "channel_allocation_lines", "audit_log"}


def test_a_failure_midway_writes_nothing_and_keeps_the_split_in_force(
    shop: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = _run(shop)
    before = everything(shop)
    with failing_midway(monkeypatch), pytest.raises(InjectedFailure):
        _run(shop)
    assert everything(shop) == before
    assert {run for run, _, _ in _in_force(shop)} == {first["id"]}


def test_a_newer_run_supersedes_the_older_one_for_its_skus_only(shop: Database) -> None:
    first = _run(shop)
    second = _run(shop, skus=("A",))
    assert sorted(run for run, _, _ in _in_force(shop)) == [first["id"]] * 2 + [second["id"]] * 2
    assert get_allocation(shop, first["id"])["lines_in_force"] == 2
    lines = allocation_lines(shop, first["id"], "A", None, 10).data
    assert all(not line["in_force"] and line["superseded_at"] for line in lines)
    assert _availability(shop, "WEB", "A")["allocation_id"] == second["id"]
    assert _availability(shop, "WEB", "B")["allocation_id"] == first["id"]


def test_infeasible_ring_fences_are_reported_and_leave_the_old_split_in_force(
    shop: Database,
) -> None:
    first = _run(shop)
    run = _run(shop, skus=("A", "B"), ring_fences={"WEB": {"A": 60}, "AMZ": {"A": 60}})
    split = next(s for s in run["skus"] if s["sku"] == "A")
    assert split["status"] == "infeasible" and split["shares"] == []
    assert "120 units but only 100" in split["reason"]
    assert run["summary"]["infeasible"] == [{"sku": "A", "reason": split["reason"]}]
    assert _availability(shop, "WEB", "A")["allocation_id"] == first["id"]
    assert _availability(shop, "WEB", "B")["allocation_id"] == run["id"]


def test_ring_fences_are_held(shop: Database) -> None:
    run = _run(shop, ring_fences={"AMZ": {"A": 70}})
    assert _shares(run, "A")["AMZ"] >= 70
    lines = allocation_lines(shop, run["id"], "A", None, 10).data
    assert {line["channel"]: line["ring_fence"] for line in lines} == {"WEB": 0, "AMZ": 70}


def test_availability_and_fences_for_others_shrink_as_a_channel_consumes(shop: Database) -> None:
    assert _fenced_for_others(shop, "WEB", "A") is None, "no allocation yet: no limit"
    assert _availability(shop, "WEB", "A")["sellable"] == 100
    shares = _shares(_run(shop), "A")
    web = _availability(shop, "WEB", "A")
    assert (web["allocated"], web["consumed"], web["free"]) == (shares["WEB"], 0, 100)
    assert web["sellable"] == shares["WEB"]
    assert _fenced_for_others(shop, "AMZ", "A") == shares["WEB"]
    order_id = _order(shop, "WEB", "W-1", "A", 5)
    web = _availability(shop, "WEB", "A")
    assert (web["consumed"], web["remaining"], web["free"]) == (5, shares["WEB"] - 5, 95)
    assert web["sellable"] == shares["WEB"] - 5
    assert _fenced_for_others(shop, "AMZ", "A") == shares["WEB"] - 5
    assert _fenced_for_others(shop, "WEB", "A") == shares["AMZ"]
    amz = _availability(shop, "AMZ", "A")
    assert amz["held_for_others"] == shares["WEB"] - 5 and amz["sellable"] == shares["AMZ"]
    cancel_order(shop, ACTOR, order_id, "customer changed their mind")
    assert _availability(shop, "WEB", "A")["consumed"] == 0, "a cancelled order gives back"


def test_a_channel_the_split_left_out_may_sell_nothing_of_the_sku(shop: Database) -> None:
    _run(shop)
    md.create_record(shop, ACTOR, md.CHANNELS, {"code": "B2B", "name": "B2B", "kind": "b2b_portal"})
    row = _availability(shop, "B2B", "A")
    assert (row["allocated"], row["sellable"]) == (0, 0)
    assert _fenced_for_others(shop, "B2B", "A") == 100


def test_unknown_skus_or_channels_are_not_found_and_bad_numbers_are_invalid(
    shop: Database,
) -> None:
    with pytest.raises(NotFound):
        _run(shop, skus=("NOPE",))
    with pytest.raises(NotFound):
        _run(shop, ring_fences={"NOPE": {"A": 1}})
    for ask in ({"horizon_days": 0}, {"fairness_floor": 1.5}, {"ring_fences": {"WEB": {"A": -1}}}):
        with pytest.raises(InvalidInput):
            _run(shop, **ask)
    count = shop.read(lambda s: s.scalar(select(func.count()).select_from(ChannelAllocation)))
    assert count == 0


def test_runs_racing_leave_one_line_in_force_per_sku_and_channel_from_the_last(
    shop: Database,
) -> None:
    racers = 6
    start = threading.Barrier(racers)

    def race(_: int) -> int:
        start.wait()
        return int(_run(shop)["id"])

    with ThreadPoolExecutor(max_workers=racers) as pool:
        runs = list(pool.map(race, range(racers)))
    in_force = _in_force(shop)
    assert len(in_force) == 4 == len({(item_id, ch) for _, item_id, ch in in_force})
    assert {run for run, _, _ in in_force} == {max(runs)}
    audits = shop.read(
        lambda s: s.scalar(select(func.count()).where(AuditRecord.entity == "channel_allocation"))
    )
    assert audits == racers
