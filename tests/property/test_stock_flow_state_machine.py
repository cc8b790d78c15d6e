"""Random sequences of the ways stock enters, moves and comes back (RELIABILITY.md, promise 4):
purchase orders received whole or in part, transfers shipped and received in part, count
sheets posted, orders shipped and returned, returned units inspected and routed. After every
step the balances equal the sum of the moves and a plain-Python model of every bucket; stock
in transit at each destination is exactly what its transfers shipped and have not received;
and every returned unit is in exactly one place: waiting for inspection, or routed by exactly
one disposition.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from hypothesis import HealthCheck, event, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    consumes,
    initialize,
    invariant,
    multiple,
    rule,
)
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from erp_core.adapters.returns_tables import ReturnDisposition, ReturnLine
from erp_core.adapters.tables import Item, Location, StockBalance
from erp_core.adapters.transfer_tables import Transfer, TransferLine
from erp_core.domain.errors import InsufficientStock
from erp_core.domain.orders import PaymentStatus
from erp_core.domain.returns import DISPOSITION_MOVES, Condition, Disposition, ReturnReason
from erp_core.domain.stock import StockStatus
from erp_core.services import fulfillment, transfers
from erp_core.services import inventory as inv
from erp_core.services import master_data as md
from erp_core.services import orders as capture
from erp_core.services.counts import CountedLine, create_sheet, enter_counts, post_sheet
from erp_core.services.dispositions import DisposeLine, dispose_units
from erp_core.services.order_commands import LineCommand, OrderCommand
from erp_core.services.purchasing import (
    PoCommand,
    PoLineCommand,
    create_purchase_order,
    send_purchase_order,
)
from erp_core.services.receiving import ReceiptCommand, ReceivedLine, receive_purchase_order
from erp_core.services.release import release_order
from erp_core.services.return_receiving import InspectLine, inspect_return, receive_return
from erp_core.services.returns import AuthorizeCommand, LineQty, authorize_return
from erp_core.services.supplier_items import create_supplier_item
from pipelines.routing_orders import OptimalRouter
from tests.factories import ACTOR, item, location
from tests.ledger_check import assert_ledger_consistent
from tests.property.fresh_database import discard, fresh_database

SKUS = ["A", "B"]
LOCATIONS = ["L1", "L2"]
A = StockStatus.AVAILABLE
ADDRESS: dict[str, str | None] = {
    "name": "A",
    "line1": "1 Way",
    "city": "Berlin",
    "postcode": "10115",
    "country": "DE",
}
ROUTER = OptimalRouter(time_limit=2.0)
Key = tuple[str, str, StockStatus]
TERMS = {"unit_cost": Decimal("4"), "lead_time_days_mean": 5, "lead_time_days_std": 1}


@dataclass
class ModelReturn:
    """A return of `qty` units of one SKU to one location, and where its units went."""

    sku: str
    location: str
    qty: int
    routed: Counter[Disposition] = field(default_factory=Counter)

    @property
    def waiting(self) -> int:
        return self.qty - sum(self.routed.values())


class StockFlowMachine(RuleBasedStateMachine):
    purchase_orders_sent = Bundle("purchase_orders_sent")
    transfers_shipped = Bundle("transfers_shipped")
    returns_inspected = Bundle("returns_inspected")

    def __init__(self) -> None:
        super().__init__()
        self.dir, self.db = fresh_database()
        for sku in SKUS:
            item(self.db, sku, unit_cost=Decimal("4"))
        for code in LOCATIONS:
            location(self.db, code)
        md.create_record(
            self.db, ACTOR, md.CHANNELS, {"code": "WEB", "name": "Web", "kind": "web_store"}
        )
        md.create_record(self.db, ACTOR, md.SUPPLIERS, {"code": "SUP", "name": "Supplier"})
        for sku in SKUS:
            create_supplier_item(self.db, ACTOR, "SUP", TERMS | {"sku": sku})
        self.expected: Counter[Key] = Counter()
        self.in_transit: Counter[tuple[str, str]] = Counter()  # (sku, destination)
        self.returns: dict[int, ModelReturn] = {}
        self.orders = 0

    def teardown(self) -> None:
        discard(self.dir, self.db)

    @initialize(opening=st.integers(0, 30))
    def open_the_warehouses(self, opening: int) -> None:
        """Some opening stock everywhere, so early transfers and sales have something to take."""
        for sku in SKUS:
            for code in LOCATIONS:
                if opening:
                    self.receive(sku, code, opening)

    # --- receipts ----------------------------------------------------------------------------

    @rule(sku=st.sampled_from(SKUS), code=st.sampled_from(LOCATIONS), qty=st.integers(1, 20))
    def receive(self, sku: str, code: str, qty: int) -> None:
        """Stock arrives from outside, valued at a cost."""
        cmd = inv.MoveCommand(sku, code, qty, A, unit_cost=Decimal("5"))
        inv.move_stock(self.db, ACTOR, cmd)
        self.expected[(sku, code, A)] += qty

    @rule(
        target=purchase_orders_sent,
        sku=st.sampled_from(SKUS),
        code=st.sampled_from(LOCATIONS),
        qty=st.integers(1, 20),
    )
    def order_from_the_supplier(self, sku: str, code: str, qty: int) -> tuple[int, str, str, int]:
        """A purchase order is placed and sent: nothing moves until it is received."""
        line = PoLineCommand(sku, qty, date(2030, 1, 1), Decimal("4.50"))
        made = create_purchase_order(self.db, ACTOR, PoCommand("SUP", code, (line,)))
        send_purchase_order(self.db, ACTOR, made["id"])
        return (made["id"], sku, code, qty)

    @rule(po=consumes(purchase_orders_sent), part=st.integers(0, 20), close=st.booleans())
    def receive_from_the_supplier(
        self, po: tuple[int, str, str, int], part: int, close: bool
    ) -> None:
        """All of the order arrives (part 0), or part of it, the rest closed or still awaited."""
        po_id, sku, code, qty = po
        arriving = min(part, qty) if part else qty
        received = ReceivedLine(1, arriving, close=close and arriving < qty)
        receive_purchase_order(
            self.db, ACTOR, po_id, ReceiptCommand((received,), freight=Decimal("1"))
        )
        event(f"purchase: received {'in part' if arriving < qty else 'whole'}")
        self.expected[(sku, code, A)] += arriving

    # --- transfers ---------------------------------------------------------------------------

    @rule(
        target=transfers_shipped,
        lines=st.dictionaries(st.sampled_from(SKUS), st.integers(1, 8), min_size=1),
        forward=st.booleans(),
    )
    def ship_a_transfer(self, lines: dict[str, int], forward: bool) -> Any:
        """A transfer leaves the source whole, or not at all when any line is short."""
        source, destination = LOCATIONS if forward else LOCATIONS[::-1]
        cmd = transfers.TransferCommand(
            source,
            destination,
            tuple(transfers.TransferLineCommand(sku, qty) for sku, qty in sorted(lines.items())),
        )
        made = transfers.create_transfer(self.db, ACTOR, cmd)
        if any(self.expected[(sku, source, A)] < qty for sku, qty in lines.items()):
            event("transfer: refused, short at the source")
            try:
                transfers.ship_transfer(self.db, ACTOR, made["id"])
            except InsufficientStock:
                return multiple()
            raise AssertionError("a transfer the source cannot fill was shipped")
        transfers.ship_transfer(self.db, ACTOR, made["id"])
        for sku, qty in lines.items():
            self.expected[(sku, source, A)] -= qty
            self.expected[(sku, destination, StockStatus.IN_TRANSIT)] += qty
            self.in_transit[(sku, destination)] += qty
        return (made["id"], destination, dict(lines))

    @rule(shipped=consumes(transfers_shipped), part=st.integers(0, 8))
    def receive_a_transfer(self, shipped: tuple[int, str, dict[str, int]], part: int) -> None:
        """Part of each line arrives (`part` units at most), or all of it when part is 0."""
        transfer_id, destination, lines = shipped
        arriving = {sku: min(qty, part) if part else qty for sku, qty in lines.items()}
        cmd = tuple(transfers.TransferLineCommand(sku, qty) for sku, qty in arriving.items())
        transfers.receive_transfer(self.db, ACTOR, transfer_id, cmd)
        event(f"transfer: received {'in part' if arriving != lines else 'whole'}")
        for sku, qty in arriving.items():
            self.expected[(sku, destination, StockStatus.IN_TRANSIT)] -= qty
            self.expected[(sku, destination, A)] += qty
            self.in_transit[(sku, destination)] -= qty

    # --- counts ------------------------------------------------------------------------------

    @rule(
        code=st.sampled_from(LOCATIONS),
        counted=st.dictionaries(st.sampled_from(SKUS), st.integers(0, 40), min_size=1),
    )
    def count_and_post(self, code: str, counted: dict[str, int]) -> None:
        """A count sheet for some SKUs is counted and posted: free stock becomes the count."""
        sheet = create_sheet(self.db, ACTOR, code, tuple(sorted(counted)))
        lines = tuple(CountedLine(sku, qty) for sku, qty in sorted(counted.items()))
        enter_counts(self.db, ACTOR, sheet["id"], lines)
        post_sheet(self.db, ACTOR, sheet["id"])
        for sku, qty in counted.items():
            self.expected[(sku, code, A)] = qty

    # --- sell, take back, route --------------------------------------------------------------

    @rule(
        target=returns_inspected,
        sku=st.sampled_from(SKUS),
        qty=st.integers(1, 4),
        back=st.integers(1, 4),
    )
    def sell_and_take_back(self, sku: str, qty: int, back: int) -> Any:
        """An order ships `qty` units; `back` of them (at most all) are returned, received
        into inspection where they shipped from, and inspected."""
        stocked = [code for code in LOCATIONS if self.expected[(sku, code, A)] >= qty]
        if not stocked:
            event("return: nothing to sell")
            return multiple()
        event("return: sold and taken back")
        self.orders += 1
        order_id = self._ship(sku, qty, stocked)
        code = self._shipped_from
        self.expected[(sku, code, A)] -= qty
        back = min(back, qty)
        rma = authorize_return(
            self.db,
            ACTOR,
            AuthorizeCommand(order_id, ReturnReason.DAMAGED, (LineQty(1, back),)),
        )
        receive_return(self.db, ACTOR, rma["id"], (LineQty(1, back),))
        inspect_return(self.db, ACTOR, rma["id"], (InspectLine(1, Condition.OPENED),))
        self.expected[(sku, code, StockStatus.INSPECTION)] += back
        self.returns[rma["id"]] = ModelReturn(sku, code, back)
        return rma["id"]

    def _ship(self, sku: str, qty: int, stocked: list[str]) -> int:
        cmd = OrderCommand(
            channel="WEB",
            external_id=f"O-{self.orders}",
            lines=(LineCommand(sku, qty, Decimal("10")),),
            ship_to=ADDRESS,
            shipping_method="standard",
            payment_status=PaymentStatus.CAPTURED,
        )
        reply = capture.capture_order(self.db, ACTOR, cmd, lambda _, oid: {"id": oid})
        order_id = int(reply.body["id"])
        released = release_order(self.db, ACTOR, order_id, ROUTER)
        [allocation] = released["allocations"]
        self._shipped_from = allocation["location"]
        assert self._shipped_from in stocked
        ship = fulfillment.ShipCommand(self._shipped_from, "DHL", (fulfillment.ShipLine(1, qty),))
        fulfillment.ship_order(self.db, ACTOR, order_id, ship)
        return order_id

    @rule(
        rma=returns_inspected, disposition=st.sampled_from(list(Disposition)), qty=st.integers(1, 4)
    )
    def route_returned_units(self, rma: int, disposition: Disposition, qty: int) -> None:
        """Some of a return's inspected units get a disposition: into a bucket, or out."""
        model = self.returns[rma]
        if model.waiting == 0:
            return
        qty = min(qty, model.waiting)
        supplier = "SUP" if disposition == Disposition.RETURN_TO_VENDOR else None
        dispose_units(self.db, ACTOR, rma, (DisposeLine(1, qty, disposition, supplier),))
        event(f"return: {disposition.value}")
        model.routed[disposition] += qty
        self.expected[(model.sku, model.location, StockStatus.INSPECTION)] -= qty
        to_status = DISPOSITION_MOVES[disposition].to_status
        if to_status is not None:
            self.expected[(model.sku, model.location, to_status)] += qty

    # --- invariants --------------------------------------------------------------------------

    @invariant()
    def the_ledger_matches_the_model_and_every_unit_is_in_one_place(self) -> None:
        assert_ledger_consistent(self.db)
        facts = self.db.read(_facts)
        assert facts["balances"] == +self.expected
        assert facts["in_transit_lines"] == +self.in_transit
        for rma, model in self.returns.items():
            routed = facts["routed"].get(rma, Counter())
            assert routed == +model.routed, (rma, routed, model.routed)
            assert facts["received"][rma] == model.qty == sum(routed.values()) + model.waiting


