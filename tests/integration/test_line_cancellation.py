"""Cancelling units of a line before shipment: what is waiting goes first, then reservations,
which return to free stock; the order follows (RELIABILITY.md, promises 7 and 10)."""

from __future__ import annotations

import pytest

from erp_core.adapters.database import Database
from erp_core.domain.errors import IllegalTransition, InvalidInput, NotFound
from erp_core.domain.orders import OrderStatus
from erp_core.services import fulfillment, outbox
from erp_core.services.line_cancellation import cancel_line
from erp_core.services.release import release_order
from tests.factories import ACTOR
from tests.integration.test_failure_injection import InjectedFailure, everything, failing_midway
from tests.integration.test_release import ROUTER, free, order, receive
from tests.integration.test_release import shop as shop  # noqa: F401  (the fixture)


def lines(detail: dict) -> dict[int, int]:
    return {line["line_no"]: line["qty_cancelled"] for line in detail["lines"]}


def test_part_of_an_allocated_line_goes_back_to_free_stock_and_the_rest_stays_promised(
    shop: Database,
) -> None:
    receive(shop, "A", "DC-2", 10)
    order_id = order(shop, "O-1", ("A", 3))
    release_order(shop, ACTOR, order_id, ROUTER)
    after = cancel_line(shop, ACTOR, order_id, 1, 2, "customer wants one")
    assert (after["status"], lines(after)) == (OrderStatus.ALLOCATED, {1: 2})
    assert free(shop, "A", "DC-2") == {"available": 9, "reserved": 1}
    assert [a["qty"] for a in after["allocations"] if a["status"] == "active"] == [1]
    kinds = [e["kind"] for e in outbox.pending_events(shop, 0, 100)]
    assert kinds[-1] == "order.line_cancelled"


def test_cancelling_the_backordered_line_leaves_an_allocated_order(shop: Database) -> None:
    receive(shop, "A", "DC-2", 5)
    order_id = order(shop, "O-1", ("A", 2), ("B", 4))
    assert release_order(shop, ACTOR, order_id, ROUTER)["status"] == OrderStatus.BACKORDERED
    after = cancel_line(shop, ACTOR, order_id, 2, None, "out of stock for too long")
    assert (after["status"], lines(after)) == (OrderStatus.ALLOCATED, {1: 0, 2: 4})
    assert free(shop, "A", "DC-2") == {"available": 3, "reserved": 2}


def test_cancelling_every_line_cancels_the_order_and_returns_every_reservation(
    shop: Database,
) -> None:
    receive(shop, "A", "DC-2", 5)
    receive(shop, "B", "DC-2", 5)
    order_id = order(shop, "O-1", ("A", 2), ("B", 1))
    release_order(shop, ACTOR, order_id, ROUTER)
    cancel_line(shop, ACTOR, order_id, 1, None, "no")
    after = cancel_line(shop, ACTOR, order_id, 2, 1, "no")
    assert after["status"] == OrderStatus.CANCELLED
    assert free(shop, "A", "DC-2") == {"available": 5, "reserved": 0}
    assert free(shop, "B", "DC-2") == {"available": 5, "reserved": 0}


def test_cancelling_what_was_left_of_a_partly_shipped_order_ends_it_invoiced(
    shop: Database,
) -> None:
    receive(shop, "A", "DC-2", 5)
    order_id = order(shop, "O-1", ("A", 4))
    release_order(shop, ACTOR, order_id, ROUTER)
    ship = fulfillment.ShipCommand("DC-2", "DHL", (fulfillment.ShipLine(1, 1),))
    fulfillment.ship_order(shop, ACTOR, order_id, ship)
    after = cancel_line(shop, ACTOR, order_id, 1, None, "the rest is not wanted")
    assert (after["status"], lines(after)) == (OrderStatus.INVOICED, {1: 3})
    assert free(shop, "A", "DC-2") == {"available": 4, "reserved": 0}
    assert len(after["invoices"]) == 1


def test_more_than_is_left_an_unknown_line_or_a_finished_order_is_refused_untouched(
    shop: Database,
) -> None:
    receive(shop, "A", "DC-2", 5)
    order_id = order(shop, "O-1", ("A", 2))
    release_order(shop, ACTOR, order_id, ROUTER)
    before = everything(shop)
    with pytest.raises(InvalidInput):
        cancel_line(shop, ACTOR, order_id, 1, 3, "too many")
    with pytest.raises(NotFound):
        cancel_line(shop, ACTOR, order_id, 9, 1, "no such line")
    assert everything(shop) == before
    cancel_line(shop, ACTOR, order_id, 1, None, "all of it")
    with pytest.raises(IllegalTransition):
        cancel_line(shop, ACTOR, order_id, 1, 1, "already cancelled")


def test_a_failure_midway_through_a_line_cancellation_leaves_nothing_behind(
    shop: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    receive(shop, "A", "DC-2", 5)
    order_id = order(shop, "O-1", ("A", 3))
    release_order(shop, ACTOR, order_id, ROUTER)
    before = everything(shop)
    with failing_midway(monkeypatch), pytest.raises(InjectedFailure):
        cancel_line(shop, ACTOR, order_id, 1, 2, "midway")
    assert everything(shop) == before
