"""Random capture / validate / hold / resolve / release / receive / pick / ship / cancel /
cancel-a-line sequences against a real SQLite database (RELIABILITY.md, promise 7).

A plain-Python model follows every order through ALLOWED: its status, the path it took, what
is allocated to it and what has shipped, per SKU, and its holds. After every step the stored
statuses and timelines equal the model, the ledger is consistent, reserved stock is exactly the
open allocations of orders, cancelled and invoiced orders hold nothing, and the journal
balances. Every refused action (release, pick or ship of an order in the wrong state, cancel of
a cancelled or invoiced order, resolving a closed hold) raises IllegalTransition and changes no
row of any table."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from functools import partial
from typing import Any

import pytest
from hypothesis import HealthCheck, event, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
)
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from erp_core.adapters.fulfillment_tables import Invoice, JournalLine, Shipment, ShipmentLine
from erp_core.adapters.order_tables import Hold, Order, OrderAllocation, OrderLine
from erp_core.adapters.order_tables import OrderStatusChange as Change
from erp_core.adapters.tables import Item, Location, Reservation, StockBalance
from erp_core.domain.access import Principal, Role
from erp_core.domain.errors import IllegalTransition
from erp_core.domain.order_rules import HoldReason, HoldStatus
from erp_core.domain.orders import ALLOWED, AllocationStatus, OrderStatus, PaymentStatus
from erp_core.domain.stock import StockStatus
from erp_core.services import fulfillment
from erp_core.services import inventory as inv
from erp_core.services import master_data as md
from erp_core.services import orders as capture
from erp_core.services.backorders import allocate_arrivals
from erp_core.services.holds import resolve_hold
from erp_core.services.line_cancellation import CANCELLABLE, cancel_line
from erp_core.services.order_commands import LineCommand, OrderCommand
from erp_core.services.order_policies import set_order_policy
from erp_core.services.release import RELEASABLE, cancel_order, release_order
from pipelines.routing_orders import OptimalRouter
from tests.factories import ACTOR, item, location
from tests.integration.test_failure_injection import everything
from tests.ledger_check import assert_ledger_consistent
from tests.property.fresh_database import discard, fresh_database

S = OrderStatus
SKUS = ["A", "B"]
LOCATIONS = {"L1": Decimal("2"), "L2": Decimal("1")}  # code -> handling cost per order
ACCEPTED = {PaymentStatus.AUTHORIZED, PaymentStatus.CAPTURED}
ADDRESS: dict[str, str | None] = {
    "name": "A",
    "line1": "1 Way",
    "city": "Berlin",
    "postcode": "10115",
    "country": "DE",
}
ADMIN = Principal(0, "admin", Role.ADMIN)
ROUTER = OptimalRouter(time_limit=2.0)
HOLDS_NOTHING = (S.CANCELLED, S.INVOICED)
LINES = st.lists(st.tuples(st.sampled_from(SKUS), st.integers(1, 3)), min_size=1, max_size=3)
PAYMENTS = st.sampled_from(list(PaymentStatus))


def _just_the_id(_: Session, order_id: int) -> dict[str, Any]:
    return {"id": order_id}


@dataclass
class ModelOrder:
    """What an order should be: its status and path through ALLOWED, its lines, what is
    allocated to it and what has shipped per SKU, and its holds (id -> still open)."""

    lines: list[tuple[str, int]]
    status: OrderStatus = S.RECEIVED
    path: list[OrderStatus] = field(default_factory=lambda: [S.RECEIVED])
    allocated: Counter[str] = field(default_factory=Counter)
    shipped: Counter[str] = field(default_factory=Counter)
    cancelled: Counter[str] = field(default_factory=Counter)
    holds: dict[int, bool] = field(default_factory=dict)

    @property
    def wanted(self) -> Counter[str]:
        """What the order's lines ask for, less what was cancelled of them."""
        total: Counter[str] = Counter()
        for sku, qty in self.lines:
            total[sku] += qty
        return total - self.cancelled

    @property
    def still_open(self) -> Counter[str]:
        """Neither allocated nor shipped: what the order still waits for."""
        return self.wanted - self.allocated - self.shipped

    def go(self, target: OrderStatus) -> None:
        assert target in ALLOWED[self.status], f"model bug: {self.status} -> {target}"
        self.status = target
        self.path.append(target)


class OrderMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.dir, self.db = fresh_database()
        for sku in SKUS:
            item(self.db, sku)
        for code, cost in LOCATIONS.items():
            location(self.db, code, handling_cost_per_order=cost)
        md.create_record(
            self.db, ACTOR, md.CHANNELS, {"code": "WEB", "name": "Web", "kind": "web_store"}
        )
        self.ship_partial = True
        self.hold_without_stock = False
        self.free: Counter[str] = Counter()  # available units per SKU over all locations
        self.model: dict[int, ModelOrder] = {}
        self.captured = 0

    def teardown(self) -> None:
        discard(self.dir, self.db)

    # --- stock and policy ------------------------------------------------------------------

    @initialize(
        stock=st.lists(
            st.tuples(st.sampled_from(SKUS), st.sampled_from(list(LOCATIONS)), st.integers(1, 6)),
            max_size=3,
        ),
        ship_partial=st.booleans(),
        hold_without_stock=st.booleans(),
        orders=st.lists(st.tuples(LINES, PAYMENTS), min_size=1, max_size=4),
    )
    def open_the_shop(
        self,
        stock: list[tuple[str, str, int]],
        ship_partial: bool,
        hold_without_stock: bool,
        orders: list[tuple[list[tuple[str, int]], PaymentStatus]],
    ) -> None:
        """Some stock, a channel policy and the first orders (so every example has orders to
        work on)."""
        for sku, code, qty in stock:
            self._receive(sku, code, qty)
        self.set_policy(ship_partial, hold_without_stock)
        for lines, payment in orders:
            self.capture(lines, payment)

    @rule(ship_partial=st.booleans(), hold_without_stock=st.booleans())
    def set_policy(self, ship_partial: bool, hold_without_stock: bool) -> None:
        values = {"ship_partial": ship_partial, "hold_without_stock": hold_without_stock}
        set_order_policy(self.db, ACTOR, "WEB", values)
        self.ship_partial, self.hold_without_stock = ship_partial, hold_without_stock

    @rule(
        sku=st.sampled_from(SKUS),
        code=st.sampled_from(list(LOCATIONS)),
        qty=st.integers(1, 8),
        allocate_backorders=st.booleans(),
    )
    def receive(self, sku: str, code: str, qty: int, allocate_backorders: bool) -> None:
        """Stock arrives; as after a receipt through the API, the backorders waiting for the
        SKU may then be allocated, oldest first."""
        self._receive(sku, code, qty)
        if not allocate_backorders:
            return
        waiting = [
            o for o, m in self.model.items() if m.status == S.BACKORDERED and m.still_open[sku]
        ]
        outcome = allocate_arrivals(self.db, ACTOR, [sku], ROUTER)
        expected = {}
        for order_id in waiting:
            self._expect_release(self.model[order_id])
            expected[order_id] = self.model[order_id].status.value
        assert outcome == expected

    def _receive(self, sku: str, code: str, qty: int) -> None:
        inv.move_stock(self.db, ACTOR, inv.MoveCommand(sku, code, qty, StockStatus.AVAILABLE))
        self.free[sku] += qty

    # --- capture and holds -----------------------------------------------------------------

    @rule(lines=LINES, payment=PAYMENTS)
    def capture(self, lines: list[tuple[str, int]], payment: PaymentStatus) -> None:
        """Capture validates on receipt: held for unaccepted payment (and for short stock when
        the channel asks), else ready; capture never touches stock."""
        self.captured += 1
        cmd = OrderCommand(
            channel="WEB",
            external_id=f"O-{self.captured}",
            lines=tuple(LineCommand(sku, qty, Decimal("5")) for sku, qty in lines),
            ship_to=ADDRESS,
            shipping_method="standard",
            payment_status=payment,
        )
        reply = capture.capture_order(self.db, ACTOR, cmd, _just_the_id)
        assert reply.status_code == 201
        order_id = int(reply.body["id"])
        order = ModelOrder(lines)
        expected_reasons = []
        if payment not in ACCEPTED:
            expected_reasons.append(HoldReason.PAYMENT)
        if self.hold_without_stock and any(q > self.free[s] for s, q in order.wanted.items()):
            expected_reasons.append(HoldReason.STOCK)
        found = self.db.read(
            lambda s: list(s.execute(select(Hold.id, Hold.reason).where(Hold.order_id == order_id)))
        )
        assert sorted(r for _, r in found) == sorted(expected_reasons)
        order.holds = {hold_id: True for hold_id, _ in found}
        order.go(S.HELD if expected_reasons else S.READY)
        event(f"capture: {order.status.value} with {len(found)} hold(s)")
        self.model[order_id] = order

    def _holds(self, is_open: bool) -> list[tuple[int, int]]:
        return [
            (order_id, hold_id)
            for order_id, order in self.model.items()
            for hold_id, still_open in order.holds.items()
            if still_open == is_open
        ]

    @precondition(lambda self: self._holds(is_open=True))
    @rule(pick=st.integers(0, 20), release=st.booleans())
    def resolve_hold(self, pick: int, release: bool) -> None:
        """An open hold is released (the order is ready once none is left open) or the order
        is cancelled with all its holds."""
        choices = self._holds(is_open=True)
        order_id, hold_id = choices[pick % len(choices)]
        order = self.model[order_id]
        resolve_hold(self.db, ADMIN, hold_id, release, "decided")
        event(f"resolve: {'release' if release else 'cancel'} one of {len(order.holds)} hold(s)")
        if release:
            order.holds[hold_id] = False
            if not any(order.holds.values()):
                order.go(S.READY)
        else:
            order.holds = dict.fromkeys(order.holds, False)
            order.go(S.CANCELLED)

    # --- release ---------------------------------------------------------------------------

    def _in(self, *statuses: OrderStatus) -> list[int]:
        """Orders in these statuses, backordered ones first (small picks retry them)."""
        found = [o for o, m in self.model.items() if m.status in statuses]
        return sorted(found, key=lambda o: self.model[o].status != S.BACKORDERED)

    @precondition(lambda self: self._in(*RELEASABLE))
    @rule(pick=st.integers(0, 20))
    def release(self, pick: int) -> None:
        """A ready or backordered order is allocated as far as stock and the channel's
        partial-shipment policy allow: allocated when complete, else backordered."""
        choices = self._in(*RELEASABLE)
        self._release(choices[pick % len(choices)])

    @precondition(lambda self: self._in(S.BACKORDERED))
    @rule(pick=st.integers(0, 20), code=st.sampled_from(list(LOCATIONS)), extra=st.integers(0, 2))
    def stock_arrives_for_a_backorder(self, pick: int, code: str, extra: int) -> None:
        """What a backordered order still lacks arrives (plus a little); releasing it again
        then allocates it completely."""
        backorders = self._in(S.BACKORDERED)
        order_id = backorders[pick % len(backorders)]
        for sku, qty in self.model[order_id].still_open.items():
            if qty + extra > self.free[sku]:
                self._receive(sku, code, qty + extra - self.free[sku])
        self._release(order_id)
        assert self.model[order_id].status == S.ALLOCATED

    def _release(self, order_id: int) -> None:
        released = release_order(self.db, ACTOR, order_id, ROUTER)
        self._expect_release(self.model[order_id])
        assert released["status"] == self.model[order_id].status

    def _expect_release(self, order: ModelOrder) -> None:
        before = order.status
        if order.status == S.READY:
            order.go(S.RELEASED)
        still = order.still_open
        complete = all(qty <= self.free[sku] for sku, qty in still.items())
        if complete or self.ship_partial:
            for sku, qty in still.items():
                taken = min(qty, self.free[sku])
                order.allocated[sku] += taken
                self.free[sku] -= taken
        target = S.ALLOCATED if complete else S.BACKORDERED
        if order.status != target:
            order.go(target)
        event(f"release: {before.value} -> {target.value} (ship_partial={self.ship_partial})")

    # --- pick and ship ---------------------------------------------------------------------

    @precondition(lambda self: self._in(S.ALLOCATED))
    @rule(pick=st.integers(0, 20))
    def pick_an_allocated_order(self, pick: int) -> None:
        """An allocated order is picked."""
        choices = self._in(S.ALLOCATED)
        order_id = choices[pick % len(choices)]
        picked = fulfillment.pick_order(self.db, ACTOR, order_id)
        self.model[order_id].go(S.PICKED)
        assert picked["status"] == S.PICKED

    def _shippable(self) -> list[int]:
        return [o for o in self._in(*fulfillment.SHIPPABLE) if +self.model[o].allocated]

    @precondition(lambda self: self._shippable())
    @rule(pick=st.integers(0, 20), where=st.integers(0, 1), most=st.integers(1, 3))
    def ship(self, pick: int, where: int, most: int) -> None:
        """Ship up to `most` allocated units of every line allocated at one location: the
        shipment consumes those reservations; the order is shipped and invoiced once
        nothing is left to ship."""
        choices = self._shippable()
        order_id = choices[pick % len(choices)]
        order = self.model[order_id]
        at = self.db.read(partial(_allocated_at, order_id=order_id))
        code = sorted(at)[where % len(at)]
        lines = tuple(
            fulfillment.ShipLine(line_no, min(most, qty)) for line_no, qty in sorted(at[code])
        )
        cmd = fulfillment.ShipCommand(code, "DHL", lines, tracking="T")
        shipped = fulfillment.ship_order(self.db, ACTOR, order_id, cmd)
        for line in lines:
            sku = order.lines[line.line_no - 1][0]
            order.allocated[sku] -= line.qty
            order.shipped[sku] += line.qty
        complete = order.shipped == order.wanted
        event(f"ship: {order.status.value}, {'all' if complete else 'part'} of the order")
        if complete:
            order.go(S.SHIPPED)
            order.go(S.INVOICED)
        assert shipped["status"] == order.status

    # --- cancel and refusals ---------------------------------------------------------------

    @rule(pick=st.integers(0, 50))
    def cancel(self, pick: int) -> None:
        """Cancelling works exactly when ALLOWED reaches cancelled from the current status;
        the unshipped reservations go back to free stock and open holds close. A partly
        shipped order ends shipped and invoiced for what shipped. Otherwise IllegalTransition,
        and nothing changes."""
        # Partly shipped orders first, so small picks try cancelling the rest of a shipment.
        candidates = sorted(self.model, key=lambda o: not +self.model[o].shipped)
        order_id = candidates[pick % len(candidates)]
        order = self.model[order_id]
        act = partial(cancel_order, self.db, ACTOR, order_id, "changed their mind")
        if S.CANCELLED not in ALLOWED[order.status]:
            self._refused(f"cancel {order.status.value}", act)
            return
        event(f"cancel: {order.status.value}{' (partly shipped)' if +order.shipped else ''}")
        act()
        order.holds = dict.fromkeys(order.holds, False)
        if +order.shipped:
            order.go(S.SHIPPED)
            order.go(S.INVOICED)
        else:
            order.go(S.CANCELLED)
        self.free += order.allocated
        order.allocated = Counter()

    @precondition(lambda self: self._in(*CANCELLABLE))
    @rule(pick=st.integers(0, 50), part=st.integers(0, 3))
    def cancel_units_of_a_line(self, pick: int, part: int) -> None:
        """Units of one line (all it has not shipped, or `part` of them) are cancelled: first
        what the line waits for, then its reservations, back to free stock. All cancelled,
        the order is; all the rest shipped, it is shipped and invoiced; nothing left waiting,
        a backordered order is allocated."""
        orders = self._in(*CANCELLABLE)
        order_id = orders[pick % len(orders)]
        order = self.model[order_id]
        lines = self.db.read(partial(_unshipped_lines, order_id=order_id))
        line_no, unshipped, allocated = lines[pick % len(lines)]
        qty = min(part, unshipped) if part else None
        cancelled = qty or unshipped
        freed = cancelled - min(cancelled, unshipped - allocated)
        event(f"cancel line: {order.status.value}, {'part' if qty else 'all'} of it")
        done = cancel_line(self.db, ACTOR, order_id, line_no, qty, "fewer")
        sku = order.lines[line_no - 1][0]
        order.cancelled[sku] += cancelled
        order.allocated[sku] -= freed
        self.free[sku] += freed
        if not +(order.wanted - order.shipped):
            if +order.shipped:
                order.go(S.SHIPPED)
                order.go(S.INVOICED)
            else:
                order.go(S.CANCELLED)
                order.holds = dict.fromkeys(order.holds, False)
        elif order.status == S.BACKORDERED and not +order.still_open:
            order.go(S.ALLOCATED)
        assert done["status"] == order.status

    def _illegal_attempts(self) -> list[tuple[str, Callable[[], object]]]:
        """Release of an order neither ready nor backordered; pick of an order not allocated;
        ship of an order with nothing allocated to ship (held, ready, cancelled, invoiced);
        cancelling a line of an order that is over; resolving a hold already closed."""
        one_unit = fulfillment.ShipCommand("L1", "DHL", (fulfillment.ShipLine(1, 1),))
        attempts: list[tuple[str, Callable[[], object]]] = []
        for o, m in self.model.items():
            if m.status not in RELEASABLE:
                attempts.append(
                    (f"release {m.status.value}", partial(release_order, self.db, ACTOR, o, ROUTER))
                )
            if m.status != S.ALLOCATED:
                attempts.append(
                    (f"pick {m.status.value}", partial(fulfillment.pick_order, self.db, ACTOR, o))
                )
            if m.status not in fulfillment.SHIPPABLE:
                ship = partial(fulfillment.ship_order, self.db, ACTOR, o, one_unit)
                attempts.append((f"ship {m.status.value}", ship))
            if m.status not in CANCELLABLE:
                line = partial(cancel_line, self.db, ACTOR, o, 1, None, "too late")
                attempts.append((f"cancel a line of {m.status.value}", line))
        attempts += [
            ("resolve a closed hold", partial(resolve_hold, self.db, ADMIN, h, True, "again"))
            for _, h in self._holds(is_open=False)
        ]
        return attempts

    @precondition(lambda self: self.model)
    @rule(pick=st.integers(0, 50))
    def an_illegal_transition_is_refused_without_a_trace(self, pick: int) -> None:
        """IllegalTransition, and no row of any table changes."""
        attempts = self._illegal_attempts()
        what, act = attempts[pick % len(attempts)]
        self._refused(what, act)

    def _refused(self, what: str, act: Callable[[], object]) -> None:
        event(f"refused: {what}")
        before = everything(self.db)
        with pytest.raises(IllegalTransition):
            act()
        assert everything(self.db) == before, f"a refused {what} changed a table"

    # --- invariants ------------------------------------------------------------------------

    @invariant()
    def orders_follow_the_model_and_reserved_stock_is_their_open_allocations(self) -> None:
        assert_ledger_consistent(self.db)
        facts = self.db.read(_facts)
        self._reserved_is_the_open_allocations(facts)
        self._statuses_and_timelines_follow_allowed(facts)
        self._allocations_shipments_and_holds_match_the_model(facts)
        assert facts["debit"] == facts["credit"], "the journal does not balance"
        assert facts["invoices"] == facts["shipments"], "not one invoice per shipment"

    def _reserved_is_the_open_allocations(self, facts: dict[str, Any]) -> None:
        """Reserved stock per item and location is the sum of active order allocations, every
        active reservation belongs to one, and free stock matches the model."""
        allocated: Counter[tuple[int, int]] = Counter()
        for _, item_id, location_id, qty, _ in facts["allocations"]:
            allocated[(item_id, location_id)] += qty
        assert facts["reserved"] == dict(+allocated), "reserved differs from open allocations"
        assert facts["active_reservations"] == {r for *_, r in facts["allocations"]}
        assert +facts["free"] == +self.free

    def _statuses_and_timelines_follow_allowed(self, facts: dict[str, Any]) -> None:
        """Each stored status is the model's; each timeline starts at received, steps only
        along ALLOWED and is exactly the path the model took."""
        assert facts["status"] == {o: m.status for o, m in self.model.items()}
        timelines: dict[int, list[tuple[OrderStatus | None, OrderStatus]]] = defaultdict(list)
        for order_id, before, after in facts["timeline"]:
            timelines[order_id].append((before, after))
        for order_id, order in self.model.items():
            steps = timelines[order_id]
            assert steps[0] == (None, S.RECEIVED), steps
            for (_, previous), (before, after) in zip(steps, steps[1:], strict=False):
                assert before == previous and after in ALLOWED[previous], steps
            assert [after for _, after in steps] == order.path, steps

    def _allocations_shipments_and_holds_match_the_model(self, facts: dict[str, Any]) -> None:
        """Cancelled and invoiced orders hold nothing; allocated and picked ones hold all
        they have not shipped, backordered ones less; open holds are the model's."""
        for order_id, order in self.model.items():
            held = facts["allocated_by_sku"][order_id]
            shipped = facts["shipped_by_sku"][order_id]
            assert +held == +order.allocated, (order_id, held, order.allocated)
            assert +shipped == +order.shipped, (order_id, shipped, order.shipped)
            if order.status in HOLDS_NOTHING:
                assert not held, f"{order.status.value} order {order_id} still holds stock"
            if order.status in (S.ALLOCATED, S.PICKED):
                assert held + shipped == order.wanted, (order_id, held, shipped)
            if order.status == S.BACKORDERED:
                assert held + shipped != order.wanted, (order_id, held, shipped)
        assert facts["open_holds"] == {
            (o, h) for o, m in self.model.items() for h, is_open in m.holds.items() if is_open
        }