def _facts(session: Session) -> dict[str, Any]:
    balances: Counter[Key] = Counter()
    for sku, code, status, qty in session.execute(
        select(Item.sku, Location.code, StockBalance.status, StockBalance.qty)
        .join(Item, Item.id == StockBalance.item_id)
        .join(Location, Location.id == StockBalance.location_id)
    ):
        balances[(sku, code, status)] += qty
    in_transit: Counter[tuple[str, str]] = Counter()
    for sku, code, outstanding in session.execute(
        select(Item.sku, Location.code, TransferLine.qty_shipped - TransferLine.qty_received)
        .join(Transfer, Transfer.id == TransferLine.transfer_id)
        .join(Item, Item.id == TransferLine.item_id)
        .join(Location, Location.id == Transfer.destination_location_id)
    ):
        in_transit[(sku, code)] += outstanding
    routed: dict[int, Counter[Disposition]] = {}
    for rma, disposition, qty in session.execute(
        select(ReturnLine.return_id, ReturnDisposition.disposition, func.sum(ReturnDisposition.qty))
        .join(ReturnLine, ReturnLine.id == ReturnDisposition.return_line_id)
        .group_by(ReturnLine.return_id, ReturnDisposition.disposition)
    ):
        routed.setdefault(rma, Counter())[disposition] += int(qty)
    received = dict(
        session.execute(
            select(ReturnLine.return_id, func.sum(ReturnLine.qty_received)).group_by(
                ReturnLine.return_id
            )
        ).all()
    )
    return {
        "balances": +balances,
        "in_transit_lines": +in_transit,
        "routed": routed,
        "received": received,
    }


StockFlowMachine.TestCase.settings = settings(
    max_examples=40,
    stateful_step_count=20,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
test_stock_in_out_and_back_keeps_the_ledger_and_every_unit_accounted_for = StockFlowMachine.TestCase
