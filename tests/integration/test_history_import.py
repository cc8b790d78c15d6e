"""Order history loaded as shipped orders: the good rows go in, the bad ones are reported, and
a load is all or nothing (the brief of `keel import orders.csv`)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from erp_core.adapters.database import Database
from erp_core.adapters.fulfillment_tables import (
    Invoice,
    JournalEntry,
    OutboxEvent,
    Shipment,
    ShipmentLine,
)
from erp_core.adapters.order_tables import Order, OrderLine, OrderStatusChange
from erp_core.adapters.tables import AuditRecord, Channel, Item, Location, StockMove
from erp_core.domain.orders import OrderStatus, PaymentStatus
from erp_core.services import history, history_masters
from erp_core.services import master_data as md
from erp_core.services.history import HistoricalLine, HistoricalOrder, load_history
from pipelines.order_history_csv import HistoryFile, HistoryLayout, read_history
from tests.factories import ACTOR, item, location
from tests.integration.test_failure_injection import InjectedFailure, everything

LONG = (
    "sku,date,quantity,price\n"
    "A-1,2024-01-31,3,9.50\n"  # 2
    "B-2,2024-01-31,2,\n"  # 3: no price, sold at the list price
    "ZZZ,2024-01-31,1,\n"  # 4: unknown sku
    "A-1,2024-02-30,1,\n"  # 5: bad date
    "A-1,2024-02-01,-2,\n"  # 6: negative quantity
    "A-1,2024-02-01,0,\n"  # 7: no demand, skipped quietly
    "B-2,2024-02-02,1,\n"  # 8: the same sku twice in one day's order ...
    "B-2,2024-02-02,4,\n"  # 9: ... neither copy is loaded
    "A-1,2024-02-03,5,\n"  # 10
)


@pytest.fixture
def shop(db: Database) -> Database:
    md.create_record(db, ACTOR, md.CHANNELS, {"code": "WEB", "name": "Web", "kind": "web_store"})
    location(db, "DC-1")
    item(db, "A-1", unit_cost=Decimal("4.00"))
    item(db, "B-2", unit_cost=Decimal("2.00"), list_price=Decimal("7.25"))
    md.update_record(db, ACTOR, md.ITEMS, "A-1", {"average_cost": Decimal("4.40")})
    return db


def parsed(tmp_path: Path, text: str, **layout: Any) -> HistoryFile:
    path = tmp_path / "orders.csv"
    path.write_text(text, encoding="utf-8")
    return read_history(path, HistoryLayout(**{"channel": "WEB", "location": "DC-1", **layout}))


def load(db: Database, file: HistoryFile, **options: Any) -> history.HistoryReport:
    return load_history(
        db, ACTOR, file.orders, file.rejected, categories=file.categories, **options
    )


def count(db: Database, model: type[Any]) -> int:
    return int(db.read(lambda s: s.scalar(select(func.count()).select_from(model))))


def lines_of(session: Session, external_id: str) -> list[tuple[str, int, Decimal, Decimal]]:
    query = (
        select(Item.sku, OrderLine.qty, OrderLine.unit_price, OrderLine.unit_cost)
        .join(Item, Item.id == OrderLine.item_id)
        .join(Order, Order.id == OrderLine.order_id)
        .where(Order.external_id == external_id)
        .order_by(OrderLine.line_no)
    )
    return [tuple(row) for row in session.execute(query)]  # type: ignore[misc]


def test_good_rows_load_as_shipped_orders_and_bad_rows_are_reported(
    shop: Database, tmp_path: Path
) -> None:
    file = parsed(tmp_path, LONG)
    assert file.zero_rows == 1
    report = load(shop, file)

    assert (report.orders, report.lines, report.units) == (2, 3, 10)
    reasons = {problem.line: problem.reason for problem in report.rejected}
    assert sorted(reasons) == [4, 5, 6, 8, 9]
    assert "ZZZ" in reasons[4] and "not found" in reasons[4]
    assert "2024-02-30" in reasons[5]
    assert "negative" in reasons[6]
    assert "lines 8 and 9" in reasons[8]
    assert reasons[9] == reasons[8]
    with Session(shop.engine) as session:
        assert lines_of(session, "H20240131-DC-1") == [
            ("A-1", 3, Decimal("9.5"), Decimal("4.4")),
            ("B-2", 2, Decimal("7.25"), Decimal("2")),
        ]
        order = session.scalars(select(Order).where(Order.external_id == "H20240131-DC-1")).one()
        assert (order.status, order.payment_status) == (OrderStatus.CLOSED, PaymentStatus.CAPTURED)
        assert order.goods == order.total == Decimal("43")
        assert order.created_at == datetime(2024, 1, 31, 12, tzinfo=UTC)
        shipped = session.execute(
            select(Shipment.shipped_at, func.sum(ShipmentLine.qty))
            .join(ShipmentLine, ShipmentLine.shipment_id == Shipment.id)
            .where(Shipment.order_id == order.id)
            .group_by(Shipment.id)
        ).all()
        assert shipped == [(order.created_at, 5)]
        timeline = session.scalars(
            select(OrderStatusChange).where(OrderStatusChange.order_id == order.id)
        ).all()
        assert [(t.from_status, t.to_status, t.note) for t in timeline] == [
            (None, OrderStatus.CLOSED, "imported history")
        ]
    for untouched in (StockMove, JournalEntry, Invoice, OutboxEvent):
        assert count(shop, untouched) == 0, f"history writes no {untouched.__tablename__}"


def test_reimporting_a_file_loads_nothing_and_reports_every_order_as_imported_before(
    shop: Database, tmp_path: Path
) -> None:
    load(shop, parsed(tmp_path, LONG))
    again = load(shop, parsed(tmp_path, LONG + "A-1,2024-03-01,2,\n"))

    assert (again.orders, again.lines) == (1, 1), "only the new day's order loads"
    before = {p.line: p.reason for p in again.rejected if "imported before" in p.reason}
    assert sorted(before) == [2, 3, 4, 10]
    assert "order H20240131-DC-1 of channel WEB" in before[2]
    assert count(shop, Order) == count(shop, Shipment) == 3


def test_an_order_twice_in_the_input_loads_once_and_the_copy_is_reported(
    shop: Database,
) -> None:
    noon = datetime(2024, 5, 1, 12, tzinfo=UTC)
    orders = [
        HistoricalOrder("WEB", "X-1", noon, "DC-1", (HistoricalLine("A-1", 1, source=2),)),
        HistoricalOrder("WEB", "X-1", noon, "DC-1", (HistoricalLine("A-1", 2, source=3),)),
    ]
    report = load_history(shop, ACTOR, orders)
    assert (report.orders, report.units) == (1, 1)
    assert [p.line for p in report.rejected] == [3]
    assert "twice" in report.rejected[0].reason and "line 2" in report.rejected[0].reason


def test_an_order_whose_every_line_is_refused_is_left_out(
    shop: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(history, "CHUNK_ORDERS", 1)
    noon = datetime(2024, 5, 1, 12, tzinfo=UTC)
    orders = [
        HistoricalOrder("WEB", "N-1", noon, "DC-1", (HistoricalLine("ZZZ", 1, source=2),)),
        HistoricalOrder("WEB", "N-2", noon, "DC-1", (HistoricalLine("A-1", 0, source=3),)),
        HistoricalOrder("WEB", "N-3", noon, "DC-1", (HistoricalLine("A-1", 2, source=4),)),
    ]
    report = load_history(shop, ACTOR, orders)
    assert (report.orders, report.units) == (1, 2)
    assert [p.line for p in report.rejected] == [2, 3]
    assert count(shop, Order) == count(shop, Shipment) == count(shop, OrderStatusChange) == 1


def test_unknown_channels_locations_and_customers_reject_their_orders_whole(
    shop: Database,
) -> None:
    md.create_record(shop, ACTOR, md.CUSTOMERS, {"code": "C-1", "name": "Customer"})
    noon = datetime(2024, 5, 1, 12, tzinfo=UTC)

    def order(external_id: str, source: int, **changes: Any) -> HistoricalOrder:
        values: dict[str, Any] = {"channel": "WEB", "location": "DC-1", **changes}
        lines = (HistoricalLine("A-1", 1, source=source), HistoricalLine("B-2", 1, source=source))
        return HistoricalOrder(external_id=external_id, ordered_at=noon, lines=lines, **values)

    report = load_history(
        shop,
        ACTOR,
        [
            order("K-1", 2, customer="C-1"),
            order("K-2", 3, channel="SHOP"),
            order("K-3", 4, location="DC-9"),
            order("K-4", 5, customer="C-404"),
        ],
    )
    assert report.orders == 1
    assert {p.line: p.reason for p in report.rejected} == {
        3: "channel 'SHOP' not found",
        4: "location 'DC-9' not found",
        5: "customer 'C-404' not found",
    }
    with Session(shop.engine) as session:
        assert session.scalar(select(Order.customer_id)) is not None


def test_create_missing_creates_items_locations_and_channels_with_their_audit_records(
    db: Database, tmp_path: Path
) -> None:
    m5 = "id,item_id,dept_id,cat_id,store_id,state_id,d_1,d_2\nX,HOB_1,H,HOBBIES,CA_1,CA,0,3\n"
    report = load(db, parsed(tmp_path, m5, format="m5", channel="M5"), create_missing=True)

    assert (report.items_created, report.locations_created, report.channels_created) == (1, 1, 1)
    assert (report.orders, report.units, report.rejected) == (1, 3, [])
    with Session(db.engine) as session:
        assert session.scalars(select(Item.category)).one() == "HOBBIES"
        assert session.scalars(select(Location.region)).one() == history_masters.NO_REGION
        assert session.scalars(select(Channel.kind)).one() == "web_store"
        actions = session.scalars(select(AuditRecord.action).order_by(AuditRecord.id)).all()
        external_id = session.scalars(select(Order.external_id)).one()
    assert actions == ["channel.create", "location.create", "item.create", "order_history.import"]
    assert external_id == "H20110130-CA_1", "d_2 is the day after 2011-01-29"


def test_a_failure_after_the_first_chunk_leaves_nothing_behind(
    db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    file = parsed(tmp_path, "sku,date,quantity\nN-1,2024-01-01,1\nN-2,2024-01-02,2\n")
    monkeypatch.setattr(history, "CHUNK_ORDERS", 1)
    written: list[int] = []

    def fail_after_first_chunk(orders: int) -> None:
        written.append(orders)
        raise InjectedFailure("after the first chunk, before commit")

    before = everything(db)
    with pytest.raises(InjectedFailure):
        load(db, file, create_missing=True, progress=fail_after_first_chunk)
    assert written == [1]
    assert everything(db) == before
    assert load(db, file, create_missing=True).orders == 2, "the same load succeeds afterwards"


def test_imported_orders_are_listed_as_closed_orders(
    shop: Database, tmp_path: Path, app_client: TestClient, admin: dict[str, str]
) -> None:
    load(shop, parsed(tmp_path, LONG))
    listed = app_client.get("/v1/orders", params={"status": "closed"}, headers=admin)
    assert listed.status_code == 200, listed.text
    assert [o["external_id"] for o in listed.json()["data"]] == ["H20240203-DC-1", "H20240131-DC-1"]
    one = app_client.get(f"/v1/orders/{listed.json()['data'][0]['id']}", headers=admin)
    assert one.status_code == 200, one.text


# --- reading files (no database) ------------------------------------------------------------


def test_rows_with_an_order_id_group_by_it_and_must_agree_on_date_and_location(
    tmp_path: Path,
) -> None:
    file = parsed(
        tmp_path,
        "order_id,sku,date,qty,location\n"
        "SO-1,A-1,2024-01-05,1,DC-1\n"
        "SO-1,B-2,2024-01-05,2,DC-1\n"
        "SO-1,C-3,2024-01-06,1,DC-1\n"
        "SO-2,A-1,2024-01-05,1,DC-2\n",
        location=None,
    )
    assert [(o.external_id, o.location, len(o.lines)) for o in file.orders] == [
        ("SO-1", "DC-1", 2),
        ("SO-2", "DC-2", 1),
    ]
    assert [(p.line, p.reason) for p in file.rejected] == [
        (4, "order SO-1 has date 2024-01-06 here but 2024-01-05 on line 2")
    ]


def test_wide_periods_are_read_from_date_headers_or_from_a_start_and_frequency(
    tmp_path: Path,
) -> None:
    headed = parsed(tmp_path, "Part,Jan-98,Feb-98,Mar-98\nP1,0,2.0,\nP2,1,x,1.5\n", format="wide")
    assert [(o.ordered_at.date(), [line.qty for line in o.lines]) for o in headed.orders] == [
        (date(1998, 1, 1), [1]),
        (date(1998, 2, 1), [2]),
    ]
    assert [p.reason for p in headed.rejected] == [
        "Feb-98: quantity 'x' is not a number",
        "Mar-98: quantity 1.5 is not a whole number",
    ]
    labelled = parsed(
        tmp_path,
        "sku,t01,t02,t03\nS,1,1,1\n",
        format="wide",
        start=date(2024, 1, 31),
        frequency="M",
    )
    assert [o.ordered_at.date() for o in labelled.orders] == [
        date(2024, 1, 31),
        date(2024, 2, 29),
        date(2024, 3, 31),
    ]