def _unshipped_lines(session: Session, order_id: int) -> list[tuple[int, int, int]]:
    """(line no, units neither shipped nor cancelled, units allocated) of the order's lines
    with something left."""
    shipped = fulfillment.shipped_quantities(session, order_id)
    allocated: Counter[int] = Counter()
    for line_id, qty in session.execute(
        select(OrderAllocation.order_line_id, OrderAllocation.qty)
        .join(OrderLine, OrderLine.id == OrderAllocation.order_line_id)
        .where(OrderLine.order_id == order_id, OrderAllocation.status == AllocationStatus.ACTIVE)
    ):
        allocated[line_id] += qty
    lines = session.scalars(
        select(OrderLine).where(OrderLine.order_id == order_id).order_by(OrderLine.line_no)
    )
    left = [
        (line.line_no, line.qty - line.qty_cancelled - shipped.get(line.id, 0), allocated[line.id])
        for line in lines
    ]
    return [entry for entry in left if entry[1] > 0]


def _allocated_at(session: Session, order_id: int) -> dict[str, list[tuple[int, int]]]:
    """location code -> [(line no, qty allocated there)] for an order's active allocations."""
    found: dict[str, Counter[int]] = defaultdict(Counter)
    for code, line_no, qty in session.execute(
        select(Location.code, OrderLine.line_no, OrderAllocation.qty)
        .join(OrderLine, OrderLine.id == OrderAllocation.order_line_id)
        .join(Location, Location.id == OrderAllocation.location_id)
        .where(OrderLine.order_id == order_id, OrderAllocation.status == AllocationStatus.ACTIVE)
    ):
        found[code][line_no] += qty
    return {code: list(lines.items()) for code, lines in found.items()}


