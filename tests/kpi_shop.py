"""A shop of ten October days small enough to compute every executive KPI by hand, built
through the real services, each action at its own moment.

Masters: A (category tools, 4.00 a unit) stocked at DC-1, B (no category, 10.00) at DC-2;
channels WEB (no fee) and AMZ (marketplace, fee rate 0.12); supplier SUP delivers A in 10
days and B in 5. The story (all 2026, UTC):

    09-20        A +10 at DC-1 at 4.00, B +5 at DC-2 at 10.00
    10-01 08:00  O1 WEB: 3 A at 10.00, discount 3.00, tax 5.13, shipping 4.90
    10-01 20:00  O1 ships whole from DC-1 (12 h; the carrier charges 3.80)
    10-02 10:00  O2 AMZ: 2 B at 25.00, tax 9.50
    10-03 09:00  O3 AMZ: 4 A at 10.00, discount 2.00, shipping 5.00, delivery asked 10-06
    10-03 15:00  O3 ships 2 of 4 from DC-1 (6 h; carrier 4.20); 2 stay allocated
    10-04 11:00  O5 WEB: 1 A, cancelled 10-04 12:00 before release
    10-05 09:00  B +5 at DC-2 at 10.00
    10-05 10:00  O2 ships whole from DC-2 (72 h, a day after its ship-by day 10-04; carrier 6.10)
    10-06        1 A of O1 comes back damaged to DC-1, inspected
    10-07 09:00  it is restocked; 10:00 its refund posts (goods 9.00, tax 1.71)
    10-09 12:00  O4 WEB: 1 B at 25.00, received, not released
    10-10        forecast run: A 0.5 a day, B 1.0 a day from 10-10 on
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from erp_core.adapters.database import Database
from erp_core.clock import replaying_at
from erp_core.domain.orders import PaymentStatus
from erp_core.domain.returns import Condition, Disposition, ReturnReason
from erp_core.domain.stock import StockStatus
from erp_core.services import fulfillment
from erp_core.services import inventory as inv
from erp_core.services import master_data as md
from erp_core.services import orders as capture
from erp_core.services.dispositions import DisposeLine, dispose_units
from erp_core.services.forecast_runs import ForecastPoint, open_run, publish_run, start_run
from erp_core.services.order_commands import LineCommand, OrderCommand
from erp_core.services.refunds import request_refund
from erp_core.services.release import cancel_order, release_order
from erp_core.services.return_receiving import InspectLine, inspect_return, receive_return
from erp_core.services.returns import AuthorizeCommand, LineQty, authorize_return
from erp_core.services.supplier_items import create_supplier_item
from pipelines.routing_orders import OptimalRouter
from tests.factories import ACTOR, item, location

ROUTER = OptimalRouter(time_limit=2.0)
ADDRESS = {"name": "A", "line1": "1 Way", "city": "Berlin", "postcode": "10115", "country": "DE"}
START, END = date(2026, 10, 1), date(2026, 10, 10)
AS_OF = datetime(2026, 10, 10, 18, tzinfo=UTC)  # "now" for the snapshot KPIs


@dataclass(frozen=True)
class Orders:
    o1: int
    o2: int
    o3: int
    o4: int
    o5: int


def at(month: int, day: int, hour: int = 12) -> datetime:
    return datetime(2026, month, day, hour, tzinfo=UTC)


def open_shop(db: Database) -> Orders:
    _masters(db)
    with replaying_at(at(9, 20)):
        _receive(db, "A", "DC-1", 10, "4")
        _receive(db, "B", "DC-2", 5, "10")
    o1 = _order(db, at(10, 1, 8), "WEB", "O1", LineCommand("A", 3, D("10"), D("3"), D("5.13")), 4.9)
    _ship(db, at(10, 1, 20), o1, "DC-1", 3, "3.80")
    o2 = _order(db, at(10, 2, 10), "AMZ", "O2", LineCommand("B", 2, D("25"), tax=D("9.50")))
    o3 = _order(
        db, at(10, 3, 9), "AMZ", "O3", LineCommand("A", 4, D("10"), D("2")), 5, date(2026, 10, 6)
    )
    _ship(db, at(10, 3, 15), o3, "DC-1", 2, "4.20")
    o5 = _order(db, at(10, 4, 11), "WEB", "O5", LineCommand("A", 1, D("10")), release=False)
    with replaying_at(at(10, 4, 12)):
        cancel_order(db, ACTOR, o5, "customer changed their mind")
    with replaying_at(at(10, 5, 9)):
        _receive(db, "B", "DC-2", 5, "10")
    _ship(db, at(10, 5, 10), o2, "DC-2", 2, "6.10")
    _return_one(db, o1)
    o4 = _order(db, at(10, 9, 12), "WEB", "O4", LineCommand("B", 1, D("25")), release=False)
    _forecast(db)
    return Orders(o1, o2, o3, o4, o5)


def D(text: str) -> Decimal:  # noqa: N802  (reads like the Decimal it makes)
    return Decimal(text)


def _masters(db: Database) -> None:
    item(db, "A", category="tools", unit_cost="4")
    item(db, "B", unit_cost="10")
    location(db, "DC-1")
    location(db, "DC-2")
    md.create_record(db, ACTOR, md.CHANNELS, {"code": "WEB", "name": "Web", "kind": "web_store"})
    md.create_record(
        db,
        ACTOR,
        md.CHANNELS,
        {"code": "AMZ", "name": "Amazon", "kind": "marketplace", "fee_rate": "0.12"},
    )
    md.create_record(db, ACTOR, md.SUPPLIERS, {"code": "SUP", "name": "Supplier"})
    for sku, days in (("A", "10"), ("B", "5")):
        values = {"sku": sku, "unit_cost": "1", "lead_time_days_mean": days}
        create_supplier_item(db, ACTOR, "SUP", values)


def _receive(db: Database, sku: str, code: str, qty: int, cost: str) -> None:
    command = inv.MoveCommand(sku, code, qty, StockStatus.AVAILABLE, unit_cost=Decimal(cost))
    inv.move_stock(db, ACTOR, command)


def _order(
    db: Database,
    moment: datetime,
    channel: str,
    external_id: str,
    line: LineCommand,
    shipping: float = 0,
    delivery: date | None = None,
    release: bool = True,
) -> int:
    cmd = OrderCommand(
        channel=channel,
        external_id=external_id,
        lines=(line,),
        ship_to=ADDRESS,
        shipping_method="standard",
        payment_status=PaymentStatus.CAPTURED,
        shipping=Decimal(str(shipping)),
        requested_delivery_date=delivery,
    )
    with replaying_at(moment):
        reply = capture.capture_order(db, ACTOR, cmd, lambda _, order_id: {"id": order_id})
        order_id = int(reply.body["id"])
        if release:
            release_order(db, ACTOR, order_id, ROUTER)
    return order_id


def _ship(db: Database, moment: datetime, order_id: int, code: str, qty: int, label: str) -> None:
    """`label`: what the carrier charges for the parcel."""
    command = fulfillment.ShipCommand(
        code, "DHL", (fulfillment.ShipLine(1, qty),), shipping_cost=Decimal(label)
    )
    with replaying_at(moment):
        fulfillment.ship_order(db, ACTOR, order_id, command)


def _return_one(db: Database, order_id: int) -> None:
    with replaying_at(at(10, 6, 9)):
        command = AuthorizeCommand(order_id, ReturnReason.DAMAGED, (LineQty(1, 1),))
        rma_id = int(authorize_return(db, ACTOR, command)["id"])
    with replaying_at(at(10, 6, 10)):
        receive_return(db, ACTOR, rma_id, (LineQty(1, 1),))
    with replaying_at(at(10, 6, 12)):
        inspect_return(db, ACTOR, rma_id, (InspectLine(1, Condition.OPENED),))
    with replaying_at(at(10, 7, 9)):
        dispose_units(db, ACTOR, rma_id, (DisposeLine(1, 1, Disposition.RESTOCK),))
    with replaying_at(at(10, 7, 10)):
        request_refund(db, ACTOR, rma_id)


def _forecast(db: Database) -> None:
    """A week from 10-10 on, and a stale day before it that must not count."""
    with replaying_at(at(10, 10, 6)):
        run = open_run(db, ACTOR, "sku", 7, "test")
        start_run(db, run, None, False)
        points = [
            ForecastPoint(
                sku, None, None, date(2026, 10, 10) + timedelta(days=k), "m", mean, *NO_BANDS
            )
            for sku, mean in (("A", 0.5), ("B", 1.0))
            for k in range(7)
        ]
        stale = [
            ForecastPoint(sku, None, None, date(2026, 10, 9), "m", 99.0, *NO_BANDS) for sku in "AB"
        ]
        publish_run(db, run, points + stale, {}, False)


NO_BANDS = (None, None, None, None)
