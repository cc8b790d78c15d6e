"""Release: route, reserve, backorder, cancel; never oversell, never half-reserve."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

import pytest

from erp_core.adapters.database import Database
from erp_core.domain.errors import IllegalTransition, InsufficientStock
from erp_core.domain.orders import OrderStatus, PaymentStatus
from erp_core.domain.routing import Assignment, RoutingFacts
from erp_core.domain.stock import StockStatus
from erp_core.queries.inventory import inventory_positions
from erp_core.services import inventory as inv
from erp_core.services import master_data as md
from erp_core.services import orders as capture
from erp_core.services.order_commands import LineCommand, OrderCommand
from erp_core.services.order_policies import set_order_policy
from erp_core.services.release import cancel_order, releasable_orders, release_order
from pipelines.routing_orders import OptimalRouter
from tests.factories import ACTOR, item, location
from tests.integration.test_failure_injection import InjectedFailure, everything, failing_midway
from tests.integration.test_order_capture import ADDRESS, as_is

ROUTER = OptimalRouter(time_limit=2.0)


@pytest.fixture
def shop(db: Database) -> Database:
    item(db, "A")
    item(db, "B")
    location(db, "DC-1", handling_cost_per_order=Decimal("2"))
    location(db, "DC-2", handling_cost_per_order=Decimal("1"))
    md.create_record(db, ACTOR, md.CHANNELS, {"code": "WEB", "name": "Web", "kind": "web_store"})
    return db


def receive(db: Database, sku: str, code: str, qty: int) -> None:
    inv.move_stock(db, ACTOR, inv.MoveCommand(sku, code, qty, StockStatus.AVAILABLE))


def order(db: Database, external_id: str, *lines: tuple[str, int]) -> int:
    cmd = OrderCommand(
        channel="WEB",
        external_id=external_id,
        lines=tuple(LineCommand(sku, qty, Decimal("5")) for sku, qty in lines),
        ship_to=ADDRESS,
        shipping_method="standard",
        payment_status=PaymentStatus.CAPTURED,
    )
    return int(capture.capture_order(db, ACTOR, cmd, as_is).body["id"])


def free(db: Database, sku: str, code: str) -> dict[str, int]:
    row = inventory_positions(db, sku, code, None, 1).data[0]
    return {"available": row["available"], "reserved": row["reserved"]}


def test_an_order_one_location_can_fill_is_reserved_there_at_the_lowest_cost(
    shop: Database,
) -> None:
    for code in ("DC-1", "DC-2"):
        receive(shop, "A", code, 10)
    released = release_order(shop, ACTOR, order(shop, "O-1", ("A", 3)), ROUTER)
    assert released["status"] == OrderStatus.ALLOCATED
    assert [(a["location"], a["qty"]) for a in released["allocations"]] == [("DC-2", 3)]
    assert free(shop, "A", "DC-2") == {"available": 7, "reserved": 3}
    assert [t["to_status"] for t in released["timeline"]] == [
        OrderStatus.RECEIVED,
        OrderStatus.READY,
        OrderStatus.RELEASED,
        OrderStatus.ALLOCATED,
    ]


def test_what_no_location_holds_is_backordered_and_allocated_when_stock_arrives(
    shop: Database,
) -> None:
    receive(shop, "A", "DC-1", 2)
    order_id = order(shop, "O-1", ("A", 5))
    first = release_order(shop, ACTOR, order_id, ROUTER)
    assert first["status"] == OrderStatus.BACKORDERED
    assert sum(a["qty"] for a in first["allocations"]) == 2
    receive(shop, "A", "DC-2", 10)
    assert releasable_orders(shop, 10) == [order_id]
    second = release_order(shop, ACTOR, order_id, ROUTER)
    assert second["status"] == OrderStatus.ALLOCATED
    assert sum(a["qty"] for a in second["allocations"]) == 5


def test_a_channel_that_ships_complete_reserves_nothing_until_everything_can_ship(
    shop: Database,
) -> None:
    set_order_policy(shop, ACTOR, "WEB", {"ship_partial": False})
    receive(shop, "A", "DC-1", 5)
    released = release_order(shop, ACTOR, order(shop, "O-1", ("A", 2), ("B", 1)), ROUTER)
    assert released["status"] == OrderStatus.BACKORDERED and released["allocations"] == []
    assert free(shop, "A", "DC-1") == {"available": 5, "reserved": 0}


def test_cancelling_returns_every_reservation_and_a_cancelled_order_cannot_be_released(
    shop: Database,
) -> None:
    receive(shop, "A", "DC-1", 5)
    order_id = order(shop, "O-1", ("A", 4))
    release_order(shop, ACTOR, order_id, ROUTER)
    cancelled = cancel_order(shop, ACTOR, order_id, "customer changed their mind")
    assert cancelled["status"] == OrderStatus.CANCELLED
    assert {a["status"].value for a in cancelled["allocations"]} == {"released"}
    assert free(shop, "A", "DC-1") == {"available": 5, "reserved": 0}
    with pytest.raises(IllegalTransition):
        release_order(shop, ACTOR, order_id, ROUTER)


def test_many_orders_released_at_once_against_scarce_stock_never_oversell(shop: Database) -> None:
    receive(shop, "A", "DC-1", 7)
    receive(shop, "A", "DC-2", 5)
    receive(shop, "B", "DC-2", 4)
    orders = [order(shop, f"O-{n}", ("A", 1 + n % 3), ("B", 1)) for n in range(16)]
    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(lambda o: release_order(shop, ACTOR, o, ROUTER), orders))
    allocated = {"A": 0, "B": 0}
    for result in results:
        for a in result["allocations"]:
            allocated[a["sku"]] += a["qty"]
    assert allocated["A"] <= 12 and allocated["B"] <= 4
    reserved_a = free(shop, "A", "DC-1")["reserved"] + free(shop, "A", "DC-2")["reserved"]
    assert reserved_a == allocated["A"]
    assert all(r["status"] in (OrderStatus.ALLOCATED, OrderStatus.BACKORDERED) for r in results)


class Overcommitting:
    """A broken router that promises more than there is, to prove release is all or nothing."""

    def route(self, facts: RoutingFacts) -> list[Assignment]:
        first = facts.lines[0]
        location = next(place for item, place in facts.stock if item == first.item_id)
        return [Assignment(line.line_id, location, line.qty) for line in facts.lines]


def test_a_release_that_fails_midway_reserves_nothing(
    shop: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    receive(shop, "A", "DC-1", 5)
    receive(shop, "B", "DC-1", 5)
    order_id = order(shop, "O-1", ("A", 2), ("B", 2))
    before = everything(shop)
    with failing_midway(monkeypatch), pytest.raises(InjectedFailure):
        release_order(shop, ACTOR, order_id, ROUTER)
    assert everything(shop) == before
    short = order(shop, "O-2", ("A", 3), ("B", 9))
    before = everything(shop)
    with pytest.raises(InsufficientStock):
        release_order(shop, ACTOR, short, Overcommitting())
    assert everything(shop) == before