def _facts(session: Session) -> dict[str, Any]:
    active = OrderAllocation.status == AllocationStatus.ACTIVE
    allocations = [
        tuple(row)
        for row in session.execute(
            select(
                OrderLine.order_id,
                OrderLine.item_id,
                OrderAllocation.location_id,
                OrderAllocation.qty,
                OrderAllocation.reservation_id,
            )
            .join(OrderLine, OrderLine.id == OrderAllocation.order_line_id)
            .where(active)
        )
    ]
    allocated_by_sku: dict[int, Counter[str]] = defaultdict(Counter)
    for order_id, sku, qty in session.execute(
        select(OrderLine.order_id, Item.sku, OrderAllocation.qty)
        .join(OrderLine, OrderLine.id == OrderAllocation.order_line_id)
        .join(Item, Item.id == OrderLine.item_id)
        .where(active)
    ):
        allocated_by_sku[order_id][sku] += qty
    shipped_by_sku: dict[int, Counter[str]] = defaultdict(Counter)
    for order_id, sku, qty in session.execute(
        select(OrderLine.order_id, Item.sku, ShipmentLine.qty)
        .join(OrderLine, OrderLine.id == ShipmentLine.order_line_id)
        .join(Item, Item.id == OrderLine.item_id)
    ):
        shipped_by_sku[order_id][sku] += qty
    reserved = {
        (i, loc): qty
        for i, loc, qty in session.execute(
            select(StockBalance.item_id, StockBalance.location_id, StockBalance.qty).where(
                StockBalance.status == StockStatus.RESERVED
            )
        )
        if qty
    }
    free: Counter[str] = Counter()
    for sku, qty in session.execute(
        select(Item.sku, StockBalance.qty)
        .join(Item, Item.id == StockBalance.item_id)
        .join(Location, Location.id == StockBalance.location_id)
        .where(StockBalance.status == StockStatus.AVAILABLE, Location.active)
    ):
        free[sku] += qty
    debit, credit = session.execute(
        select(
            func.coalesce(func.sum(JournalLine.debit), 0),
            func.coalesce(func.sum(JournalLine.credit), 0),
        )
    ).one()
    return {
        "allocations": allocations,
        "allocated_by_sku": allocated_by_sku,
        "shipped_by_sku": shipped_by_sku,
        "reserved": reserved,
        "active_reservations": set(
            session.scalars(select(Reservation.id).where(Reservation.active))
        ),
        "free": free,
        "status": {o: status for o, status in session.execute(select(Order.id, Order.status))},
        "timeline": [
            tuple(row)
            for row in session.execute(
                select(Change.order_id, Change.from_status, Change.to_status).order_by(Change.id)
            )
        ],
        "open_holds": {
            (o, h)
            for o, h in session.execute(
                select(Hold.order_id, Hold.id).where(Hold.status == HoldStatus.OPEN)
            )
        },
        "debit": Decimal(debit),
        "credit": Decimal(credit),
        "invoices": session.scalar(select(func.count()).select_from(Invoice)),
        "shipments": session.scalar(select(func.count()).select_from(Shipment)),
    }


OrderMachine.TestCase.settings = settings(
    max_examples=40,
    stateful_step_count=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
test_orders_move_only_by_allowed_transitions_and_reserve_exactly_their_allocations = (
    OrderMachine.TestCase
)
