"""Routing and release respect the published channel allocation: stock ring-fenced for one
channel is not routed to, nor reserved for, another channel's orders."""

from __future__ import annotations

from decimal import Decimal

import pytest

from erp_core.adapters.database import Database
from erp_core.domain.orders import PaymentStatus
from erp_core.services import orders as capture
from erp_core.services.order_commands import LineCommand, OrderCommand
from erp_core.services.release import release_order
from pipelines.channel_allocation import AllocationAsk, run_allocation
from pipelines.routing_answers import InlineAsk, route
from pipelines.routing_orders import OptimalRouter
from tests.factories import ACTOR
from tests.integration.test_order_capture import as_is
from tests.routing_company import BERLIN, routing_company


@pytest.fixture
def fenced(db: Database) -> Database:
    routing_company(db)
    # 22 units of A at stocking locations; 20 held for the marketplace.
    run_allocation(db, ACTOR, AllocationAsk(skus=("A",), ring_fences={"MKT": {"A": 20}}))
    return db


def _order(db: Database, external_id: str, channel: str, qty: int) -> int:
    cmd = OrderCommand(
        channel=channel,
        external_id=external_id,
        lines=(LineCommand("A", qty, Decimal("5")),),
        ship_to=BERLIN,
        shipping_method="standard",
        payment_status=PaymentStatus.CAPTURED,
    )
    return int(capture.capture_order(db, ACTOR, cmd, as_is).body["id"])


def test_another_channel_cannot_be_routed_stock_fenced_for_the_marketplace(
    fenced: Database,
) -> None:
    web = route(fenced, None, InlineAsk("WEB", [("A", 3)], BERLIN))
    assert web["status"] == "infeasible"
    assert web["reasons"][0].startswith("line 1 (A): 2 of 3 units can ship")
    market = route(fenced, None, InlineAsk("MKT", [("A", 5)], BERLIN))
    assert market["status"] == "optimal"


def test_release_reserves_only_what_the_fences_leave_for_the_channel(fenced: Database) -> None:
    router = OptimalRouter(time_limit=2.0)
    web = release_order(fenced, ACTOR, _order(fenced, "W-1", "WEB", 3), router)
    assert sum(a["qty"] for a in web["allocations"]) <= 2
    market = release_order(fenced, ACTOR, _order(fenced, "M-1", "MKT", 5), router)
    assert sum(a["qty"] for a in market["allocations"]) == 5
