"""Capture under contention and failure (RELIABILITY.md, promises 6 and 10)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from erp_core.adapters.database import Database
from erp_core.adapters.order_tables import Hold, IdempotencyKey, Order
from erp_core.adapters.tables import Customer, Reservation, StockMove
from erp_core.domain.access import Principal, Role
from erp_core.domain.errors import DomainError
from erp_core.domain.orders import OrderStatus, PaymentStatus
from erp_core.services import master_data as md
from erp_core.services import order_intake
from erp_core.services import orders as capture
from erp_core.services.holds import resolve_hold
from erp_core.services.idempotency import request_hash
from erp_core.services.order_commands import CustomerCommand, LineCommand, OrderCommand
from erp_core.services.order_intake import Outcome
from tests.factories import ACTOR, stocked
from tests.integration.test_failure_injection import InjectedFailure, everything, failing_midway

ADDRESS = {"name": "A", "line1": "1 Way", "city": "Berlin", "postcode": "10115", "country": "DE"}


def command(
    external_id: str = "EXT-1",
    payment: PaymentStatus = PaymentStatus.CAPTURED,
    customer: str = "C-1",
) -> OrderCommand:
    return OrderCommand(
        channel="WEB",
        external_id=external_id,
        lines=(
            LineCommand("SKU-1", 2, Decimal("9.99")),
            LineCommand("SKU-1", 1, Decimal("9.99")),
        ),
        ship_to=ADDRESS,
        shipping_method="standard",
        payment_status=payment,
        customer=CustomerCommand(customer, "Customer"),
    )


def as_is(session: Session, order_id: int) -> dict[str, Any]:
    return {"id": order_id, "status": session.get_one(Order, order_id).status.value}


@pytest.fixture
def shop(db: Database) -> Database:
    stocked(db, 10)
    md.create_record(db, ACTOR, md.CHANNELS, {"code": "WEB", "name": "Web", "kind": "web_store"})
    return db


def count(db: Database, model: type) -> int:
    return db.read(lambda s: s.scalar(select(func.count()).select_from(model))) or 0


def test_the_same_channel_order_from_ten_threads_at_once_is_captured_once(shop: Database) -> None:
    with ThreadPoolExecutor(max_workers=10) as pool:
        replies = list(
            pool.map(lambda _: capture.capture_order(shop, ACTOR, command(), as_is), range(10))
        )
    assert count(shop, Order) == 1
    assert {r.body["id"] for r in replies} == {replies[0].body["id"]}
    assert sorted(r.status_code for r in replies) == [200] * 9 + [201]


def test_one_idempotency_key_sent_fifty_times_at_once_gives_one_order_and_one_reply(
    shop: Database,
) -> None:
    scope = ("key-1:POST /v1/orders:abc", request_hash({"external_id": "EXT-1"}))
    with ThreadPoolExecutor(max_workers=16) as pool:
        replies = list(
            pool.map(
                lambda _: capture.capture_order(
                    shop, ACTOR, command(), as_is, idempotency_scope=scope
                ),
                range(50),
            )
        )
    assert count(shop, Order) == 1 and count(shop, IdempotencyKey) == 1
    assert {(r.status_code, r.body["id"]) for r in replies} == {(201, replies[0].body["id"])}


def test_new_customers_arriving_with_concurrent_orders_are_created_once(shop: Database) -> None:
    with ThreadPoolExecutor(max_workers=8) as pool:
        list(
            pool.map(
                lambda n: capture.capture_order(
                    shop, ACTOR, command(f"EXT-{n}", customer="NEW"), as_is
                ),
                range(8),
            )
        )
    assert count(shop, Order) == 8
    customers = shop.read(
        lambda s: s.scalar(select(func.count()).select_from(Customer).where(Customer.code == "NEW"))
    )
    assert customers == 1


def test_a_failure_midway_through_capture_leaves_no_order_and_frees_the_key(
    shop: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    scope = ("key-1:POST /v1/orders:abc", request_hash({"external_id": "EXT-1"}))
    before = everything(shop)
    with failing_midway(monkeypatch), pytest.raises(InjectedFailure):
        capture.capture_order(shop, ACTOR, command(), as_is, idempotency_scope=scope)
    assert everything(shop) == before
    assert (
        capture.capture_order(shop, ACTOR, command(), as_is, idempotency_scope=scope).status_code
        == 201
    )


def test_a_failure_midway_through_resolving_a_hold_changes_nothing(
    shop: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    held = capture.capture_order(shop, ACTOR, command(payment=PaymentStatus.PENDING), as_is)
    hold_id = shop.read(lambda s: s.scalar(select(Hold.id).where(Hold.order_id == held.body["id"])))
    finance = Principal(1, "fin", Role.FINANCE)
    before = everything(shop)
    with failing_midway(monkeypatch), pytest.raises(InjectedFailure):
        resolve_hold(shop, finance, hold_id, True, "paid")
    assert everything(shop) == before
    assert resolve_hold(shop, finance, hold_id, True, "paid")["status"].value == "ready"


def test_capture_never_touches_stock(shop: Database) -> None:
    moves = count(shop, StockMove)
    capture.capture_order(shop, ACTOR, command(), as_is)
    assert count(shop, Reservation) == 0 and count(shop, StockMove) == moves


def with_sku(cmd: OrderCommand, sku: str) -> OrderCommand:
    return replace(cmd, lines=(LineCommand(sku, 1, Decimal("9.99")),))


def test_a_batch_in_chunks_captures_each_order_once_and_refuses_only_the_bad_one(
    shop: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(shop.settings, "capture_chunk_orders", 3)
    batch = [
        command("B-1"),
        with_sku(command("B-2"), "NOPE"),
        command("B-1"),  # again in the same chunk
        command("B-3", payment=PaymentStatus.PENDING),
        command("B-1"),  # again in a later chunk
        replace(command("B-4"), lines=()),
    ]
    outcomes = capture.capture_batch(shop, ACTOR, "WEB", batch)
    first, bad, again, held, later, empty = outcomes
    assert isinstance(first, Outcome) and first.created
    assert again == later == Outcome(first.order_id, created=False)
    assert isinstance(bad, DomainError) and bad.code == "not_found"
    assert isinstance(empty, DomainError) and empty.code == "invalid_input"
    assert isinstance(held, Outcome) and held.created
    statuses = shop.read(lambda s: dict(s.execute(select(Order.external_id, Order.status)).all()))
    assert statuses == {"B-1": OrderStatus.READY, "B-3": OrderStatus.HELD}
    assert count(shop, Hold) == 1


def test_a_chunk_that_collides_with_a_concurrent_capture_is_taken_order_by_order(
    shop: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The unique channel order is the last line of defence: when a batch read no earlier
    capture but one commits before its insert, the chunk falls back to one order at a time."""
    existing = capture.capture_order(shop, ACTOR, command("C-2"), as_is).body["id"]
    blind = iter([{}])
    real = order_intake._captured
    monkeypatch.setattr(order_intake, "_captured", lambda *args: next(blind, None) or real(*args))
    outcomes = capture.capture_batch(shop, ACTOR, "WEB", [command("C-1"), command("C-2")])
    assert [o.created for o in outcomes if isinstance(o, Outcome)] == [True, False]
    assert outcomes[1] == Outcome(existing, created=False)
    assert count(shop, Order) == 2
