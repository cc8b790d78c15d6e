"""The order lifecycle of DESIGN.md as a state machine, and the money on an order."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from erp_core.domain.errors import IllegalTransition


class OrderStatus(StrEnum):
    RECEIVED = "received"
    READY = "ready"
    HELD = "held"
    RELEASED = "released"
    ALLOCATED = "allocated"
    BACKORDERED = "backordered"
    PICKED = "picked"
    SHIPPED = "shipped"
    INVOICED = "invoiced"
    CLOSED = "closed"
    CANCELLED = "cancelled"


class PaymentStatus(StrEnum):
    PENDING = "pending"
    AUTHORIZED = "authorized"
    CAPTURED = "captured"
    FAILED = "failed"


class AllocationStatus(StrEnum):
    ACTIVE = "active"
    SHIPPED = "shipped"
    RELEASED = "released"


S = OrderStatus
# Cancellation is possible until shipment. An order whose last open quantity ships (or whose
# unshipped rest is cancelled after a partial shipment) becomes shipped from wherever it was.
ALLOWED: dict[OrderStatus, frozenset[OrderStatus]] = {
    S.RECEIVED: frozenset({S.READY, S.HELD, S.CANCELLED}),
    S.HELD: frozenset({S.READY, S.CANCELLED}),
    S.READY: frozenset({S.RELEASED, S.HELD, S.CANCELLED}),
    S.RELEASED: frozenset({S.ALLOCATED, S.BACKORDERED, S.CANCELLED}),
    S.ALLOCATED: frozenset({S.PICKED, S.BACKORDERED, S.SHIPPED, S.CANCELLED}),
    S.BACKORDERED: frozenset({S.ALLOCATED, S.SHIPPED, S.CANCELLED}),
    S.PICKED: frozenset({S.SHIPPED, S.CANCELLED}),
    S.SHIPPED: frozenset({S.INVOICED}),
    S.INVOICED: frozenset({S.CLOSED}),
    S.CLOSED: frozenset(),
    S.CANCELLED: frozenset(),
}


# What the customer hears about (through the outbox): confirmation, delays, shipping, cancels.
CUSTOMER_FACING = frozenset({S.READY, S.BACKORDERED, S.SHIPPED, S.CANCELLED})


def check_transition(order_ref: str, current: OrderStatus, target: OrderStatus) -> None:
    if target not in ALLOWED[current]:
        raise IllegalTransition(
            f"order {order_ref} cannot go from {current.value} to {target.value}",
            order=order_ref,
            current=current.value,
            target=target.value,
        )


@dataclass(frozen=True)
class LineAmounts:
    qty: int
    unit_price: Decimal
    discount: Decimal
    tax: Decimal
    unit_cost: Decimal

    @property
    def goods(self) -> Decimal:
        return self.unit_price * self.qty

    @property
    def net(self) -> Decimal:
        """Revenue after discount, before tax."""
        return self.goods - self.discount


@dataclass(frozen=True)
class OrderAmounts:
    lines: tuple[LineAmounts, ...]
    shipping: Decimal

    @property
    def goods(self) -> Decimal:
        return sum((line.goods for line in self.lines), Decimal(0))

    @property
    def discount(self) -> Decimal:
        return sum((line.discount for line in self.lines), Decimal(0))

    @property
    def tax(self) -> Decimal:
        return sum((line.tax for line in self.lines), Decimal(0))

    @property
    def total(self) -> Decimal:
        """What the customer pays: goods - discount + tax + shipping."""
        return self.goods - self.discount + self.tax + self.shipping

    @property
    def net(self) -> Decimal:
        """Revenue after discount, before tax and shipping."""
        return sum((line.net for line in self.lines), Decimal(0))

    @property
    def cost(self) -> Decimal:
        """Cost of the goods at their unit cost."""
        return sum((line.unit_cost * line.qty for line in self.lines), Decimal(0))

    @property
    def margin_rate(self) -> Decimal | None:
        """(net revenue - cost of goods) / net revenue; None when nothing is charged."""
        net = self.net
        if net <= 0:
            return None
        return (net - self.cost) / net
