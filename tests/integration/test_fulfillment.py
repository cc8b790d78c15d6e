"""Shipping consumes reservations, moves stock out, invoices, posts balanced entries and
announces itself through the outbox."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError

from erp_core.adapters.database import Database
from erp_core.adapters.fulfillment_tables import JournalLine
from erp_core.adapters.tables import Item
from erp_core.domain.errors import InsufficientStock, InvalidInput
from erp_core.domain.orders import OrderStatus, PaymentStatus
from erp_core.domain.stock import StockStatus
from erp_core.services import fulfillment, outbox
from erp_core.services import inventory as inv
from erp_core.services import orders as capture
from erp_core.services.order_commands import LineCommand, OrderCommand
from erp_core.services.release import cancel_order, release_order
from tests.factories import ACTOR
from tests.integration.test_failure_injection import InjectedFailure, everything, failing_midway
from tests.integration.test_order_capture import ADDRESS
from tests.integration.test_release import ROUTER, free, receive
from tests.integration.test_release import shop as shop  # noqa: F401  (the fixture)


def placed(db: Database, qty: int = 3) -> int:
    cmd = OrderCommand(
        channel="WEB",
        external_id="O-1",
        lines=(LineCommand("A", qty, Decimal("10.00"), Decimal("3.00"), Decimal("5.13")),),
        ship_to=ADDRESS,
        shipping_method="standard",
        payment_status=PaymentStatus.CAPTURED,
        shipping=Decimal("4.90"),
    )
    order_id = int(
        capture.capture_order(db, ACTOR, cmd, lambda _, order_id: {"id": order_id}).body["id"]
    )
    release_order(db, ACTOR, order_id, ROUTER)
    return order_id


def ship(db: Database, order_id: int, qty: int, location: str = "DC-2") -> dict:
    return fulfillment.ship_order(
        db,
        ACTOR,
        order_id,
        fulfillment.ShipCommand(
            location, "DHL", (fulfillment.ShipLine(1, qty),), tracking="JD0001"
        ),
    )


def trial_balance(db: Database) -> tuple[Decimal, Decimal]:
    debit, credit = db.read(
        lambda s: s.execute(select(func.sum(JournalLine.debit), func.sum(JournalLine.credit))).one()
    )
    return Decimal(debit or 0), Decimal(credit or 0)


def test_a_full_shipment_moves_stock_out_invoices_and_balances(shop: Database) -> None:
    receive(shop, "A", "DC-2", 10)
    order_id = placed(shop)
    fulfillment.pick_order(shop, ACTOR, order_id)
    done = ship(shop, order_id, 3)
    assert done["status"] == OrderStatus.INVOICED
    assert free(shop, "A", "DC-2") == {"available": 7, "reserved": 0}
    [invoice] = done["invoices"]
    assert (
        invoice["goods"],
        invoice["discount"],
        invoice["tax"],
        invoice["shipping"],
        invoice["total"],
    ) == (Decimal("30"), Decimal("3"), Decimal("5.13"), Decimal("4.90"), Decimal("37.03"))
    debit, credit = trial_balance(shop)
    assert debit == credit > 0
    kinds = [e["kind"] for e in outbox.pending_events(shop, 0, 100)]
    assert kinds == ["order.ready", "order.shipment", "order.shipped"]


def test_partial_shipments_invoice_exact_shares_and_shipping_once(shop: Database) -> None:
    receive(shop, "A", "DC-2", 10)
    order_id = placed(shop)
    first = ship(shop, order_id, 1)
    assert first["status"] == OrderStatus.ALLOCATED
    assert free(shop, "A", "DC-2") == {"available": 7, "reserved": 2}
    last = ship(shop, order_id, 2)
    assert last["status"] == OrderStatus.INVOICED
    invoices = last["invoices"]
    assert [i["shipping"] for i in invoices] == [Decimal("4.90"), Decimal(0)]
    assert sum(i["discount"] for i in invoices) == Decimal("3.00")
    assert sum(i["tax"] for i in invoices) == Decimal("5.13")
    assert sum(i["total"] for i in invoices) == last["total"]


def test_shipping_more_than_is_allocated_is_refused_and_writes_nothing(shop: Database) -> None:
    receive(shop, "A", "DC-2", 10)
    order_id = placed(shop)
    before = everything(shop)
    with pytest.raises(InsufficientStock):
        ship(shop, order_id, 4)
    with pytest.raises(InsufficientStock):
        ship(shop, order_id, 1, location="DC-1")
    assert everything(shop) == before


def test_cancelling_after_a_partial_shipment_frees_only_the_unshipped_units(shop: Database) -> None:
    receive(shop, "A", "DC-2", 10)
    order_id = placed(shop)
    ship(shop, order_id, 1)
    ended = cancel_order(shop, ACTOR, order_id, "customer cancelled the rest")
    assert ended["status"] == OrderStatus.INVOICED
    assert free(shop, "A", "DC-2") == {"available": 9, "reserved": 0}


def test_a_failure_midway_through_a_shipment_leaves_nothing(
    shop: Database,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    receive(shop, "A", "DC-2", 10)
    order_id = placed(shop)
    before = everything(shop)
    with failing_midway(monkeypatch), pytest.raises(InjectedFailure):
        ship(shop, order_id, 2)
    assert everything(shop) == before


def test_postings_are_never_edited(shop: Database) -> None:
    receive(shop, "A", "DC-2", 10)
    ship(shop, placed(shop), 3)
    with pytest.raises(DBAPIError):
        shop.transact(lambda s: s.execute(text("UPDATE journal_lines SET debit = debit + 1")))


def test_delivered_events_are_acknowledged_once(shop: Database) -> None:
    receive(shop, "A", "DC-2", 10)
    placed(shop)
    pending = outbox.pending_events(shop, 0, 100)
    ids = [e["id"] for e in pending]
    assert outbox.acknowledge(shop, ids) == len(ids)
    assert outbox.acknowledge(shop, ids) == 0
    assert outbox.pending_events(shop, 0, 100) == []
    assert len({e["event_id"] for e in pending}) == len(pending)


def test_cost_of_sale_is_posted_at_the_moving_average_cost_of_costed_receipts(
    shop: Database,
) -> None:
    for qty, cost in ((10, "5"), (10, "7")):
        inv.move_stock(
            shop,
            ACTOR,
            inv.MoveCommand("A", "DC-2", qty, StockStatus.AVAILABLE, unit_cost=Decimal(cost)),
        )
    order_id = placed(shop, qty=5)
    fulfillment.pick_order(shop, ACTOR, order_id)
    ship(shop, order_id, 5)
    cogs = shop.read(
        lambda s: s.scalar(select(func.sum(JournalLine.debit)).where(JournalLine.account == "cogs"))
    )
    assert cogs == Decimal("30")  # 5 units at (10 x 5 + 10 x 7) / 20 = 6
    average = shop.read(lambda s: s.scalar(select(Item.average_cost).where(Item.sku == "A")))
    assert average == Decimal("6")


def test_a_unit_cost_on_anything_but_a_receipt_is_refused(shop: Database) -> None:
    receive(shop, "A", "DC-2", 5)
    cmd = inv.MoveCommand(
        "A", "DC-2", 1, StockStatus.DAMAGED, StockStatus.AVAILABLE, unit_cost=Decimal("1")
    )
    with pytest.raises(InvalidInput):
        inv.move_stock(shop, ACTOR, cmd)
