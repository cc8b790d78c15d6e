"""A small shop whose week in October 2026 feeds every operations KPI, built through the real
services with each action stamped at its moment by the business clock.

Items: A (toys, 10.00, 10 on the shelf at DC-1), B (garden, 4.00, 5 at DC-2), C (no category,
6.00, never in stock), P (tools) and Q (no category), bought from SUP1 and SUP2. Channels WEB
and MKT. The KPIs are read for October 5 to 7 at NOW, October 8 12:00 UTC; what happens on
which day is listed in each builder, and the tests compute their answers from those lists.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from erp_core.adapters.database import Database
from erp_core.adapters.order_tables import Hold
from erp_core.clock import replaying_at
from erp_core.domain.access import Principal, Role
from erp_core.domain.orders import PaymentStatus
from erp_core.domain.replenishment import LineStatus
from erp_core.domain.returns import Condition, Disposition, ReturnReason
from erp_core.domain.stock import StockStatus
from erp_core.services import counts, fulfillment, purchasing, receiving, returns
from erp_core.services import master_data as md
from erp_core.services import orders as capture
from erp_core.services.dispositions import DisposeLine, dispose_units
from erp_core.services.forecast_runs import ForecastPoint, open_run, publish_run, start_run
from erp_core.services.holds import resolve_hold
from erp_core.services.inventory import MoveCommand, move_stock
from erp_core.services.order_commands import LineCommand, OrderCommand
from erp_core.services.release import release_order
from erp_core.services.replenishment_plans import PlanDraft, PlannedLine, edit_line, save_plan
from erp_core.services.return_receiving import InspectLine, inspect_return, receive_return
from erp_core.services.supplier_items import create_supplier_item
from pipelines.routing_orders import OptimalRouter
from tests.factories import ACTOR, item, location

START, END = date(2026, 10, 5), date(2026, 10, 7)
NOW = datetime(2026, 10, 8, 12, tzinfo=UTC)
PRICES = {"A": Decimal("10"), "B": Decimal("4"), "C": Decimal("6"), "Q": Decimal("3")}
ADDRESS = {"name": "A", "line1": "1 Way", "city": "Berlin", "postcode": "10115", "country": "DE"}
ROUTER = OptimalRouter(time_limit=2.0)
FINANCE = Principal(1, "fin", Role.FINANCE)


def at(day: int, hour: int = 0, minute: int = 0) -> datetime:
    """October `day`, 2026, at hour:minute UTC."""
    return datetime(2026, 10, day, hour, minute, tzinfo=UTC)


def when(moment: datetime, action: Callable[[], Any]) -> Any:
    with replaying_at(moment):
        return action()


def ops_shop(db: Database) -> dict[str, int]:
    """The whole week; returns the ids the tests name (orders O1-O6, holds H1-H4)."""
    _masters(db)
    ids: dict[str, int] = {}
    _purchasing(db)
    ids |= _orders_and_holds(db)
    _counts(db)
    _returns(db, ids)
    _plans(db)
    _forecasts(db)
    return ids


def _masters(db: Database) -> None:
    for sku, category, cost in (
        ("A", "toys", 5),
        ("B", "garden", 2),
        ("C", None, 3),
        ("P", "tools", 2),
        ("Q", None, 1),
    ):
        item(db, sku, category=category, unit_cost=Decimal(cost))
    location(db, "DC-1", handling_cost_per_order=Decimal("1"))
    location(db, "DC-2", handling_cost_per_order=Decimal("1"))
    for code, kind in (("WEB", "web_store"), ("MKT", "marketplace")):
        md.create_record(db, ACTOR, md.CHANNELS, {"code": code, "name": code, "kind": kind})
    for supplier in ("SUP1", "SUP2"):
        md.create_record(db, ACTOR, md.SUPPLIERS, {"code": supplier, "name": supplier})
        for sku in ("P", "Q"):
            terms = {"sku": sku, "unit_cost": Decimal(2), "lead_time_days_mean": Decimal(4)}
            create_supplier_item(db, ACTOR, supplier, terms)
    when(at(1), lambda: move_stock(db, ACTOR, MoveCommand("A", "DC-1", 10, StockStatus.AVAILABLE)))
    when(at(1), lambda: move_stock(db, ACTOR, MoveCommand("B", "DC-2", 5, StockStatus.AVAILABLE)))


def _purchase(db: Database, supplier: str, code: str, lines: list[tuple[str, int, int]]) -> int:
    """A purchase order sent on October 1 09:00; lines are (sku, qty, expected October day)."""
    cmd = purchasing.PoCommand(
        supplier,
        code,
        tuple(purchasing.PoLineCommand(sku, qty, date(2026, 10, day)) for sku, qty, day in lines),
    )
    po_id = int(when(at(1, 9), lambda: purchasing.create_purchase_order(db, ACTOR, cmd))["id"])
    when(at(1, 9), lambda: purchasing.send_purchase_order(db, ACTOR, po_id))
    return po_id


def _receive_all(db: Database, po_id: int, quantities: list[int], moment: datetime) -> None:
    lines = tuple(receiving.ReceivedLine(no, qty) for no, qty in enumerate(quantities, start=1))
    when(
        moment,
        lambda: receiving.receive_purchase_order(db, ACTOR, po_id, receiving.ReceiptCommand(lines)),
    )


def _purchasing(db: Database) -> None:
    """PO1 SUP1 -> DC-1: P 10 and Q 4 expected Oct 5, received Oct 5 14:00 (on time).
    PO2 SUP2 -> DC-2: P 6 expected Oct 4 and Q 2 expected Oct 6, received Oct 7 10:00 (3 and
    1 days late). PO3 SUP1 -> DC-1: P 5 expected Oct 2, received Oct 3 (before the range)."""
    po1 = _purchase(db, "SUP1", "DC-1", [("P", 10, 5), ("Q", 4, 5)])
    po2 = _purchase(db, "SUP2", "DC-2", [("P", 6, 4), ("Q", 2, 6)])
    po3 = _purchase(db, "SUP1", "DC-1", [("P", 5, 2)])
    _receive_all(db, po3, [5], at(3, 10))
    _receive_all(db, po1, [10, 4], at(5, 14))
    _receive_all(db, po2, [6, 2], at(7, 10))


def _order(
    db: Database,
    channel: str,
    external_id: str,
    lines: list[tuple[str, int]],
    payment: PaymentStatus = PaymentStatus.CAPTURED,
    ship_to: dict[str, str] = ADDRESS,
) -> int:
    cmd = OrderCommand(
        channel=channel,
        external_id=external_id,
        lines=tuple(LineCommand(sku, qty, PRICES[sku]) for sku, qty in lines),
        ship_to=ship_to,
        shipping_method="standard",
        payment_status=payment,
    )
    captured = capture.capture_order(db, ACTOR, cmd, lambda _, order_id: {"id": order_id})
    return int(captured.body["id"])


def _released(db: Database, moment: datetime, channel: str, name: str, lines: list[Any]) -> int:
    order_id = when(moment, lambda: _order(db, channel, name, lines))
    when(moment, lambda: release_order(db, ACTOR, order_id, ROUTER))
    return int(order_id)


def _ship(db: Database, moment: datetime, order_id: int, code: str, lines: list[Any]) -> None:
    cmd = fulfillment.ShipCommand(code, "DHL", tuple(fulfillment.ShipLine(*ln) for ln in lines))
    when(moment, lambda: fulfillment.ship_order(db, ACTOR, order_id, cmd))


def _hold_of(db: Database, order_id: int) -> int:
    return int(db.read(lambda s: s.scalars(select(Hold.id).where(Hold.order_id == order_id)).one()))


def _orders_and_holds(db: Database) -> dict[str, int]:
    """O4 WEB A3 released Oct 4 12:00, shipped from DC-1 18:00. O1 WEB A2 released Oct 5
    09:00, shipped DC-1 15:00 (6 h). O2 WEB B1 released Oct 5 10:00, shipped DC-2 Oct 7 10:00
    (48 h). O3 MKT A1 + B1 released Oct 6 08:00: A shipped DC-1 20:00 (12 h), B DC-2 Oct 7
    08:00 (24 h). O6 WEB C5 released Oct 6 12:00: backordered, nothing in stock. O5 MKT A6
    released Oct 7 09:00: 4 left at DC-1 are allocated, 2 backordered.
    Holds (Q1 each): H4 MKT payment pending Oct 1 12:00, H1 WEB payment Oct 5 10:00, H2 WEB
    address without postcode Oct 6 12:00 (all still open); H3 MKT payment Oct 7 00:00,
    released by finance at 06:00."""
    ids = {
        "H4": when(at(1, 12), lambda: _order(db, "MKT", "H4", [("Q", 1)], PaymentStatus.PENDING))
    }
    ids["O4"] = _released(db, at(4, 12), "WEB", "O4", [("A", 3)])
    _ship(db, at(4, 18), ids["O4"], "DC-1", [(1, 3)])
    ids["O1"] = _released(db, at(5, 9), "WEB", "O1", [("A", 2)])
    ids["H1"] = when(at(5, 10), lambda: _order(db, "WEB", "H1", [("Q", 1)], PaymentStatus.PENDING))
    ids["O2"] = _released(db, at(5, 10), "WEB", "O2", [("B", 1)])
    _ship(db, at(5, 15), ids["O1"], "DC-1", [(1, 2)])
    ids["O3"] = _released(db, at(6, 8), "MKT", "O3", [("A", 1), ("B", 1)])
    no_postcode = {**ADDRESS, "postcode": ""}
    ids["H2"] = when(at(6, 12), lambda: _order(db, "WEB", "H2", [("Q", 1)], ship_to=no_postcode))
    ids["O6"] = _released(db, at(6, 12), "WEB", "O6", [("C", 5)])
    _ship(db, at(6, 20), ids["O3"], "DC-1", [(1, 1)])
    ids["H3"] = when(at(7), lambda: _order(db, "MKT", "H3", [("Q", 1)], PaymentStatus.PENDING))
    hold = _hold_of(db, ids["H3"])
    when(at(7, 6), lambda: resolve_hold(db, FINANCE, hold, True, "paid"))
    _ship(db, at(7, 8), ids["O3"], "DC-2", [(2, 1)])
    ids["O5"] = _released(db, at(7, 9), "MKT", "O5", [("A", 6)])
    _ship(db, at(7, 10), ids["O2"], "DC-2", [(1, 1)])
    return ids


def _count(
    db: Database, code: str, found: dict[str, int], made: datetime, posted: datetime
) -> None:
    sheet = when(made, lambda: counts.create_sheet(db, ACTOR, code, tuple(found)))["id"]
    entered = tuple(counts.CountedLine(sku, qty) for sku, qty in found.items())
    when(posted, lambda: counts.enter_counts(db, ACTOR, sheet, entered))
    when(posted, lambda: counts.post_sheet(db, ACTOR, sheet))


def _counts(db: Database) -> None:
    """DC-1 Oct 6 (system P 15 = PO3 5 + PO1 10, Q 4): counted P 15, Q 3, posted 16:00.
    DC-2 Oct 7 (system P 6): counted 4, posted 15:00."""
    _count(db, "DC-1", {"P": 15, "Q": 3}, at(6, 14), at(6, 16))
    _count(db, "DC-2", {"P": 4}, at(7, 12), at(7, 15))


def _return(db: Database, order_id: int, steps: list[datetime], location: str) -> None:
    """One unit of line 1 back: authorized, received, inspected, quarantined at the steps."""
    authorize = returns.AuthorizeCommand(
        order_id, ReturnReason.NO_LONGER_NEEDED, (returns.LineQty(1, 1),), location=location
    )
    rma = when(steps[0], lambda: returns.authorize_return(db, ACTOR, authorize))["id"]
    when(steps[1], lambda: receive_return(db, ACTOR, rma, (returns.LineQty(1, 1),)))
    when(steps[2], lambda: inspect_return(db, ACTOR, rma, (InspectLine(1, Condition.OPENED),)))
    quarantine = (DisposeLine(1, 1, Disposition.QUARANTINE),)
    when(steps[3], lambda: dispose_units(db, ACTOR, rma, quarantine))


def _returns(db: Database, ids: dict[str, int]) -> None:
    """R1 of O4 (WEB) received Oct 5 12:00, closed Oct 6 00:00 (12 h); R2 of O3 (MKT) received
    Oct 7 00:00, closed 18:00 (18 h); R3 of O1 (WEB) closed Oct 8 06:00, after the range. All
    come back to DC-1."""
    _return(db, ids["O4"], [at(5, 9, 30), at(5, 12), at(5, 13), at(6)], "DC-1")
    _return(db, ids["O3"], [at(6, 22), at(7), at(7, 17), at(7, 18)], "DC-1")
    _return(db, ids["O1"], [at(7, 19), at(7, 20), at(7, 21), at(8, 6)], "DC-1")


def _plan_line(
    sku: str, code: str, status: LineStatus, suggested: int, qty: int, risk: float | None
) -> PlannedLine:
    plannable = status != LineStatus.CANNOT_PLAN
    return PlannedLine(
        sku=sku,
        location=code,
        supplier="SUP1" if plannable else None,
        status=status,
        suggested_qty=suggested,
        qty=qty,
        unit_cost=Decimal(2),
        order_by=date(2026, 10, 6) if plannable else None,
        expected_arrival=date(2026, 10, 10) if plannable else None,
        stockout_risk=risk,
        binding="budget" if qty < suggested else None,
        reason="test",
        explanation={},
    )


PLAN_ONE = (
    _plan_line("A", "DC-1", LineStatus.ORDER, 10, 10, 0.1),
    _plan_line("B", "DC-2", LineStatus.ORDER, 20, 12, 0.3),  # cut by the budget
    _plan_line("C", "DC-1", LineStatus.CANNOT_PLAN, 0, 0, None),
    _plan_line("P", "DC-1", LineStatus.NO_ORDER, 0, 0, 0.6),  # high risk
    _plan_line("Q", "DC-2", LineStatus.ORDER, 8, 4, 0.7),  # cut and high risk
    _plan_line("P", "DC-2", LineStatus.ORDER, 10, 10, 0.2),  # a planner edits it to 5
    _plan_line("A", "DC-2", LineStatus.NO_ORDER, 0, 0, 0.05),
)


def _plans(db: Database) -> None:
    """Plan 1 for Oct 6 (PLAN_ONE, line 6 edited down by a planner); plan 2 for Oct 9, one
    line that cannot be planned."""

    def draft(day: date, lines: tuple[PlannedLine, ...]) -> PlanDraft:
        return PlanDraft(day, {}, None, None, {}, lines)

    plan = when(at(6, 7), lambda: save_plan(db, ACTOR, draft(date(2026, 10, 6), PLAN_ONE)))
    when(at(6, 9), lambda: edit_line(db, ACTOR, plan, 6, 5, "slow seller"))
    later = (_plan_line("A", "DC-1", LineStatus.CANNOT_PLAN, 0, 0, None),)
    when(at(8, 7), lambda: save_plan(db, ACTOR, draft(date(2026, 10, 9), later)))


NO_BANDS = (None, None, None, None)


def _forecasts(db: Database) -> None:
    """Run 1 from Oct 1 (A 100 a day), run 2 from Oct 5 (A 3, B 1, C 1 a day), run 3 from
    Oct 9 (A 50), 14 days each: run 2 is the latest that forecast Oct 5-7."""
    for first, means in ((1, {"A": 100.0}), (5, {"A": 3.0, "B": 1.0, "C": 1.0}), (9, {"A": 50.0})):
        run_id = when(at(first), lambda: open_run(db, ACTOR, "sku", 14, "test"))
        first_day = date(2026, 10, first)
        start_run(db, run_id, None, degraded=True)
        points = [
            ForecastPoint(sku, None, None, first_day + timedelta(days=d), "test", mean, *NO_BANDS)
            for sku, mean in means.items()
            for d in range(14)
        ]
        publish_run(db, run_id, points, {}, degraded=True)
