"""The demo company's last weeks, replayed through the same services the API calls, each
action stamped at its moment of the story by the business clock: orders captured and
validated (some held), holds worked, orders released (short stock backorders), picked,
shipped and invoiced; purchase orders raised by the reorder-point rule, approved, sent and
received late or on time; returns authorised, received, inspected, routed and refunded.

The last day's work is left half done on purpose, so every queue has something in it.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

import numpy as np
import pandas as pd
from sqlalchemy import select

from erp_core.adapters.database import Database
from erp_core.adapters.order_tables import Hold, Order, OrderAllocation, OrderLine
from erp_core.adapters.tables import Channel, Location
from erp_core.clock import replaying_at
from erp_core.domain.access import Principal, Role
from erp_core.domain.errors import DomainError
from erp_core.domain.order_rules import HoldReason, HoldStatus
from erp_core.domain.orders import AllocationStatus, OrderStatus, PaymentStatus
from erp_core.domain.routing import Router
from erp_core.services.anomaly_scoring import OrderScorer
from erp_core.services.fulfillment import ShipCommand, ShipLine, pick_order, ship_order
from erp_core.services.holds import resolve_hold
from erp_core.services.order_commands import CustomerCommand, LineCommand, OrderCommand
from erp_core.services.orders import capture_batch
from erp_core.services.release import releasable_orders, release_order
from pipelines.demo_buying import Buyer
from pipelines.demo_orders import DemoOrder, OrderMaker
from pipelines.demo_returns import ReturnDesk

PLANNER = "demo:planner"
WAREHOUSE = "demo:warehouse"
CAPTURE = "demo:channel-sync"
SUPERVISOR = Principal(0, "demo:ops-supervisor", Role.ADMIN)


@dataclass
class LiveFigures:
    orders: int = 0
    shipped: int = 0
    purchase_orders: int = 0
    receipts: int = 0
    returns: int = 0
    planted: list[DemoOrder] = field(default_factory=list)


class LiveReplay:
    def __init__(
        self,
        db: Database,
        router: Router,
        pairs: pd.DataFrame,
        demand: np.ndarray,
        maker: OrderMaker,
        start: datetime,
        rng: np.random.Generator,
        scorer: OrderScorer | None = None,
    ) -> None:
        self.db, self.router, self.pairs, self.demand = db, router, pairs, demand
        self.scorer = scorer
        self.maker, self.start, self.rng = maker, start, rng
        self.returns = ReturnDesk(db, rng)
        self.buyer = Buyer(db, pairs, demand, self.at, rng)
        self.figures = LiveFigures()

    def at(self, t: int, hour: float) -> datetime:
        return self.start + timedelta(days=t, hours=hour)

    def run_day(self, t: int, last: bool) -> None:
        with replaying_at(self.at(t, 6)):
            self.buyer.receive_due(t)
        with replaying_at(self.at(t, 7)):
            self.returns.work(t)
            self._work_holds()
        self._capture(t)
        with replaying_at(self.at(t, 14)):
            self._release()
        if not last:
            with replaying_at(self.at(t, 17)):
                self._ship(t)
        with replaying_at(self.at(t, 20)):
            self.buyer.replenish(t)
        self.figures.returns = self.returns.authorised
        self.figures.purchase_orders = self.buyer.purchase_orders
        self.figures.receipts = self.buyer.receipts

    def _capture(self, t: int) -> None:
        units = {s: int(q) for s, q in enumerate(self.demand[:, t]) if q}
        orders = self.maker.day(t, units, None)
        by_hour: dict[tuple[int, str], list[DemoOrder]] = defaultdict(list)
        for order in orders:
            by_hour[(order.at.hour, order.channel)].append(order)
        for (hour, channel), batch in sorted(by_hour.items()):
            with replaying_at(self.at(t, hour + 0.99)):
                outcomes = capture_batch(
                    self.db, CAPTURE, channel, [self._command(o) for o in batch], self.scorer
                )
            refused = [o for o in outcomes if isinstance(o, DomainError)]
            if refused:
                raise RuntimeError(f"the demo's own order was refused: {refused[0].message}")
        self.figures.orders += len(orders)
        self.figures.planted.extend(o for o in orders if o.anomaly)

    def _command(self, order: DemoOrder) -> OrderCommand:
        payment = PaymentStatus.PENDING if self.rng.random() < 0.01 else PaymentStatus.CAPTURED
        return OrderCommand(
            channel=order.channel,
            external_id=order.external_id,
            lines=tuple(
                LineCommand(line.sku, line.qty, line.unit_price, line.discount, line.tax)
                for line in order.lines
            ),
            ship_to=order.ship_to,
            shipping_method="standard",
            payment_status=payment,
            customer=CustomerCommand(order.customer, f"Customer {order.customer}"),
            shipping=Decimal("4.90") if order.channel == "WEB" else Decimal(0),
        )

    def _work_holds(self) -> None:
        """Holds from yesterday get their answer: most are released, a few orders cancelled.
        An anomaly hold is investigated, so its answer is the truth: planted orders are
        cancelled as fraud, the others released as false positives."""
        planted = {(o.channel, o.external_id) for o in self.figures.planted}
        for hold_id, reason, channel, external_id in self._open_holds():
            if reason == HoldReason.ANOMALY:
                release = (channel, external_id) not in planted
                comment = "looked normal on checking" if release else "confirmed as fraud"
            else:
                release = self.rng.random() < 0.85
                comment = "checked with the customer" if release else "customer did not answer"
            try:
                resolve_hold(self.db, SUPERVISOR, hold_id, release, comment)
            except DomainError:
                continue  # closed with its order when another hold cancelled it

    def _open_holds(self) -> list[tuple[int, HoldReason, str, str]]:
        query = (
            select(Hold.id, Hold.reason, Channel.code, Order.external_id)
            .join(Order, Order.id == Hold.order_id)
            .join(Channel, Channel.id == Order.channel_id)
            .where(Hold.status == HoldStatus.OPEN)
            .order_by(Hold.id)
        )
        return self.db.read(lambda s: [(i, r, c, e) for i, r, c, e in s.execute(query)])

    def _release(self) -> None:
        for order_id in releasable_orders(self.db, 100_000):
            release_order(self.db, PLANNER, order_id, self.router)

    def _ship(self, t: int) -> None:
        for (order_id, status), by_node in _allocated(self.db).items():
            if status == OrderStatus.ALLOCATED:  # a backordered order ships what it has
                pick_order(self.db, WAREHOUSE, order_id)
            for node, lines in by_node.items():
                ship_order(
                    self.db,
                    WAREHOUSE,
                    order_id,
                    ShipCommand(node, "DHL", tuple(ShipLine(n, q) for n, q in lines.items())),
                )
            self.figures.shipped += 1
            self.returns.consider(order_id, t)


def _allocated(db: Database) -> dict[tuple[int, OrderStatus], dict[str, dict[int, int]]]:
    """Active allocations per order (and its status), node and order line."""
    rows = db.read(
        lambda s: list(
            s.execute(
                select(
                    OrderLine.order_id,
                    Order.status,
                    Location.code,
                    OrderLine.line_no,
                    OrderAllocation.qty,
                )
                .join(OrderLine, OrderLine.id == OrderAllocation.order_line_id)
                .join(Order, Order.id == OrderLine.order_id)
                .join(Location, Location.id == OrderAllocation.location_id)
                .where(OrderAllocation.status == AllocationStatus.ACTIVE)
                .order_by(OrderLine.order_id)
            )
        )
    )
    found: dict[tuple[int, OrderStatus], dict[str, dict[int, int]]] = defaultdict(
        lambda: defaultdict(dict)
    )
    for order_id, status, node, line_no, qty in rows:
        lines = found[(order_id, status)][node]
        lines[line_no] = lines.get(line_no, 0) + qty
    return found
